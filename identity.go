package connectorhub

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Logical names of the identity tables besides systemuser and team (OwnerSystemUser, OwnerTeam).
const (
	BusinessUnitLogicalName = "businessunit"
	RoleLogicalName         = "role"
)

// TeamTypeLabels are the team types; ConnectorHub has owner teams only.
var TeamTypeLabels = map[int]string{0: "Owner"}

// identityLookup is the _<nav>_value column of a lookup to target.
func identityLookup(nav, target string, nullable bool) TableColumn {
	return TableColumn{Name: "_" + nav + "_value", Kind: KindLookup, NavigationProperty: nav, Target: target,
		Stored: nav, Nullable: nullable, Related: true}
}

// stored is a stored identity column of that name; related ones are written on expansion.
func stored(name string, kind ColumnKind, max int, nullable, related bool) TableColumn {
	return TableColumn{Name: name, Kind: kind, MaxLength: max, Stored: name, Nullable: nullable, Related: related}
}

// The identity tables. systemuser and team inherit ownerid from principal: Dataverse returns
// it beside their own key, with the same value.
var (
	SystemUserTable = &Table{LogicalName: OwnerSystemUser, EntitySetName: "systemusers", PrimaryID: "systemuserid",
		PrimaryName: "fullname", ObjectType: 8, Privilege: "User", Stored: "systemusers",
		Columns: []TableColumn{
			stored("systemuserid", KindGUID, 0, false, true),
			{Name: "ownerid", Kind: KindGUID, Stored: "systemuserid", Related: true},
			stored("fullname", KindString, 200, false, true),
			stored("internalemailaddress", KindString, 100, true, true),
			stored("azureactivedirectoryobjectid", KindGUID, 0, true, true),
			identityLookup("businessunitid", BusinessUnitLogicalName, false),
			stored("createdon", KindDateTime, 0, false, true),
			stored("isdisabled", KindBool, 0, false, false),
			stored("versionnumber", KindBigInt, 0, false, false),
		}}
	TeamTable = &Table{LogicalName: OwnerTeam, EntitySetName: "teams", PrimaryID: "teamid",
		PrimaryName: "name", ObjectType: 9, Privilege: "Team", Stored: "teams",
		Columns: []TableColumn{
			stored("teamid", KindGUID, 0, false, true),
			{Name: "ownerid", Kind: KindGUID, Stored: "teamid", Related: true},
			stored("name", KindString, 160, false, true),
			identityLookup("businessunitid", BusinessUnitLogicalName, false),
			{Name: "teamtype", Kind: KindChoice, Choices: TeamTypeLabels},
			stored("versionnumber", KindBigInt, 0, false, false),
		}}
	BusinessUnitTable = &Table{LogicalName: BusinessUnitLogicalName, EntitySetName: "businessunits", PrimaryID: "businessunitid",
		PrimaryName: "name", ObjectType: 10, Privilege: "BusinessUnit", Stored: "businessunits",
		Columns: []TableColumn{
			stored("businessunitid", KindGUID, 0, false, true),
			stored("name", KindString, 160, false, true),
			identityLookup("parentbusinessunitid", BusinessUnitLogicalName, true),
			stored("versionnumber", KindBigInt, 0, false, false),
		}}
	RoleTable = &Table{LogicalName: RoleLogicalName, EntitySetName: "roles", PrimaryID: "roleid",
		PrimaryName: "name", ObjectType: 1036, Privilege: "Role", Stored: "roles",
		Columns: []TableColumn{
			stored("roleid", KindGUID, 0, false, true),
			stored("name", KindString, 100, false, true),
			identityLookup("businessunitid", BusinessUnitLogicalName, false),
			stored("versionnumber", KindBigInt, 0, false, false),
		}}
)

// IdentityTables lists the identity tables the Web API serves.
var IdentityTables = []*Table{SystemUserTable, TeamTable, BusinessUnitTable, RoleTable}

// Relationship is a many-to-many relationship between two identity tables, named, as in
// Dataverse, like its collection-valued navigation property on both sides.
type Relationship struct {
	Name   string
	Tables [2]*Table
	// Privilege is what associating and disassociating need, e.g. prvAssignRole, a privilege
	// on Tables[0].
	Privilege string
}

