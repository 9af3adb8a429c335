package connectorhub

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Privilege is a right on the connector table (spec §1.1 messages), or the organization-wide
// right to act on behalf of another user.
type Privilege int

// The privileges.
const (
	PrivCreate Privilege = iota
	PrivRead
	PrivWrite
	PrivDelete
	PrivAssign
	PrivShare
	PrivActOnBehalf // prvActOnBehalfOfAnotherUser: impersonation with MSCRMCallerID / CallerObjectId
	numPrivileges
)

var privilegeNames = [...]string{"Create", "Read", "Write", "Delete", "Assign", "Share", "ActOnBehalfOfAnotherUser"}

func (p Privilege) String() string { return privilegeNames[p] }

// PrivilegeName is Dataverse's name of the privilege on the connector table, e.g. prvCreateconnector.
func (p Privilege) PrivilegeName() string {
	if p == PrivActOnBehalf {
		return "prvActOnBehalfOfAnotherUser"
	}
	return "prv" + p.String() + ConnectorLogicalName
}

// Depth is how far a privilege reaches (Dataverse's access levels).
type Depth int

// The depths, from none to the whole organization.
const (
	DepthNone         Depth = iota
	DepthUser               // records the user or one of the user's teams owns, or shared with them
	DepthBusinessUnit       // records of the user's business unit
	DepthParentChild        // records of the user's business unit and those below it
	DepthOrganization       // every record
)

var depthNames = [...]string{"None", "User", "BusinessUnit", "ParentChildBusinessUnits", "Organization"}

func (d Depth) String() string { return depthNames[d] }

// Privileges gives each privilege its depth.
type Privileges [numPrivileges]Depth

// Role is a security role: a named set of privileges with depths.
type Role struct {
	ID             string
	Name           string
	BusinessUnitID string
	Privileges     Privileges
}

// Names of the built-in roles.
const (
	RoleSystemAdministrator = "System Administrator"
	RoleSystemCustomizer    = "System Customizer"
	RoleEnvironmentMaker    = "Environment Maker"
	RoleBasicUser           = "Basic User"
)

// BuiltinRoles are the roles every installation has, with the connector privileges the real
// ones grant (docs/security.md has the table and its reasoning).
var BuiltinRoles = []Role{
	{Name: RoleSystemAdministrator, Privileges: Privileges{DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization}},
	{Name: RoleSystemCustomizer, Privileges: Privileges{DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthOrganization, DepthNone}},
	{Name: RoleEnvironmentMaker, Privileges: Privileges{DepthUser, DepthOrganization, DepthUser, DepthUser, DepthUser, DepthUser, DepthNone}},
	{Name: RoleBasicUser, Privileges: Privileges{DepthNone, DepthUser, DepthUser, DepthUser, DepthNone, DepthUser, DepthNone}},
}

// BuiltinRole returns the built-in role with that name (case-insensitive), or nil.
func BuiltinRole(name string) *Role {
	for i := range BuiltinRoles {
		if strings.EqualFold(BuiltinRoles[i].Name, name) {
			return &BuiltinRoles[i]
		}
	}
	return nil
}

// Grant merges the privileges of a role into p: the deepest reach of each privilege wins.
func (p *Privileges) Grant(r Privileges) {
	for i, d := range r {
		if d > p[i] {
			p[i] = d
		}
	}
}

// Access rights of sharing (Dataverse's AccessRights), as a bit mask.
type AccessMask int

// The access rights a share can grant.
const (
	AccessRead   AccessMask = 1
	AccessWrite  AccessMask = 2
	AccessDelete AccessMask = 65536
	AccessAssign AccessMask = 524288
	AccessShare  AccessMask = 262144
)

// Security is what the access checks know of a caller: the teams, business units and
// privileges behind a Principal.
type Security struct {
	TeamIDs []string
	// BusinessUnits are the caller's business unit and all those below it, for ParentChild depth.
	BusinessUnits []string
	Privileges    Privileges
	RoleCount     int
}

// Depth is how far the caller's privilege reaches.
func (p *Principal) Depth(priv Privilege) Depth {
	if p.Security == nil {
		return DepthNone
	}
	return p.Security.Privileges[priv]
}

// Record is what an access check needs to know of a record.
type Record struct {
	OwnerID            string
	OwningBusinessUnit string
	Shared             AccessMask // what shares to the caller (or the caller's teams) grant
}

// accessFor maps a privilege to the share right that grants it.
var accessFor = map[Privilege]AccessMask{PrivRead: AccessRead, PrivWrite: AccessWrite, PrivDelete: AccessDelete, PrivAssign: AccessAssign, PrivShare: AccessShare}

