package webapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// identityWrite says what a create or update body of an identity table may hold.
type identityWrite struct {
	create, update []string // the properties each may set; firstname and lastname make fullname
	binds          map[string]*connectorhub.Table
	bools          []string // the properties among them that are Edm.Boolean; the others are text
	ints           []string // the properties among them that are Edm.Int32
}

// identityWrites lists the writable identity tables. A role is created with its name and
// business unit only; its privileges are set by the AddPrivilegesRole and
// ReplacePrivilegesRole actions, as in Dataverse (roles.go). A business unit is bound on
// create only, as Dataverse moves users and teams between units with actions, not with PATCH.
var identityWrites = map[*connectorhub.Table]identityWrite{
	connectorhub.SystemUserTable: {
		create: []string{"systemuserid", "fullname", "firstname", "lastname", "internalemailaddress", "azureactivedirectoryobjectid"},
		update: []string{"fullname", "firstname", "lastname", "internalemailaddress", "isdisabled"},
		binds:  map[string]*connectorhub.Table{"businessunitid": connectorhub.BusinessUnitTable},
		bools:  []string{"isdisabled"},
	},
	connectorhub.TeamTable: {
		create: []string{"teamid", "name"},
		update: []string{"name"},
		binds:  map[string]*connectorhub.Table{"businessunitid": connectorhub.BusinessUnitTable},
	},
	connectorhub.BusinessUnitTable: {
		create: []string{"businessunitid", "name"},
		update: []string{"name"},
		binds:  map[string]*connectorhub.Table{"parentbusinessunitid": connectorhub.BusinessUnitTable},
	},
	connectorhub.RoleTable: {
		create: []string{"roleid", "name"},
		update: []string{"name"},
		binds:  map[string]*connectorhub.Table{"businessunitid": connectorhub.BusinessUnitTable},
	},
	// A solution's unique name and publisher are set when it is created (spec §1.2).
	connectorhub.PublisherTable: {
		create: []string{"publisherid", "uniquename", "friendlyname", "customizationprefix", "customizationoptionvalueprefix", "description", "emailaddress", "supportingwebsiteurl"},
		update: []string{"friendlyname", "customizationprefix", "customizationoptionvalueprefix", "description", "emailaddress", "supportingwebsiteurl"},
		ints:   []string{"customizationoptionvalueprefix"},
	},
	connectorhub.SolutionTable: {
		create: []string{"solutionid", "uniquename", "friendlyname", "version", "description"},
		update: []string{"friendlyname", "version", "description"},
		binds:  map[string]*connectorhub.Table{"publisherid": connectorhub.PublisherTable},
	},
}

// identityInput is a decoded create or update body.
type identityInput struct {
	values map[string]*string // the text properties given; null is ""
	flags  map[string]*bool   // the Boolean properties given
	ints   map[string]*int    // the integer properties given
	binds  map[string]string  // navigation property → key of the bound record
}

func (in *identityInput) get(name string) string {
	if v := in.values[name]; v != nil {
		return *v
	}
	return ""
}

// fullName is fullname, or firstname and lastname joined, as Dataverse composes it; nil when
// none is given. An update must give both parts, since only the full name is stored.
func (in *identityInput) fullName(create bool) (*string, error) {
	if v := in.values["fullname"]; v != nil {
		return v, nil
	}
	first, last := in.values["firstname"], in.values["lastname"]
	if first == nil && last == nil {
		return nil, nil
	}
	if !create && (first == nil || last == nil) {
		return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "Give fullname, or firstname and lastname together: ConnectorHub stores the full name only.")
	}
	name := strings.TrimSpace(strings.TrimSpace(in.get("firstname")) + " " + strings.TrimSpace(in.get("lastname")))
	return &name, nil
}

