package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// Authenticator turns a request's bearer token into the calling principal.
type Authenticator struct {
	Verifier *Verifier
	Users    connectorhub.PrincipalService
	// AutoProvision, when not "", is the role given to a user of an external issuer who has no
	// systemuser yet; otherwise such a user is refused.
	AutoProvision string
	// DefaultIssuer is the OIDC issuer that users with an Entra object id but no issuer belong
	// to (users from before issuers were recorded, or created with an oid alone): it binds
	// them on their first sign-in, and names the directory of CallerObjectId for local callers.
	// "" binds no one: such users are refused, as another issuer could mint their oid.
	DefaultIssuer string
	// Authority is the authorization URI clients are sent to (WWW-Authenticate), and Audience
	// the resource they ask a token for.
	Authority string
	Audience  string
	// Hint is added to the message of a 401, e.g. how to get a local token.
	Hint string

	rights rightsCache
}

// Challenge is the WWW-Authenticate header of a 401, naming where to get a token.
func (a *Authenticator) Challenge() string {
	c := `Bearer authorization_uri="` + a.Authority + `"`
	if a.Audience != "" {
		c += `, resource_id="` + a.Audience + `"`
	}
	return c
}

// Authenticate verifies the bearer token and returns the caller, or the impersonated user
// named by MSCRMCallerID or CallerObjectId when the caller may act on behalf of others.
func (a *Authenticator) Authenticate(r *http.Request) (*connectorhub.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The request needs an Authorization: Bearer <token> header.%s", a.Hint)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The Authorization header must be of the form 'Bearer <token>'.")
	}
	claims, err := a.Verifier.Verify(strings.TrimSpace(token))
	if err != nil {
		return nil, a.refused(err)
	}
	ctx := r.Context()
	p, err := a.principal(ctx, claims, strongConsistency(r))
	if err != nil {
		return nil, err
	}
	return a.impersonate(ctx, r, claims, p)
}

// refused is the error of a bearer token that Verify refused.
func (a *Authenticator) refused(err error) error {
	return connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The bearer token was refused: %s.%s", strings.TrimPrefix(err.Error(), ErrInvalidToken.Error()+": "), a.Hint)
}

// AuthenticateDeferred is Authenticate for a request whose first read of the database can
// check the security version in its own statement: when the caller is kept from an earlier
// request, it is returned with a pending check of the version it was read at instead of a
// read of the version now. The request must carry the check (connectorhub.
// NewContextWithSecurityCheck); the store settles it before anything is read or written for
// the caller, and refuses a stale caller with connectorhub.ErrStaleRights, upon which the
// request is served again after Authenticate. Otherwise, and with impersonation or
// Consistency: Strong, it is Authenticate, with no check.
func (a *Authenticator) AuthenticateDeferred(r *http.Request) (*connectorhub.Principal, *connectorhub.SecurityCheck, error) {
	if r.Header.Get("MSCRMCallerID") != "" || r.Header.Get("CallerObjectId") != "" || strongConsistency(r) {
		p, err := a.Authenticate(r)
		return p, nil, err
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		p, err := a.Authenticate(r)
		return p, nil, err
	}
	claims, err := a.Verifier.Verify(strings.TrimSpace(token))
	if err != nil {
		// Refused here, not by Authenticate: a bad token would cost two signature checks.
		return nil, nil, a.refused(err)
	}
	e, ok := a.rights.latest(callerKey(claims))
	if !ok {
		p, err := a.Authenticate(r)
		return p, nil, err
	}
	// Refused by what was kept is refused: revocations only move forward.
	if err := a.checkRevoked(e.user, claims); err != nil {
		return nil, nil, err
	}
	return e.principal, connectorhub.NewSecurityCheck(e.version, a.Users.SecurityVersion), nil
}

