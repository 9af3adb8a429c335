package connectorhub

import (
	"context"
	"sort"
	"strings"
)

// accessNames are Dataverse's AccessRights flag names, in the order Dataverse lists them.
var accessNames = []struct {
	mask AccessMask
	name string
}{
	{AccessRead, "ReadAccess"}, {AccessWrite, "WriteAccess"}, {AccessDelete, "DeleteAccess"},
	{AccessShare, "ShareAccess"}, {AccessAssign, "AssignAccess"},
}

// AllAccess is every right a share can grant.
const AllAccess = AccessRead | AccessWrite | AccessDelete | AccessShare | AccessAssign

// String writes the mask as Dataverse does: "ReadAccess, WriteAccess"; "None" when empty.
func (m AccessMask) String() string {
	var names []string
	for _, a := range accessNames {
		if m&a.mask != 0 {
			names = append(names, a.name)
		}
	}
	if len(names) == 0 {
		return "None"
	}
	return strings.Join(names, ", ")
}

// ParseAccessMask reads "ReadAccess, WriteAccess" (or a number). Rights that do not apply to
// connectors (AppendAccess, AppendToAccess, CreateAccess) are accepted and ignored.
func ParseAccessMask(s string) (AccessMask, error) {
	var m AccessMask
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch part {
		case "None", "AppendAccess", "AppendToAccess", "CreateAccess":
			continue
		}
		found := false
		for _, a := range accessNames {
			if strings.EqualFold(part, a.name) {
				m |= a.mask
				found = true
			}
		}
		if !found {
			return 0, Errorf(ECodeInvalidArgument, "'%s' is not an access right: use ReadAccess, WriteAccess, DeleteAccess, ShareAccess, AssignAccess.", part)
		}
	}
	return m, nil
}

// PrincipalAccess is one share of a record: the rights a user or team was given.
type PrincipalAccess struct {
	Principal OwnerRef
	Mask      AccessMask
}

// SharingService shares connectors with users and teams (Dataverse's GrantAccess family).
type SharingService interface {
	// GrantAccess gives principal the rights of mask on a connector, added to what it has, or
	// instead of it when replace is true (ModifyAccess). ECodeNotFound for a missing connector,
	// ECodeInvalidArgument for an unknown principal, ECodePrivilegeDenied when the caller lacks
	// Share on the connector or a right it tries to give.
	GrantAccess(ctx context.Context, connectorID string, principal OwnerRef, mask AccessMask, replace bool) error
	// RevokeAccess removes what was shared with principal; same errors as GrantAccess.
	RevokeAccess(ctx context.Context, connectorID string, principal OwnerRef) error
	// RetrievePrincipalAccess returns the rights principal has on a connector, from roles,
	// ownership and shares. ECodeNotFound, or ECodePrivilegeDenied when the caller cannot read it.
	RetrievePrincipalAccess(ctx context.Context, connectorID string, principal OwnerRef) (AccessMask, error)
	// RetrieveSharedPrincipalsAndAccess lists the shares of a connector; errors as RetrievePrincipalAccess.
	RetrieveSharedPrincipalsAndAccess(ctx context.Context, connectorID string) ([]PrincipalAccess, error)
}

// RightsOn returns the rights the principal's roles, ownership and the given shares give on rec.
func (p *Principal) RightsOn(rec Record) AccessMask {
	var m AccessMask
	for _, priv := range []Privilege{PrivRead, PrivWrite, PrivDelete, PrivShare, PrivAssign} {
		if p.CanAccess(priv, rec) {
			m |= accessFor[priv]
		}
	}
	return m
}

// SortShares orders shares by principal id, for stable answers.
func SortShares(s []PrincipalAccess) {
	sort.Slice(s, func(i, j int) bool { return s[i].Principal.ID < s[j].Principal.ID })
}