// The relationships: team members, and the roles of users and of teams.
var (
	TeamMembership  = &Relationship{Name: "teammembership_association", Tables: [2]*Table{TeamTable, SystemUserTable}, Privilege: "prvWriteTeam"}
	SystemUserRoles = &Relationship{Name: "systemuserroles_association", Tables: [2]*Table{RoleTable, SystemUserTable}, Privilege: "prvAssignRole"}
	TeamRoles       = &Relationship{Name: "teamroles_association", Tables: [2]*Table{RoleTable, TeamTable}, Privilege: "prvAssignRole"}
)

// Relationships lists the many-to-many relationships of the identity tables.
var Relationships = []*Relationship{TeamMembership, SystemUserRoles, TeamRoles}

// RelationshipOf returns the relationship that is the navigation property nav of t, or nil.
func RelationshipOf(t *Table, nav string) *Relationship {
	for _, r := range Relationships {
		if r.Name == nav && (r.Tables[0] == t || r.Tables[1] == t) {
			return r
		}
	}
	return nil
}

// Other returns the table at the other end of the relationship from t.
func (r *Relationship) Other(t *Table) *Table {
	if r.Tables[0] == t {
		return r.Tables[1]
	}
	return r.Tables[0]
}

// RelatedTo restricts a query to the records associated with one record through a relationship.
type RelatedTo struct {
	Relationship *Relationship
	From         *Table // the table of the record
	ID           string // the record's key
}

// SystemUserUpdate holds what an update of a user changes; nil is "not given".
type SystemUserUpdate struct {
	FullName *string
	Email    *string
	Disabled *bool // isdisabled; see RequireAdministrators for who cannot be disabled
}

// PrivilegeChange sets the depths of some of a role's privileges, as Dataverse's
// AddPrivilegesRole (the others stay) and ReplacePrivilegesRole (the others drop to None) do.
type PrivilegeChange struct {
	Depths  map[Privilege]Depth
	Replace bool
}

// Apply returns the privileges of a role after the change.
func (c PrivilegeChange) Apply(old Privileges) Privileges {
	next := old
	if c.Replace {
		next = Privileges{}
	}
	for p, d := range c.Depths {
		next[p] = d
	}
	return next
}

// NameUpdate holds what an update of a team or business unit changes: its name.
type NameUpdate struct {
	Name *string
}