// principal finds, or provisions, the systemuser of a verified token: the one kept from an
// earlier request when the security version has not moved since (rights.go), unless strong.
func (a *Authenticator) principal(ctx context.Context, c *Claims, strong bool) (*connectorhub.Principal, error) {
	// The version is read first: a change made while the caller is read moves it past the
	// version the caller is kept at, so the next request reads the caller again.
	version, err := a.Users.SecurityVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := callerKey(c)
	if e, ok := a.rights.get(key, version); ok && !strong {
		if err := a.checkRevoked(e.user, c); err != nil {
			return nil, err
		}
		return e.principal, nil
	}
	var u *connectorhub.SystemUser
	if c.Local {
		u, err = a.Users.FindSystemUserByID(ctx, c.Subject)
	} else {
		u, err = a.external(ctx, c)
	}
	if isNotFound(err) {
		return nil, notMember()
	}
	if err != nil {
		return nil, err
	}
	if err := a.checkRevoked(u, c); err != nil {
		return nil, err
	}
	p, err := a.load(ctx, u)
	if err != nil {
		return nil, err
	}
	a.rights.put(key, cachedCaller{version: version, user: u, principal: p})
	return p, nil
}

// external finds the systemuser of an OIDC token by (iss, oid), binding a user with no issuer
// yet when the token comes from DefaultIssuer, or provisions it; ECodeNotFound if none.
func (a *Authenticator) external(ctx context.Context, c *Claims) (*connectorhub.SystemUser, error) {
	if c.ObjectID == "" {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The bearer token has no oid claim to identify the user.")
	}
	u, err := a.Users.FindSystemUserByObjectID(ctx, c.Issuer, c.ObjectID)
	if isNotFound(err) && c.Issuer != "" && c.Issuer == a.DefaultIssuer {
		u, err = a.bind(ctx, c)
	}
	if isNotFound(err) && a.AutoProvision != "" {
		u, err = a.provision(ctx, c)
	}
	return u, err
}

// bind binds the user with the token's oid and no issuer yet to the token's issuer.
func (a *Authenticator) bind(ctx context.Context, c *Claims) (*connectorhub.SystemUser, error) {
	u, err := a.Users.FindSystemUserByObjectID(ctx, "", c.ObjectID)
	if err != nil {
		return nil, err
	}
	if err := a.Users.BindSystemUserIssuer(ctx, u.ID, c.Issuer); isNotFound(err) {
		// Bound meanwhile, by a first request of the same user at once or to another issuer.
		return a.Users.FindSystemUserByObjectID(ctx, c.Issuer, c.ObjectID)
	} else if err != nil {
		return nil, err
	}
	u.Issuer = c.Issuer
	return u, nil
}

// checkRevoked refuses a token issued before the user's tokens were revoked. A token without
// iat cannot show it is newer, so it is refused too once the user has revoked tokens.
func (a *Authenticator) checkRevoked(u *connectorhub.SystemUser, c *Claims) error {
	if u.TokensValidAfter.IsZero() || !c.IssuedAt.Before(u.TokensValidAfter) {
		return nil
	}
	issued := "at an unknown time (no iat claim)"
	if !c.IssuedAt.IsZero() {
		issued = "at " + c.IssuedAt.UTC().Format(time.RFC3339)
	}
	return connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The bearer token was refused: it was issued %s, before the tokens of the user with SystemUserId=%s were revoked (tokens issued from %s on are valid). Get a new token.%s",
		issued, u.ID, u.TokensValidAfter.UTC().Format(time.RFC3339), a.Hint)
}

// load returns an enabled user as a caller. A disabled user is refused with 401, as Dataverse
// refuses the tokens of disabled users: the token is valid, but it no longer opens the door.
func (a *Authenticator) load(ctx context.Context, u *connectorhub.SystemUser) (*connectorhub.Principal, error) {
	if u.Disabled {
		return nil, connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "The user with SystemUserId=%s is disabled. Disabled users cannot access the organization; an administrator can enable the user again (PATCH systemusers(%s) {\"isdisabled\": false} or connectorhub users enable).", u.ID, u.ID)
	}
	return a.Users.LoadPrincipal(ctx, u.ID)
}

