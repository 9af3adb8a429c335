package auth

import (
	"net/http"
	"strings"
	"sync"

	connectorhub "github.com/connectorhub/connectorhub"
)

// The rights cache. Reading a caller takes five queries (the user, then its teams, business
// units and roles); a request that finds the caller read at the current security version
// takes one (the version), or none when the request's own first read checks the version in
// its statement (AuthenticateDeferred). Triggers move the version with every change to users, teams,
// business units, roles and their links, on every replica's database, so a kept caller is
// exactly what a fresh read would give. "Consistency: Strong" reads the caller afresh, as
// Dataverse's header bypasses its caches.

// maxCachedCallers bounds the callers kept; past it, all are dropped.
const maxCachedCallers = 10_000

// rightsCache keeps recent callers with the security version they were read at.
type rightsCache struct {
	mu sync.Mutex
	m  map[string]cachedCaller
}

// cachedCaller is a caller as read at a security version. Neither the user nor the principal
// is changed once kept: requests share them.
type cachedCaller struct {
	version   int64
	user      *connectorhub.SystemUser
	principal *connectorhub.Principal
}

func (c *rightsCache) get(key string, version int64) (cachedCaller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok && e.version == version
}

// latest returns the caller kept for key, at whatever version it was read.
func (c *rightsCache) latest(key string) (cachedCaller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}

func (c *rightsCache) put(key string, e cachedCaller) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCallers {
		c.m = map[string]cachedCaller{}
	}
	c.m[key] = e
}

// callerKey identifies the user a token's claims name.
func callerKey(c *Claims) string {
	if c.Local {
		return "local\x00" + c.Subject
	}
	return "oidc\x00" + c.Issuer + "\x00" + c.ObjectID
}

// strongConsistency reports whether the request asks to bypass caches (Consistency: Strong).
func strongConsistency(r *http.Request) bool {
	return strings.EqualFold(strings.TrimSpace(r.Header.Get("Consistency")), "Strong")
}