// IdentityService manages the identity tables through the Web API. Unlike PrincipalService,
// which serves the local `connectorhub users` and `teams` commands, its writes act for the
// caller of ctx and check that the caller may manage identities (CanManageIdentities);
// ECodePrivilegeDenied otherwise. Reads are open to every authenticated caller, as Dataverse
// lets Basic User read users, teams, business units and roles at organization depth.
type IdentityService interface {
	RowReader

	// AddSystemUser creates a user checked by NewSystemUser, in the root business unit when
	// BusinessUnitID is "", filling ID when "". ECodeDuplicateKey when the id, the e-mail
	// address or the Entra object id is taken; ECodeInvalidArgument for an unknown business unit.
	AddSystemUser(ctx context.Context, u *SystemUser) error
	// UpdateSystemUser changes a user. ECodeNotFound if there is none, ECodeVersionMismatch
	// when pre.ETag differs, ECodeDuplicateKey when the e-mail address is taken,
	// ECodeInvalidArgument or ECodeLengthExceeded for a bad value; ECodePrivilegeDenied when
	// the user is stronger than the caller (CanManage), ECodeInvalidArgument when it would
	// disable the last or the bootstrap System Administrator (RequireAdministrators).
	UpdateSystemUser(ctx context.Context, id string, u SystemUserUpdate, pre Precondition) error
	// AddTeam creates an owner team checked by NewTeam, in the root business unit when
	// BusinessUnitID is "". ECodeDuplicateKey when the id or the name (any case) is taken;
	// ECodeInvalidArgument for an unknown business unit.
	AddTeam(ctx context.Context, t *Team) error
	// UpdateTeam renames a team; errors as UpdateSystemUser (ECodePrivilegeDenied when the
	// team's roles reach deeper than the caller's).
	UpdateTeam(ctx context.Context, id string, u NameUpdate, pre Precondition) error
	// DeleteTeam removes a team, its memberships, roles and the shares made to it.
	// ECodeNotFound if there is none, ECodeVersionMismatch when pre.ETag differs,
	// ECodeInvalidArgument when the team owns connectors (assign them first) or holds the last
	// administrators' System Administrator role; ECodePrivilegeDenied unless the caller may
	// manage (CanManage) the team and every member of it.
	DeleteTeam(ctx context.Context, id string, pre Precondition) error
	// AddBusinessUnit creates a business unit checked by NewBusinessUnit, under the root one
	// when ParentID is "". ECodeDuplicateKey when the id or the name (any case) is taken;
	// ECodeInvalidArgument for an unknown parent.
	AddBusinessUnit(ctx context.Context, b *BusinessUnit) error
	// UpdateBusinessUnit renames a business unit; errors as UpdateTeam.
	UpdateBusinessUnit(ctx context.Context, id string, u NameUpdate, pre Precondition) error
	// AddRole creates a custom role checked by NewRole, in the root business unit when
	// BusinessUnitID is "", filling ID when "". ECodeDuplicateKey when the id or the name (any
	// case, any business unit) is taken; ECodeInvalidArgument for an unknown business unit or
	// a name that imitates another role's (RequireDistinctRoleName);
	// ECodePrivilegeDenied also when a privilege reaches deeper than the caller's own.
	AddRole(ctx context.Context, r *Role) error
	// UpdateRole renames a custom role; errors as UpdateTeam, and ECodeInvalidArgument for a
	// built-in role.
	UpdateRole(ctx context.Context, id string, u NameUpdate, pre Precondition) error
	// ChangeRolePrivileges sets depths of a custom role's privileges. ECodeNotFound if there is
	// none; ECodeInvalidArgument for a built-in role or a bad depth; ECodePrivilegeDenied when
	// it would raise a privilege above the caller's own depth.
	ChangeRolePrivileges(ctx context.Context, id string, c PrivilegeChange) error
	// DeleteRole removes a custom role. ECodeNotFound if there is none, ECodeVersionMismatch
	// when pre.ETag differs, ECodeInvalidArgument for a built-in role or one a user or team holds.
	DeleteRole(ctx context.Context, id string, pre Precondition) error
	// Associate links the record id of from with the record otherID of the relationship's
	// other table; linking them again changes nothing. ECodeNotFound when either record is
	// missing; ECodePrivilegeDenied also when what the link gives reaches deeper than the
	// caller's privileges (RequireGrant): a role, or a team's roles to a new member.
	Associate(ctx context.Context, rel *Relationship, from *Table, id, otherID string) error
	// Disassociate removes the link; removing a missing link changes nothing. ECodeNotFound
	// when either record is missing; ECodePrivilegeDenied unless the caller may manage
	// (CanManage) the user losing a role or a team, or the team losing a role and each of its
	// members; ECodeInvalidArgument when it would demote the last or the bootstrap System
	// Administrator (RequireAdministrators).
	Disassociate(ctx context.Context, rel *Relationship, from *Table, id, otherID string) error
}

// CanManageIdentities reports whether the caller may create and change users, teams,
// business units, memberships and role assignments: ConnectorHub's rule is that the caller's
// Create on connectors reaches Organization depth (System Administrator, System Customizer),
// the roles that administer an environment in Dataverse.
func (p *Principal) CanManageIdentities() bool {
	return p != nil && p.Depth(PrivCreate) == DepthOrganization
}

// RequireIdentityPrivilege returns Dataverse's 403 naming the privilege (prvCreateUser,
// prvWriteTeam, prvAssignRole…) on table t unless the caller may manage identities.
func (p *Principal) RequireIdentityPrivilege(privilege string, t *Table) error {
	if p.CanManageIdentities() {
		return nil
	}
	return p.missingPrivilege(privilege, t, "manage identities")
}

// missingPrivilege is Dataverse's 403 naming the privilege on table t, saying who may do
// what the caller tried (what).
func (p *Principal) missingPrivilege(privilege string, t *Table, what string) error {
	id, roles := "", 0
	if p != nil {
		id = p.UserID
		if p.Security != nil {
			roles = p.Security.RoleCount
		}
	}
	return Errorf(ECodePrivilegeDenied, "Principal user (Id=%s, type=8, roleCount=%d) is missing %s privilege on OTC=%d for entity '%s'. Only System Administrators and System Customizers %s.", id, roles, privilege, t.ObjectType, t.LogicalName, what)
}

// CanGrant reports whether every privilege of a role reaches no deeper than the caller's
// own, so that assigning roles never raises anyone above the one who assigns them.
func (p *Principal) CanGrant(r Privileges) bool {
	_, over := p.exceeding(r)
	return !over
}