// decodeIdentity reads a create (create=true) or update body of t: text properties and
// "<nav>@odata.bind" references; instance annotations are ignored.
func decodeIdentity(r *request, t *connectorhub.Table, body *jsontext.Value, create bool) (*identityInput, error) {
	spec, ok := identityWrites[t]
	if !ok {
		return nil, connectorhub.Errorf(connectorhub.ECodeMethodNotAllowed, "The %s records are built in: they cannot be created or changed through the Web API.", t.LogicalName)
	}
	writable := spec.update
	if create {
		writable = spec.create
	}
	in := &identityInput{values: map[string]*string{}, flags: map[string]*bool{}, ints: map[string]*int{}, binds: map[string]string{}}
	for _, m := range body.Members {
		if prop, annotation, ok := strings.Cut(m.Key, "@"); ok {
			if annotation != "odata.bind" {
				continue
			}
			target := spec.binds[prop]
			if target == nil {
				return nil, identityPayloadError(t, "An undeclared property '"+prop+"' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.")
			}
			if !create {
				return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The '%s' of a %s is set when it is created and cannot be changed through PATCH.", prop, t.LogicalName)
			}
			var id string
			var ok bool
			if m.Value.Kind == jsontext.String {
				id, ok = parseRef(m.Value.Str, target)
			}
			if !ok {
				return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "%s@odata.bind takes \"%s(<id>)\".", prop, target.EntitySetName)
			}
			in.binds[prop] = id
			continue
		}
		if !contains(writable, m.Key) {
			if t.Column(m.Key) != nil || contains(spec.create, m.Key) {
				return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The '%s' property of a %s cannot be set %s.", m.Key, t.LogicalName, map[bool]string{true: "when it is created", false: "through PATCH"}[create])
			}
			return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "An error occurred while validating input parameters: Microsoft.Crm.CrmException: Invalid property '%s' was found in entity 'Microsoft.Dynamics.CRM.%s'.", m.Key, t.LogicalName)
		}
		if contains(spec.bools, m.Key) {
			if m.Value.Kind != jsontext.Bool {
				return nil, identityPayloadError(t, "Cannot convert the value of the '"+m.Key+"' property to the expected type 'Edm.Boolean'.")
			}
			b := string(r.body[m.Value.Start:m.Value.End]) == "true"
			in.flags[m.Key] = &b
			continue
		}
		if contains(spec.ints, m.Key) {
			n, err := strconv.ParseInt(string(r.body[m.Value.Start:m.Value.End]), 10, 32)
			if m.Value.Kind != jsontext.Number || err != nil {
				return nil, identityPayloadError(t, "Cannot convert the value of the '"+m.Key+"' property to the expected type 'Edm.Int32'.")
			}
			v := int(n)
			in.ints[m.Key] = &v
			continue
		}
		switch m.Value.Kind {
		case jsontext.String:
			v := m.Value.Str
			in.values[m.Key] = &v
		case jsontext.Null:
			empty := ""
			in.values[m.Key] = &empty
		default:
			return nil, identityPayloadError(t, "Cannot convert the value of the '"+m.Key+"' property to the expected type 'Edm.String'.")
		}
	}
	if v := in.values[t.PrimaryID]; v != nil {
		id, ok := connectorhub.ParseGUID(*v)
		if !ok {
			return nil, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "The value of '%s' is not a valid GUID: '%s'.", t.PrimaryID, *v)
		}
		in.values[t.PrimaryID] = &id
	}
	return in, nil
}

func identityPayloadError(t *connectorhub.Table, detail string) error {
	return connectorhub.Errorf(connectorhub.ECodePayload, "Error identified in Payload provided by the user for Entity :'%s' ----> InnerException : %s", t.EntitySetName, detail)
}

// parseRef reads a reference to a record of t: "<set>(<id>)", with or without a leading
// slash, or as an absolute URL of a Web API, as @odata.bind and @odata.id give them.
func parseRef(ref string, t *connectorhub.Table) (string, bool) {
	s := ref
	if i := strings.Index(s, "/api/data/"); i >= 0 && (strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")) {
		if _, rest, ok := cutAPIPrefix(s[i:]); ok {
			s = rest
		}
	}
	segs := splitPath(strings.TrimPrefix(s, "/"))
	if len(segs) != 1 || !segs[0].hasKey || segs[0].name != t.EntitySetName {
		return "", false
	}
	id, err := identityKey(t, segs[0].key)
	return id, err == nil
}

