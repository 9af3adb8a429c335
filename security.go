package connectorhub

import (
	"fmt"
	"sort"
	"strings"
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
