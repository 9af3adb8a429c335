package webapi

import (
	"net/http"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// Dataverse's operations bound to a role that ConnectorHub serves (docs/security.md).
const (
	opAddPrivileges      = "AddPrivilegesRole"
	opReplacePrivileges  = "ReplacePrivilegesRole"
	opRemovePrivilege    = "RemovePrivilegeRole"
	opRetrievePrivileges = "RetrieveRolePrivilegesRole"
)

// roleOperation returns the name of the bound action or function a segment after roles(<id>)
// calls, with or without the Microsoft.Dynamics.CRM namespace, or "".
func roleOperation(seg segment) string {
	name := strings.TrimPrefix(seg.name, "Microsoft.Dynamics.CRM.")
	switch {
	case name == opRetrievePrivileges && (!seg.hasKey || seg.key == ""):
		return name
	case (name == opAddPrivileges || name == opReplacePrivileges || name == opRemovePrivilege) && !seg.hasKey:
		return name
	}
	return ""
}

// serveRoleOperation serves POST roles(<id>)/AddPrivilegesRole, ReplacePrivilegesRole and
// RemovePrivilegeRole (204), and GET roles(<id>)/RetrieveRolePrivilegesRole().
func (s *Server) serveRoleOperation(w http.ResponseWriter, r *request, id, op string) error {
	is, err := s.identities()
	if err != nil {
		return err
	}
	if op == opRetrievePrivileges {
		if r.Method != http.MethodGet {
			return noResource(r)
		}
		return s.retrieveRolePrivileges(w, r, id)
	}
	if r.Method != http.MethodPost {
		return noResource(r)
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var c connectorhub.PrivilegeChange
	if op == opRemovePrivilege {
		c, err = decodeRemovePrivilege(body)
	} else {
		c, err = decodePrivileges(r, body, op == opReplacePrivileges)
	}
	if err != nil {
		return err
	}
	if err := is.ChangeRolePrivileges(r.Context(), id, c); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// decodePrivileges reads {"Privileges": [{"PrivilegeId" or "PrivilegeName": …, "Depth": …}]},
// Dataverse's RolePrivilege collection. Its other members (BusinessUnitId, @odata.type…) are
// accepted and ignored: ConnectorHub's roles reach from their holder's business unit.
func decodePrivileges(r *request, body *jsontext.Value, replace bool) (connectorhub.PrivilegeChange, error) {
	c := connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{}, Replace: replace}
	list := body.Get("Privileges")
	if list == nil || list.Kind != jsontext.Array {
		return c, rolePayloadError(`the body must be {"Privileges": [{"PrivilegeName": "prvReadconnector", "Depth": "Local"}, …]}`)
	}
	for _, e := range list.Elems {
		p, err := privilegeOf(e)
		if err != nil {
			return c, err
		}
		d, err := depthOf(r, e.Get("Depth"))
		if err != nil {
			return c, err
		}
		c.Depths[p] = d
	}
	return c, nil
}

// decodeRemovePrivilege reads {"PrivilegeId": …} (or "PrivilegeName"): that privilege drops to None.
func decodeRemovePrivilege(body *jsontext.Value) (connectorhub.PrivilegeChange, error) {
	p, err := privilegeOf(body)
	if err != nil {
		return connectorhub.PrivilegeChange{}, err
	}
	return connectorhub.PrivilegeChange{Depths: map[connectorhub.Privilege]connectorhub.Depth{p: connectorhub.DepthNone}}, nil
}

// privilegeOf reads the privilege an object names by PrivilegeId or PrivilegeName; when it
// gives both, they must agree.
func privilegeOf(v *jsontext.Value) (connectorhub.Privilege, error) {
	if v.Kind != jsontext.Object {
		return 0, rolePayloadError("a RolePrivilege must be an object")
	}
	var found []connectorhub.Privilege
	for _, key := range []string{"PrivilegeId", "PrivilegeName"} {
		m := v.Get(key)
		if m == nil {
			continue
		}
		p, ok := connectorhub.Privilege(0), false
		if m.Kind == jsontext.String {
			p, ok = connectorhub.ParsePrivilege(m.Str)
		}
		if !ok || (key == "PrivilegeId" && !strings.EqualFold(m.Str, p.PrivilegeID())) {
			return 0, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "%s %s names no privilege ConnectorHub has: use %s.", key, quoted(m), privilegeList())
		}
		found = append(found, p)
	}
	switch {
	case len(found) == 0:
		return 0, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "A RolePrivilege needs PrivilegeId or PrivilegeName: %s.", privilegeList())
	case len(found) == 2 && found[0] != found[1]:
		return 0, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "PrivilegeId and PrivilegeName name different privileges (%s, %s).", found[0].PrivilegeName(), found[1].PrivilegeName())
	}
	return found[0], nil
}

// depthOf reads a Depth: Dataverse's PrivilegeDepth as a name (Basic, Local, Deep, Global) or
// its number (0 to 3), or ConnectorHub's names (None, User… Organization).
func depthOf(r *request, v *jsontext.Value) (connectorhub.Depth, error) {
	if v != nil {
		switch v.Kind {
		case jsontext.String:
			if d, ok := connectorhub.ParseDepth(v.Str); ok {
				return d, nil
			}
		case jsontext.Number:
			if n, err := strconv.Atoi(string(jsonNumber(r, v))); err == nil && n >= 0 && n <= 3 {
				return connectorhub.Depth(n + 1), nil
			}
		}
	}
	return 0, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "A RolePrivilege needs a Depth: Basic (User), Local (BusinessUnit), Deep (ParentChildBusinessUnits) or Global (Organization).")
}

// privilegeList names the privileges a role can hold, for error messages.
func privilegeList() string {
	var names []string
	for p := connectorhub.PrivCreate; p <= connectorhub.PrivActOnBehalf; p++ {
		names = append(names, p.PrivilegeName())
	}
	return strings.Join(names, ", ")
}

func quoted(v *jsontext.Value) string {
	if v.Kind == jsontext.String {
		return "'" + v.Str + "'"
	}
	return "(not a string)"
}

func rolePayloadError(detail string) error {
	return identityPayloadError(connectorhub.RoleTable, detail)
}

// retrieveRolePrivileges serves GET roles(<id>)/RetrieveRolePrivilegesRole(): the privileges
// the role holds, as Dataverse's RolePrivilege records.
func (s *Server) retrieveRolePrivileges(w http.ResponseWriter, r *request, id string) error {
	if s.Principals == nil {
		return resourceNotFound(opRetrievePrivileges)
	}
	role, err := s.Principals.FindRoleByID(r.Context(), id)
	if err != nil {
		return err
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM.RetrieveRolePrivilegesRoleResponse")
	b.raw(`,"RolePrivileges":[`)
	n := 0
	for i, d := range role.Privileges {
		if d == connectorhub.DepthNone {
			continue
		}
		if n > 0 {
			b.raw(",")
		}
		n++
		p := connectorhub.Privilege(i)
		b.raw(`{"Depth":`)
		b.str(d.DataverseName())
		b.raw(`,"PrivilegeId":`)
		b.str(p.PrivilegeID())
		b.raw(`,"BusinessUnitId":`)
		b.str(role.BusinessUnitID)
		b.raw(`,"PrivilegeName":`)
		b.str(p.PrivilegeName())
		b.raw("}")
	}
	b.raw("]}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}