// CanAccess reports whether the caller's privilege reaches a record.
func (p *Principal) CanAccess(priv Privilege, rec Record) bool {
	d := p.Depth(priv)
	if d == DepthNone {
		return false
	}
	if rec.Shared&accessFor[priv] != 0 {
		return true
	}
	switch d {
	case DepthOrganization:
		return true
	case DepthParentChild:
		for _, bu := range p.Security.BusinessUnits {
			if bu == rec.OwningBusinessUnit {
				return true
			}
		}
		return false
	case DepthBusinessUnit:
		return rec.OwningBusinessUnit == p.BusinessUnitID
	}
	return p.owns(rec.OwnerID)
}

// owns reports whether the caller or one of the caller's teams is the owner.
func (p *Principal) owns(ownerID string) bool {
	if ownerID == p.UserID {
		return true
	}
	for _, t := range p.Security.TeamIDs {
		if t == ownerID {
			return true
		}
	}
	return false
}

// Require checks that the caller holds priv on rec (on the table, when rec is nil) and
// returns Dataverse's 403 otherwise.
func (p *Principal) Require(priv Privilege, rec *Record) error {
	ok := p.Depth(priv) > DepthNone
	if ok && rec != nil {
		ok = p.CanAccess(priv, *rec)
	}
	if ok {
		return nil
	}
	roles := 0
	if p.Security != nil {
		roles = p.Security.RoleCount
	}
	if rec != nil && p.Depth(priv) > DepthNone {
		return Errorf(ECodePrivilegeDenied, "Principal user (Id=%s, type=8, roleCount=%d) is missing %s privilege at the depth needed for this record (its depth is %s) on OTC=10114 for entity '%s'.", p.UserID, roles, priv.PrivilegeName(), p.Depth(priv), ConnectorLogicalName)
	}
	return Errorf(ECodePrivilegeDenied, "Principal user (Id=%s, type=8, roleCount=%d) is missing %s privilege on OTC=10114 for entity '%s'.", p.UserID, roles, priv.PrivilegeName(), ConnectorLogicalName)
}

// ReadScope is how far a caller's Read reaches, for the storage engines to filter in SQL.
type ReadScope struct {
	All           bool     // Organization depth: no filter
	BusinessUnits []string // BusinessUnit or ParentChild depth: records owned in these units
	Owners        []string // User depth (and always): records owned by these principals
	SharedWith    []string // and records shared with Read to these principals
}

// ReadScope returns the caller's read reach; nil principal reads nothing.
func (p *Principal) ReadScope() ReadScope {
	if p == nil || p.Security == nil {
		return ReadScope{}
	}
	d := p.Depth(PrivRead)
	s := ReadScope{}
	if d == DepthNone {
		return s
	}
	if d == DepthOrganization {
		return ReadScope{All: true}
	}
	switch d {
	case DepthParentChild:
		s.BusinessUnits = append(s.BusinessUnits, p.Security.BusinessUnits...)
	case DepthBusinessUnit:
		s.BusinessUnits = []string{p.BusinessUnitID}
	}
	s.Owners = append([]string{p.UserID}, p.Security.TeamIDs...)
	s.SharedWith = s.Owners
	sort.Strings(s.BusinessUnits)
	return s
}

// String describes a role's privileges, e.g. "Create:Organization Read:User …".
func (p Privileges) String() string {
	parts := make([]string, 0, len(p))
	for i, d := range p {
		parts = append(parts, fmt.Sprintf("%s:%s", Privilege(i), d))
	}
	return strings.Join(parts, " ")
}

// privilegeIDs are stable ids of the privileges, ConnectorHub's own: Dataverse's RolePrivilege
// names a privilege by PrivilegeId, and clients that keep ids need them not to change.
var privilegeIDs = [...]string{
	"c7a5c3e1-1d0b-4f0e-8a01-000000010001", "c7a5c3e1-1d0b-4f0e-8a01-000000010002",
	"c7a5c3e1-1d0b-4f0e-8a01-000000010003", "c7a5c3e1-1d0b-4f0e-8a01-000000010004",
	"c7a5c3e1-1d0b-4f0e-8a01-000000010005", "c7a5c3e1-1d0b-4f0e-8a01-000000010006",
	"c7a5c3e1-1d0b-4f0e-8a01-000000010007",
}

// PrivilegeID is the privilege's stable id, the PrivilegeId of Dataverse's RolePrivilege.
func (p Privilege) PrivilegeID() string { return privilegeIDs[p] }

