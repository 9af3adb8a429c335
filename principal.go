package connectorhub

import (
	"context"
	"time"
)

// Principal is the caller of a request: every request carries one, every write records it.
type Principal struct {
	UserID         string // systemuserid
	BusinessUnitID string // the user's business unit
	FullName       string
	// Security holds the caller's teams and privileges; nil grants nothing.
	Security *Security
}

type principalKey struct{}

// NewContextWithPrincipal returns a context that carries p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the caller carried by ctx, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// callerOf returns the principal of ctx or an error: a write without a caller is a bug.
func callerOf(ctx context.Context) (*Principal, error) {
	if p := PrincipalFromContext(ctx); p != nil {
		return p, nil
	}
	return nil, Errorf(ECodeUnexpected, "The request has no calling principal.")
}

// SystemUser is a row of the systemuser table.
type SystemUser struct {
	ID             string // systemuserid
	FullName       string
	Email          string // internalemailaddress
	AADObjectID    string // azureactivedirectoryobjectid, "" when none
	BusinessUnitID string
	CreatedOn      time.Time
	// Disabled users keep their records but cannot sign in or be impersonated (isdisabled).
	Disabled bool
	// Issuer is the OIDC issuer (iss) that AADObjectID belongs to: a user is (Issuer, oid), so
	// another trusted issuer cannot name it by the same oid. "" when not bound to one yet.
	// omitzero: listings that do not read it (users list -o json) stay as they were.
	Issuer string `json:",omitzero"`
	// TokensValidAfter is when the user's tokens were last revoked: tokens issued (iat) before
	// it are refused. Zero when never revoked.
	TokensValidAfter time.Time `json:",omitzero"`
	// RoleIDs are roles to give the user when it is created, in the same transaction, so that
	// no user exists for a moment without the roles it was created with. Not read back.
	RoleIDs []string `json:"-"`
}

// BusinessUnit is a row of the businessunit table.
type BusinessUnit struct {
	ID       string // businessunitid
	Name     string
	ParentID string // "" for the root business unit
}

// Team is a row of the team table.
type Team struct {
	ID             string // teamid
	Name           string
	BusinessUnitID string
}

// Organization identifies the environment (WhoAmI's OrganizationId).
type Organization struct {
	ID   string
	Name string
}

// PrincipalService stores the environment's identities.
type PrincipalService interface {
	// Bootstrap creates, on first start, the organization, its root business unit and a
	// System Administrator, and returns that administrator; later calls return the same one.
	Bootstrap(ctx context.Context) (*SystemUser, error)
	// Organization returns the environment's organization.
	Organization(ctx context.Context) (*Organization, error)
	// FindSystemUserByID returns the user; ECodeNotFound if there is none.
	FindSystemUserByID(ctx context.Context, id string) (*SystemUser, error)
	// CreateSystemUser adds a user (in the root business unit when BusinessUnitID is "") with
	// the roles of u.RoleIDs, in one transaction; ECodeDuplicateKey if the id is taken,
	// ECodeInvalidArgument for an unknown role.
	CreateSystemUser(ctx context.Context, u *SystemUser) error
	// FindTeamByID returns the team; ECodeNotFound if there is none.
	FindTeamByID(ctx context.Context, id string) (*Team, error)
	// CreateTeam adds a team checked by NewTeam (in the root business unit when
	// BusinessUnitID is ""); ECodeDuplicateKey if the id or the name (any case) is taken.
	CreateTeam(ctx context.Context, t *Team) error
	// FindBusinessUnitByID returns the business unit; ECodeNotFound if there is none.
	FindBusinessUnitByID(ctx context.Context, id string) (*BusinessUnit, error)
	// FindSystemUserByObjectID returns the user with that Entra object id from that issuer (""
	// for a user bound to no issuer yet); ECodeNotFound if none.
	FindSystemUserByObjectID(ctx context.Context, issuer, oid string) (*SystemUser, error)
	// BindSystemUserIssuer binds a user bound to no issuer yet to issuer; ECodeNotFound if there
	// is no such user or it is bound already.
	BindSystemUserIssuer(ctx context.Context, userID, issuer string) error
	// RevokeSystemUserTokens refuses from now on the user's tokens issued before at, rounded up
	// to a whole second (the precision of iat); it never moves an earlier revocation back.
	// ECodeNotFound if there is no such user.
	RevokeSystemUserTokens(ctx context.Context, userID string, at time.Time) error
	// FindSystemUserByEmail returns the user with that e-mail address; ECodeNotFound if none.
	FindSystemUserByEmail(ctx context.Context, email string) (*SystemUser, error)
	// FindRoleByName returns a role by name, case-insensitive; ECodeNotFound if none.
	FindRoleByName(ctx context.Context, name string) (*Role, error)
	// FindRoleByID returns a role with its privileges; ECodeNotFound if none.
	FindRoleByID(ctx context.Context, id string) (*Role, error)
	// ListRoles returns every role with its privileges, ordered by name.
	ListRoles(ctx context.Context) ([]Role, error)
	// AssignRole gives a user a role; ECodeInvalidArgument if either does not exist.
	AssignRole(ctx context.Context, userID, roleID string) error
	// AssignTeamRole gives a team a role; ECodeInvalidArgument if either does not exist.
	AssignTeamRole(ctx context.Context, teamID, roleID string) error
	// AddTeamMember makes a user a member of a team; ECodeInvalidArgument if either does not exist.
	AddTeamMember(ctx context.Context, teamID, userID string) error
	// LoadPrincipal returns the user as a caller, with teams and privileges; ECodeNotFound if none.
	LoadPrincipal(ctx context.Context, userID string) (*Principal, error)
	// SecurityVersion returns a number that changes (grows) with every change to users,
	// teams, business units, roles and their links: equal numbers mean that a user and its
	// principal read at the first still read the same.
	SecurityVersion(ctx context.Context) (int64, error)
	// ListSystemUsers returns every user with its roles, ordered by e-mail address.
	ListSystemUsers(ctx context.Context) ([]UserInfo, error)
	// ListTeams returns every team with its members and roles, ordered by name.
	ListTeams(ctx context.Context) ([]TeamInfo, error)
	// FindTeamByName returns a team by name, case-insensitive; ECodeNotFound if none.
	FindTeamByName(ctx context.Context, name string) (*Team, error)
	// RemoveRole takes a role from a user. Like every write of PrincipalService it serves the
	// operator and checks no caller, but ECodeInvalidArgument when it would demote the last or
	// the bootstrap System Administrator (RequireAdministrators).
	RemoveRole(ctx context.Context, userID, roleID string) error
	// RemoveTeamMember takes a user out of a team; errors as RemoveRole.
	RemoveTeamMember(ctx context.Context, teamID, userID string) error
}

// UserInfo is a user with the names of its roles, for listings.
type UserInfo struct {
	SystemUser
	Roles []string
}

// TeamInfo is a team with its members' e-mail addresses and its roles, for listings.
type TeamInfo struct {
	Team
	Members []string
	Roles   []string
}
