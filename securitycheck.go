package connectorhub

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrStaleRights is what a store returns when a request's principal, kept from an earlier
// request, was read at a security version that is no longer the database's: the caller must
// be read again and the request served again. It never reaches a client.
var ErrStaleRights = errors.New("the caller's rights changed since they were read")

// A SecurityCheck is the check a request still owes that its principal, kept from an earlier
// request at security version Version, is what a fresh read would give. A store settles it
// with the request's first read, in the same statement where it can (one query for a GET),
// and refuses to read or write for a principal it finds stale. It is safe for concurrent use.
type SecurityCheck struct {
	version int64
	read    func(context.Context) (int64, error) // the database's security version
	state   atomic.Int32                         // checkPending, checkCurrent or checkStale
}

const (
	checkPending int32 = iota
	checkCurrent
	checkStale
)

// NewSecurityCheck returns the pending check of a principal read at security version v;
// read reads the database's current one (PrincipalService.SecurityVersion).
func NewSecurityCheck(v int64, read func(context.Context) (int64, error)) *SecurityCheck {
	return &SecurityCheck{version: v, read: read}
}

// Pending reports whether the check is not settled yet.
func (c *SecurityCheck) Pending() bool { return c.state.Load() == checkPending }

// Settle settles the check against the database's security version current: nil when the
// principal is current, ErrStaleRights when it is not. Once stale, always stale.
func (c *SecurityCheck) Settle(current int64) error {
	if current == c.version {
		c.state.CompareAndSwap(checkPending, checkCurrent)
	} else {
		c.state.Store(checkStale)
	}
	if c.state.Load() == checkStale {
		return ErrStaleRights
	}
	return nil
}

// Confirm settles the check by reading the security version, unless it is settled already:
// for a read or write that cannot settle it in its own statement.
func (c *SecurityCheck) Confirm(ctx context.Context) error {
	switch c.state.Load() {
	case checkCurrent:
		return nil
	case checkStale:
		return ErrStaleRights
	}
	// The read itself must not wait for the check it settles.
	v, err := c.read(NewContextWithSecurityCheck(ctx, nil))
	if err != nil {
		return err
	}
	return c.Settle(v)
}

type securityCheckKey struct{}

// NewContextWithSecurityCheck returns a context that carries c; a nil c hides the check of
// ctx (for the query that settles it).
func NewContextWithSecurityCheck(ctx context.Context, c *SecurityCheck) context.Context {
	return context.WithValue(ctx, securityCheckKey{}, c)
}

// UnsettledSecurityCheck returns the check ctx carries unless it found the principal current:
// a pending check, or a stale one (which Settle refuses again). Nil when there is nothing to
// check.
func UnsettledSecurityCheck(ctx context.Context) *SecurityCheck {
	c, _ := ctx.Value(securityCheckKey{}).(*SecurityCheck)
	if c == nil || c.state.Load() == checkCurrent {
		return nil
	}
	return c
}