// identityWrite reads what every create or update of an identity record needs: the store, the
// query options (for return=representation) and the decoded body; a table that takes no
// writes is 405.
func (s *Server) identityWrite(r *request, t *connectorhub.Table, create bool) (*identityQuery, *identityInput, error) {
	if _, err := s.rowsOf(t); err != nil {
		return nil, nil, err
	}
	q, err := parseIdentityQuery(r, t)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := identityWrites[t]; !ok {
		return nil, nil, methodNotAllowed(r, "GET")
	}
	body, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	in, err := decodeIdentity(r, t, body, create)
	if err != nil {
		return nil, nil, err
	}
	return q, in, nil
}

// createIdentity serves POST systemusers, teams and businessunits: 204 and OData-EntityId, or
// 201 and the record with Prefer: return=representation.
func (s *Server) createIdentity(w http.ResponseWriter, r *request, t *connectorhub.Table) error {
	q, in, err := s.identityWrite(r, t, true)
	if err != nil {
		return err
	}
	if slices.Contains(connectorhub.SolutionTables, t) {
		id, err := s.createSolutionRow(r, t, in)
		if err != nil {
			return err
		}
		return s.writeIdentityResult(w, r, t, id, q, http.StatusCreated)
	}
	is, err := s.identities()
	if err != nil {
		return err
	}
	var id string
	switch t {
	case connectorhub.SystemUserTable:
		name, err := in.fullName(true)
		if err != nil {
			return err
		}
		u := &connectorhub.SystemUser{ID: in.get("systemuserid"), Email: in.get("internalemailaddress"),
			AADObjectID: in.get("azureactivedirectoryobjectid"), BusinessUnitID: in.binds["businessunitid"]}
		if name != nil {
			u.FullName = *name
		}
		err = is.AddSystemUser(r.Context(), u)
		if err != nil {
			return err
		}
		id = u.ID
	case connectorhub.TeamTable:
		team := &connectorhub.Team{ID: in.get("teamid"), Name: in.get("name"), BusinessUnitID: in.binds["businessunitid"]}
		if err := is.AddTeam(r.Context(), team); err != nil {
			return err
		}
		id = team.ID
	case connectorhub.BusinessUnitTable:
		bu := &connectorhub.BusinessUnit{ID: in.get("businessunitid"), Name: in.get("name"), ParentID: in.binds["parentbusinessunitid"]}
		if err := is.AddBusinessUnit(r.Context(), bu); err != nil {
			return err
		}
		id = bu.ID
	case connectorhub.RoleTable:
		role := &connectorhub.Role{ID: in.get("roleid"), Name: in.get("name"), BusinessUnitID: in.binds["businessunitid"]}
		if err := is.AddRole(r.Context(), role); err != nil {
			return err
		}
		id = role.ID
	}
	return s.writeIdentityResult(w, r, t, id, q, http.StatusCreated)
}