// ParsePrivilege reads a privilege by its short name (Create, Read… ActOnBehalfOfAnotherUser),
// its Dataverse name (prvReadconnector, prvActOnBehalfOfAnotherUser) or its id, ignoring case.
func ParsePrivilege(s string) (Privilege, bool) {
	for p := PrivCreate; p < numPrivileges; p++ {
		if strings.EqualFold(s, p.String()) || strings.EqualFold(s, p.PrivilegeName()) || strings.EqualFold(s, p.PrivilegeID()) {
			return p, true
		}
	}
	return 0, false
}

// dataverseDepths are Dataverse's PrivilegeDepth names of the depths above None.
var dataverseDepths = [...]string{"", "Basic", "Local", "Deep", "Global"}

// DataverseName is Dataverse's PrivilegeDepth of d: Basic, Local, Deep or Global ("" for None).
func (d Depth) DataverseName() string { return dataverseDepths[d] }

// ParseDepth reads a depth by its ConnectorHub name (None, User, BusinessUnit,
// ParentChildBusinessUnits, Organization) or its Dataverse name (Basic, Local, Deep, Global),
// ignoring case.
func ParseDepth(s string) (Depth, bool) {
	for d := DepthNone; d <= DepthOrganization; d++ {
		if strings.EqualFold(s, d.String()) || (d > DepthNone && strings.EqualFold(s, d.DataverseName())) {
			return d, true
		}
	}
	return 0, false
}

// ParsePrivilegeDepth reads "Privilege:Depth", e.g. "Read:BusinessUnit", as the roles command
// takes it.
func ParsePrivilegeDepth(s string) (Privilege, Depth, error) {
	name, depth, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, Errorf(ECodeInvalidArgument, "'%s' is not of the form Privilege:Depth, e.g. Read:BusinessUnit.", s)
	}
	p, ok := ParsePrivilege(strings.TrimSpace(name))
	if !ok {
		return 0, 0, Errorf(ECodeInvalidArgument, "'%s' is not a privilege; use one of %s.", name, strings.Join(privilegeNames[:], ", "))
	}
	d, ok := ParseDepth(strings.TrimSpace(depth))
	if !ok {
		return 0, 0, Errorf(ECodeInvalidArgument, "'%s' is not a depth; use one of %s (or Dataverse's %s).", depth, strings.Join(depthNames[:], ", "), strings.Join(dataverseDepths[1:], ", "))
	}
	return p, d, nil
}

// Validate refuses depths out of range, and a depth of prvActOnBehalfOfAnotherUser other than
// None or Organization: it is an organization-wide right in Dataverse, with no record to reach.
func (p Privileges) Validate() error {
	for i, d := range p {
		if d < DepthNone || d > DepthOrganization {
			return Errorf(ECodeInvalidArgument, "%d is not a depth of %s.", d, Privilege(i).PrivilegeName())
		}
	}
	if d := p[PrivActOnBehalf]; d != DepthNone && d != DepthOrganization {
		return Errorf(ECodeInvalidArgument, "%s is an organization-wide privilege: its depth is None or Organization (Global), not %s.", PrivActOnBehalf.PrivilegeName(), d)
	}
	return nil
}

// NewRole checks a custom role to create: a name within its length that neither is nor
// imitates a built-in role's (RequireDistinctRoleName), and valid depths.
func NewRole(r *Role) error {
	if err := checkText(RoleTable, "name", r.Name, true); err != nil {
		return err
	}
	if err := requireNotBuiltinName(r.Name); err != nil {
		return err
	}
	return r.Privileges.Validate()
}

// requireNotBuiltinName refuses a custom role's name that is, or imitates, a built-in one.
func requireNotBuiltinName(name string) error {
	for _, b := range BuiltinRoles {
		if strings.EqualFold(name, b.Name) {
			return Errorf(ECodeDuplicateKey, "A role named '%s' is built in; choose another name.", name)
		}
		if err := RequireDistinctRoleName(name, b.Name); err != nil {
			return err
		}
	}
	return nil
}