// checkText refuses an empty required text or one longer than the column allows.
func checkText(t *Table, col, v string, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Errorf(ECodeInvalidArgument, "The '%s' property is required to create a %s.", col, t.LogicalName)
	}
	if err := checkStorable(t.LogicalName, col, v); err != nil {
		return err
	}
	if max := t.Column(col).MaxLength; utf8.RuneCountInString(v) > max {
		return Errorf(ECodeLengthExceeded, "A validation error occurred.  The length of the '%s' attribute of the '%s' entity exceeded the maximum allowed length of '%d'.", col, t.LogicalName, max)
	}
	return nil
}

// checkStorable refuses text that no engine stores as it was sent: U+0000, which PostgreSQL's
// text cannot hold, and bytes that are not UTF-8 (the Web API's JSON cannot carry them, but
// the Go API can). Refusing them on every engine keeps the engines' answers the same.
func checkStorable(table, col, v string) error {
	if strings.IndexByte(v, 0) >= 0 {
		return Errorf(ECodeInvalidArgument, "The value of the '%s' attribute of the '%s' entity contains the character U+0000, which cannot be stored.", col, table)
	}
	if !utf8.ValidString(v) {
		return Errorf(ECodeInvalidArgument, "The value of the '%s' attribute of the '%s' entity is not valid UTF-8.", col, table)
	}
	return nil
}

// checkEmail accepts an e-mail address with a local part and a domain.
func checkEmail(email string) error {
	if err := checkText(SystemUserTable, "internalemailaddress", email, true); err != nil {
		return err
	}
	if local, domain, ok := strings.Cut(email, "@"); !ok || local == "" || domain == "" || strings.ContainsAny(email, " \t\r\n") {
		return Errorf(ECodeInvalidArgument, "'%s' is not a valid e-mail address for 'internalemailaddress'.", email)
	}
	return nil
}

// NewSystemUser checks a user to create through the Web API: a full name and an e-mail
// address, within their lengths; a GUID for the Entra object id, when given (lower-cased, as
// tokens are matched).
func NewSystemUser(u *SystemUser) error {
	if err := checkEmail(u.Email); err != nil {
		return err
	}
	return CheckSystemUser(u)
}

// CheckSystemUser checks any user to create, also one a command or the sign-in of an external
// user creates, which may come without an e-mail address: a full name; an e-mail address,
// when given, that is one; a GUID for the Entra object id, when given; an issuer only with an
// object id.
func CheckSystemUser(u *SystemUser) error {
	if err := checkText(SystemUserTable, "fullname", u.FullName, true); err != nil {
		return err
	}
	if u.Email != "" {
		if err := checkEmail(u.Email); err != nil {
			return err
		}
	}
	if u.Issuer != "" && u.AADObjectID == "" {
		return Errorf(ECodeInvalidArgument, "A systemuser bound to the issuer %s needs an Entra object id.", u.Issuer)
	}
	if u.AADObjectID != "" {
		oid, ok := ParseGUID(u.AADObjectID)
		if !ok {
			return Errorf(ECodeInvalidArgument, "The value of 'azureactivedirectoryobjectid' is not a valid GUID: '%s'.", u.AADObjectID)
		}
		u.AADObjectID = oid
	}
	return nil
}

// Validate checks the values an update of a user gives.
func (u *SystemUserUpdate) Validate() error {
	if u.FullName != nil {
		if strings.TrimSpace(*u.FullName) == "" {
			return Errorf(ECodeInvalidArgument, "The 'fullname' of a systemuser cannot be empty.")
		}
		if err := checkText(SystemUserTable, "fullname", *u.FullName, true); err != nil {
			return err
		}
	}
	if u.Email != nil {
		return checkEmail(*u.Email)
	}
	return nil
}

// NewTeam checks a team to create: a name within its length.
func NewTeam(t *Team) error { return checkText(TeamTable, "name", t.Name, true) }

// NewBusinessUnit checks a business unit to create: a name within its length.
func NewBusinessUnit(b *BusinessUnit) error {
	return checkText(BusinessUnitTable, "name", b.Name, true)
}

// ValidateName checks the name an update of t gives.
func (u *NameUpdate) ValidateName(t *Table) error {
	if u.Name == nil {
		return nil
	}
	if strings.TrimSpace(*u.Name) == "" {
		return Errorf(ECodeInvalidArgument, "The 'name' of a %s cannot be empty.", t.LogicalName)
	}
	if err := checkText(t, "name", *u.Name, true); err != nil {
		return err
	}
	if t == RoleTable {
		return requireNotBuiltinName(*u.Name)
	}
	return nil
}