// writeIdentityResult answers a create or update: 204 with OData-EntityId, or the record with
// Prefer: return=representation (and then no OData-EntityId, spec §2.3).
func (s *Server) writeIdentityResult(w http.ResponseWriter, r *request, t *connectorhub.Table, id string, q *identityQuery, status int) error {
	if !preferRepresentation(r) {
		setHeader(w, "OData-EntityId", r.base+"/"+t.EntitySetName+"("+id+")")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	rr, err := s.rowsOf(t)
	if err != nil {
		return err
	}
	rec, err := rr.FindRow(r.Context(), t, id)
	if err != nil {
		return err
	}
	body, err := s.identityEntity(r, t, rec, q)
	if err != nil {
		return err
	}
	w.Header().Set("Preference-Applied", "return=representation")
	writeJSON(w, status, body)
	return nil
}

// updateIdentity serves PATCH <set>(<id>). It updates only: a missing record is 404, as
// identities are not created by upsert.
func (s *Server) updateIdentity(w http.ResponseWriter, r *request, t *connectorhub.Table, id string) error {
	pre, err := precondition(r)
	if err != nil {
		return err
	}
	q, in, err := s.identityWrite(r, t, false)
	if err != nil {
		return err
	}
	if slices.Contains(connectorhub.SolutionTables, t) {
		if err := s.updateSolutionRow(r, t, id, in, pre); err != nil {
			return err
		}
		return s.writeIdentityResult(w, r, t, id, q, http.StatusOK)
	}
	is, err := s.identities()
	if err != nil {
		return err
	}
	switch t {
	case connectorhub.SystemUserTable:
		name, err := in.fullName(false)
		if err != nil {
			return err
		}
		err = is.UpdateSystemUser(r.Context(), id, connectorhub.SystemUserUpdate{FullName: name, Email: in.values["internalemailaddress"], Disabled: in.flags["isdisabled"]}, pre)
		if err != nil {
			return err
		}
	case connectorhub.TeamTable:
		if err := is.UpdateTeam(r.Context(), id, connectorhub.NameUpdate{Name: in.values["name"]}, pre); err != nil {
			return err
		}
	case connectorhub.BusinessUnitTable:
		if err := is.UpdateBusinessUnit(r.Context(), id, connectorhub.NameUpdate{Name: in.values["name"]}, pre); err != nil {
			return err
		}
	case connectorhub.RoleTable:
		if err := is.UpdateRole(r.Context(), id, connectorhub.NameUpdate{Name: in.values["name"]}, pre); err != nil {
			return err
		}
	}
	return s.writeIdentityResult(w, r, t, id, q, http.StatusOK)
}

// deleteIdentity serves DELETE <set>(<id>): teams and custom roles. Dataverse never deletes
// users (it disables them), and business units are not deleted through ConnectorHub.
func (s *Server) deleteIdentity(w http.ResponseWriter, r *request, t *connectorhub.Table, id string) error {
	switch t {
	case connectorhub.SystemUserTable:
		return connectorhub.Errorf(connectorhub.ECodeMethodNotAllowed, "Users cannot be deleted, as in Dataverse. To take a user's access away, disable it (PATCH systemusers(%s) {\"isdisabled\": true}).", id)
	case connectorhub.TeamTable, connectorhub.RoleTable:
	case connectorhub.PublisherTable, connectorhub.SolutionTable:
		return s.deleteSolutionRow(w, r, t, id)
	default:
		return connectorhub.Errorf(connectorhub.ECodeMethodNotAllowed, "The HTTP method 'DELETE' is not supported on %s: ConnectorHub does not delete %s records.", t.EntitySetName, t.LogicalName)
	}
	is, err := s.identities()
	if err != nil {
		return err
	}
	pre, err := precondition(r)
	if err != nil {
		return err
	}
	del := is.DeleteTeam
	if t == connectorhub.RoleTable {
		del = is.DeleteRole
	}
	if err := del(r.Context(), id, pre); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// associate serves POST <set>(<id>)/<relationship>/$ref with {"@odata.id": "<set>(<id>)"}.
func (s *Server) associate(w http.ResponseWriter, r *request, related *connectorhub.RelatedTo) error {
	is, err := s.identities()
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	other := related.Relationship.Other(related.From)
	ref := body.Get("@odata.id")
	if ref == nil || ref.Kind != jsontext.String || len(body.Members) != 1 {
		return identityPayloadError(other, `an association takes a body of the form {"@odata.id": "`+other.EntitySetName+`(<id>)"}`)
	}
	otherID, ok := parseRef(ref.Str, other)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "'%s' is not a reference to a record of %s: the %s relationship of %s leads to %s(<id>).", ref.Str, other.EntitySetName, related.Relationship.Name, related.From.EntitySetName, other.EntitySetName)
	}
	if err := is.Associate(r.Context(), related.Relationship, related.From, related.ID, otherID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// disassociate serves DELETE …/<relationship>(<id>)/$ref and …/<relationship>/$ref?$id=<ref>.
func (s *Server) disassociate(w http.ResponseWriter, r *request, related *connectorhub.RelatedTo, ref string) error {
	is, err := s.identities()
	if err != nil {
		return err
	}
	other := related.Relationship.Other(related.From)
	otherID, ok := parseRef(ref, other)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "'%s' is not a reference to a record of %s: use %s(<id>)/$ref or $ref?$id=%s(<id>).", ref, other.EntitySetName, related.Relationship.Name, other.EntitySetName)
	}
	if err := is.Disassociate(r.Context(), related.Relationship, related.From, related.ID, otherID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