// provision creates the systemuser of a first-time external user with the AutoProvision role.
func (a *Authenticator) provision(ctx context.Context, c *Claims) (*connectorhub.SystemUser, error) {
	role, err := a.Users.FindRoleByName(ctx, a.AutoProvision)
	if err != nil {
		return nil, err
	}
	name := c.Name
	if name == "" {
		name = c.Email
	}
	// The role comes with the user, in one transaction: never a user without it.
	u := &connectorhub.SystemUser{FullName: name, Email: c.Email, AADObjectID: strings.ToLower(c.ObjectID), Issuer: c.Issuer, RoleIDs: []string{role.ID}}
	if err := a.Users.CreateSystemUser(ctx, u); err != nil {
		// Two first requests of the same user at once: the other one created it.
		if existing, ferr := a.Users.FindSystemUserByObjectID(ctx, c.Issuer, c.ObjectID); ferr == nil {
			return existing, nil
		}
		if c.Email != "" && connectorhub.ErrorCode(err) == connectorhub.ECodeDuplicateKey {
			if other, ferr := a.Users.FindSystemUserByEmail(ctx, c.Email); ferr == nil && !strings.EqualFold(other.AADObjectID, c.ObjectID) {
				// An e-mail claim is not proof of being that user: never bind by it. The
				// administrator binds the existing user to its object id instead.
				return nil, connectorhub.Errorf(connectorhub.ECodeNotOrgMember, "The user is not a member of the organization: a user with the e-mail address %s exists but is not bound to this sign-in (object id %s); an administrator can change that user's e-mail address, or create users with their object id before their first sign-in (connectorhub users create EMAIL --oid OID).%s", c.Email, c.ObjectID, a.Hint)
			}
		}
		if connectorhub.ErrorCode(err) == connectorhub.ECodeDuplicateKey {
			// The oid is another issuer's user's (or one bound to no issuer yet): this one
			// is not that user, and cannot be provisioned beside it.
			return nil, notMember()
		}
		return nil, err
	}
	return u, nil
}

// impersonate switches to the user named by MSCRMCallerID (a systemuserid) or CallerObjectId
// (an Entra object id of the caller's issuer: DefaultIssuer for a local caller), which needs
// the prvActOnBehalfOfAnotherUser privilege.
func (a *Authenticator) impersonate(ctx context.Context, r *http.Request, c *Claims, p *connectorhub.Principal) (*connectorhub.Principal, error) {
	byID, byOID := r.Header.Get("MSCRMCallerID"), r.Header.Get("CallerObjectId")
	if byID == "" && byOID == "" {
		return p, nil
	}
	if p.Depth(connectorhub.PrivActOnBehalf) == connectorhub.DepthNone {
		return nil, p.Require(connectorhub.PrivActOnBehalf, nil)
	}
	id := byID
	if id == "" {
		u, err := a.findByCallerObjectID(ctx, c, byOID)
		if err != nil {
			return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "CallerObjectId %s names no user of this organization.", byOID)
		}
		id = u.ID
	}
	guid, ok := connectorhub.ParseGUID(id)
	if !ok {
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "MSCRMCallerID must be a systemuserid GUID, not '%s'.", id)
	}
	target, err := a.Users.FindSystemUserByID(ctx, guid)
	if isNotFound(err) {
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "MSCRMCallerID %s names no user of this organization.", guid)
	}
	if err != nil {
		return nil, err
	}
	return a.load(ctx, target)
}

// findByCallerObjectID finds the user that CallerObjectId names in the caller's issuer. Users
// bound to no issuer yet belong to DefaultIssuer, as at sign-in, but are not bound here: only
// their own sign-in binds them.
func (a *Authenticator) findByCallerObjectID(ctx context.Context, c *Claims, oid string) (*connectorhub.SystemUser, error) {
	issuer := c.Issuer
	if c.Local {
		issuer = a.DefaultIssuer
	}
	if issuer != "" {
		u, err := a.Users.FindSystemUserByObjectID(ctx, issuer, oid)
		if !isNotFound(err) || issuer != a.DefaultIssuer {
			return u, err
		}
	}
	return a.Users.FindSystemUserByObjectID(ctx, "", oid)
}

func notMember() error {
	return connectorhub.Errorf(connectorhub.ECodeNotOrgMember, "The user is not a member of the organization.")
}

func isNotFound(err error) bool {
	var e *connectorhub.Error
	return errors.As(err, &e) && e.Code == connectorhub.ECodeNotFound
}