// RoleNameKey is the form in which role names are compared for uniqueness: NFKC-normalised
// (so the non-breaking, ideographic and other compatibility spaces and full-width letters
// become plain ones), without invisible format characters (zero-width spaces and joiners,
// the byte order mark), every run of white space one ASCII space, trimmed, and case-folded.
// A custom role named "System Administrator\u00a0" must not pass for the built-in one in a
// list of roles. Look-alike letters of other scripts (Cyrillic "а") are not folded.
func RoleNameKey(name string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFKC.String(name) {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return cases.Fold().String(b.String())
}

// RequireDistinctRoleName refuses name for a role when another role is named other: 412
// (ECodeDuplicateKey) when the names are the same regardless of case, 400
// (ECodeInvalidArgument) when they differ only in what RoleNameKey folds away, since such a
// name can only serve to be mistaken for the other role.
func RequireDistinctRoleName(name, other string) error {
	switch {
	case strings.EqualFold(name, other):
		return Errorf(ECodeDuplicateKey, "A role with name '%s' already exists.", name)
	case RoleNameKey(name) == RoleNameKey(other):
		return Errorf(ECodeInvalidArgument, "The role name %q differs from the role %q only in spaces, invisible characters, character width or case; role names must not imitate one another. Choose another name.", name, other)
	}
	return nil
}

// RequireCustom refuses to change or delete a built-in role.
func (r *Role) RequireCustom() error {
	if BuiltinRole(r.Name) != nil {
		return Errorf(ECodeInvalidArgument, "The role '%s' is built in: it cannot be changed or deleted. Create a custom role instead.", r.Name)
	}
	return nil
}

// CanRaise reports whether the caller may change a role's privileges from old to new: no
// privilege may be raised above the caller's own depth, so that nobody makes a role (and,
// through it, anyone) stronger than themselves. Lowering is always allowed.
func (p *Principal) CanRaise(old, new Privileges) bool {
	for i, d := range new {
		if d > old[i] && d > p.Depth(Privilege(i)) {
			return false
		}
	}
	return true
}

// exceeding returns the first of privs that reaches deeper than the caller's own depth.
func (p *Principal) exceeding(privs Privileges) (Privilege, bool) {
	for i, d := range privs {
		if d > p.Depth(Privilege(i)) {
			return Privilege(i), true
		}
	}
	return 0, false
}

// privileges are the principal's effective privileges; none for nil.
func (p *Principal) privileges() Privileges {
	if p == nil || p.Security == nil {
		return Privileges{}
	}
	return p.Security.Privileges
}

// RequireGrant returns Dataverse's 403 (ECodePrivilegeDenied) unless the caller holds every
// privilege of privs at least at its depth. Whatever gives someone privileges — a role, or a
// team's roles through membership — obeys it, so that nobody raises anyone (themselves
// included) above the one who gives. what says what was tried, e.g. "add a member to the
// team 'Admins'".
func (p *Principal) RequireGrant(privs Privileges, what string) error {
	priv, over := p.exceeding(privs)
	if !over {
		return nil
	}
	return Errorf(ECodePrivilegeDenied, "Principal user (Id=%s) cannot %s: it would give %s at %s depth, deeper than the caller's own (%s). Only a caller who holds every privilege it gives may give it.",
		p.UserID, what, priv.PrivilegeName(), privs[priv], p.Depth(priv))
}

// CanManage reports whether the caller may act on target: disable or enable it, change it,
// take a role from it, take it out of a team or, for a team, take a role from it or delete
// it. target's effective privileges must be a subset of the caller's (none reaching deeper),
// so that nobody locks out or weakens someone stronger than themselves. target may be a team:
// its UserID is then the teamid and its privileges those of its roles. Everyone may act on
// themselves, within RequireAdministrators.
func (p *Principal) CanManage(target *Principal) bool {
	_, over := p.exceeding(target.privileges())
	return !over
}

// RequireCanManage returns Dataverse's 403 (ECodePrivilegeDenied) unless CanManage(target).
func (p *Principal) RequireCanManage(target *Principal) error {
	t := target.privileges()
	priv, over := p.exceeding(t)
	if !over {
		return nil
	}
	return Errorf(ECodePrivilegeDenied, "Principal user (Id=%s) cannot act on the principal '%s' (Id=%s): its privileges exceed the caller's own (it holds %s at %s depth, the caller %s). Only a principal holding at least the same privileges may change it, disable or enable it, or take its roles or teams away.",
		p.UserID, target.FullName, target.UserID, priv.PrivilegeName(), t[priv], p.Depth(priv))
}

// RequireAdministrators refuses a change after which no enabled user holds the System
// Administrator role (directly or through a team), or after which the bootstrap administrator
// is disabled or no longer holds it; enabled and bootstrapKept describe the installation
// after the change. It binds everyone, administrators and the local commands included: an
// installation without an administrator has nobody left to repair it, and the bootstrap
// administrator is the way back in, the account `connectorhub token` signs for (Bootstrap
// gives it the role again on every start).
func RequireAdministrators(enabled int, bootstrapKept bool) error {
	if enabled == 0 {
		return Errorf(ECodeInvalidArgument, "The last enabled System Administrator cannot be disabled or lose the %s role, directly or through a team: nobody could administer the installation afterwards. Make another user System Administrator first.", RoleSystemAdministrator)
	}
	if !bootstrapKept {
		return Errorf(ECodeInvalidArgument, "The bootstrap System Administrator cannot be disabled or lose the %s role: it is the installation's way back in, the account connectorhub token signs for.", RoleSystemAdministrator)
	}
	return nil
}
