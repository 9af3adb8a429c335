package webapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// SolutionHeader is the optional parameter that puts a created, updated or deleted
// connector in an unmanaged solution (solutions spec §2.1).
const SolutionHeader = "MSCRM.SolutionUniqueName"

// createSolutionRow serves POST publishers and POST solutions.
func (s *Server) createSolutionRow(r *request, t *connectorhub.Table, in *identityInput) (string, error) {
	ss, err := s.solutions()
	if err != nil {
		return "", err
	}
	switch t {
	case connectorhub.PublisherTable:
		p := &connectorhub.Publisher{ID: in.get("publisherid"), UniqueName: in.get("uniquename"), FriendlyName: in.get("friendlyname"),
			Prefix: in.get("customizationprefix"), Description: in.get("description"), EMailAddress: in.get("emailaddress"),
			Website: in.get("supportingwebsiteurl")}
		if n := in.ints["customizationoptionvalueprefix"]; n != nil {
			p.OptionValuePrefix = *n
		}
		return p.ID, ss.AddPublisher(r.Context(), p)
	case connectorhub.SolutionTable:
		sol := &connectorhub.Solution{ID: in.get("solutionid"), UniqueName: in.get("uniquename"), FriendlyName: in.get("friendlyname"),
			Version: in.get("version"), Description: in.get("description"), PublisherID: in.binds["publisherid"]}
		return sol.ID, ss.AddSolution(r.Context(), sol)
	}
	return "", methodNotAllowed(r, "GET")
}

// updateSolutionRow serves PATCH publishers(id) and solutions(id); it updates only.
func (s *Server) updateSolutionRow(r *request, t *connectorhub.Table, id string, in *identityInput, pre connectorhub.Precondition) error {
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	switch t {
	case connectorhub.PublisherTable:
		return ss.UpdatePublisher(r.Context(), id, connectorhub.PublisherUpdate{FriendlyName: in.values["friendlyname"],
			Prefix: in.values["customizationprefix"], Description: in.values["description"], EMailAddress: in.values["emailaddress"],
			Website: in.values["supportingwebsiteurl"], OptionValuePrefix: in.ints["customizationoptionvalueprefix"]}, pre)
	case connectorhub.SolutionTable:
		return ss.UpdateSolution(r.Context(), id, connectorhub.SolutionUpdate{FriendlyName: in.values["friendlyname"],
			Version: in.values["version"], Description: in.values["description"]}, pre)
	}
	return methodNotAllowed(r, "GET")
}

// deleteSolutionRow serves DELETE publishers(id) and solutions(id): a managed solution is
// uninstalled with its components.
func (s *Server) deleteSolutionRow(w http.ResponseWriter, r *request, t *connectorhub.Table, id string) error {
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	pre, err := precondition(r)
	if err != nil {
		return err
	}
	del := ss.DeleteSolution
	if t == connectorhub.PublisherTable {
		del = ss.DeletePublisher
	}
	if err := del(r.Context(), id, pre); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// solutionActions are the unbound actions of solutions (spec §4.1), by name.
var solutionActions = map[string]func(*Server, http.ResponseWriter, *request) error{
	"AddSolutionComponent":       (*Server).addSolutionComponent,
	"RemoveSolutionComponent":    (*Server).removeSolutionComponent,
	"ExportSolution":             (*Server).exportSolution,
	"ExportSolutionAsync":        (*Server).exportSolutionAsync,
	"DownloadSolutionExportData": (*Server).downloadSolutionExportData,
	"ImportSolution":             (*Server).importSolution,
	"ImportSolutionAsync":        (*Server).importSolutionAsync,
	"StageSolution":              (*Server).stageSolution,
	"PublishAllXml":              (*Server).publishAllXml,
}

// solutionAction is the action a path names, with or without its namespace; nil if none.
func solutionAction(name string) func(*Server, http.ResponseWriter, *request) error {
	return solutionActions[strings.TrimPrefix(name, "Microsoft.Dynamics.CRM.")]
}

// inTransaction marks a context whose writes already join one transaction (a change set).
type inTransaction struct{}

// atomically runs fn in one transaction: the request's own, or the change set's it is part of.
func (s *Server) atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(inTransaction{}) != nil || s.Transactor == nil {
		return fn(ctx)
	}
	return s.Transactor.Transact(ctx, func(ctx context.Context) error {
		return fn(context.WithValue(ctx, inTransaction{}, true))
	})
}

// solutionTarget is the solution the request's MSCRM.SolutionUniqueName header names; "" when
// there is none.
func solutionTarget(r *request) string { return strings.TrimSpace(r.Header.Get(SolutionHeader)) }

// inSolution runs a connector write; with the MSCRM.SolutionUniqueName header, it checks
// the solution first and, in the same transaction, adds the connector id to it (id "" for a
// delete, whose components go with the record).
func (s *Server) inSolution(r *request, id string, write func(ctx context.Context) error) error {
	name := solutionTarget(r)
	if name == "" || strings.EqualFold(name, connectorhub.DefaultSolutionName) || strings.EqualFold(name, connectorhub.ActiveSolutionName) {
		// Default and Active hold every component: naming them changes nothing, and asks
		// for no right beyond the write's own.
		return write(r.Context())
	}
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	return s.atomically(r.Context(), func(ctx context.Context) error {
		if err := ss.CheckSolutionTarget(ctx, name); err != nil {
			return err
		}
		if err := write(ctx); err != nil {
			return err
		}
		if id == "" {
			return nil
		}
		_, err := ss.AddSolutionComponent(ctx, name, connectorhub.SolutionComponent{ObjectID: id, Type: connectorhub.ComponentTypeConnector})
		return err
	})
}

// params reads the parameters of an action's body, refusing the ones it does not declare
// as Dataverse does.
type params struct {
	r      *request
	body   *jsontext.Value
	action string
}

// readParams reads an action's body and checks its parameter names against allowed.
func readParams(r *request, action string, allowed ...string) (*params, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	for _, m := range body.Members {
		if strings.Contains(m.Key, "@") {
			continue // annotations such as @odata.type
		}
		if !contains(allowed, m.Key) {
			return nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "The parameter '%s' in the request payload is not a valid parameter for the operation '%s'.", m.Key, action)
		}
	}
	return &params{r: r, body: body, action: action}, nil
}

func (p *params) missing(name string) error {
	return connectorhub.Errorf(connectorhub.ECodeBadRequest, "The parameter '%s' of the operation '%s' is required.", name, p.action)
}

func (p *params) wrongType(name, typ string) error {
	return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Cannot convert the value of the parameter '%s' of the operation '%s' to the expected type '%s'.", name, p.action, typ)
}

// str reads an Edm.String parameter; "" when absent or null.
func (p *params) str(name string, required bool) (string, error) {
	v := p.body.Get(name)
	switch {
	case v == nil || v.Kind == jsontext.Null:
		if required {
			return "", p.missing(name)
		}
		return "", nil
	case v.Kind != jsontext.String:
		return "", p.wrongType(name, "Edm.String")
	}
	return v.Str, nil
}

// boolean reads an Edm.Boolean parameter; false when absent.
func (p *params) boolean(name string, required bool) (bool, error) {
	v := p.body.Get(name)
	switch {
	case v == nil || v.Kind == jsontext.Null:
		if required {
			return false, p.missing(name)
		}
		return false, nil
	case v.Kind != jsontext.Bool:
		return false, p.wrongType(name, "Edm.Boolean")
	}
	return string(p.r.body[v.Start:v.End]) == "true", nil
}

// integer reads an Edm.Int32 parameter.
func (p *params) integer(name string, required bool) (int, error) {
	v := p.body.Get(name)
	switch {
	case v == nil || v.Kind == jsontext.Null:
		if required {
			return 0, p.missing(name)
		}
		return 0, nil
	case v.Kind != jsontext.Number:
		return 0, p.wrongType(name, "Edm.Int32")
	}
	n, err := strconv.ParseInt(string(p.r.body[v.Start:v.End]), 10, 32)
	if err != nil {
		return 0, p.wrongType(name, "Edm.Int32")
	}
	return int(n), nil
}

// guid reads an Edm.Guid parameter.
func (p *params) guid(name string, required bool) (string, error) {
	s, err := p.str(name, required)
	if err != nil || s == "" {
		return s, err
	}
	id, ok := connectorhub.ParseGUID(s)
	if !ok {
		return "", p.wrongType(name, "Edm.Guid")
	}
	return id, nil
}

// writeActionResult answers an action with its response type's members.
func writeActionResult(w http.ResponseWriter, r *request, responseType string, members ...any) {
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Microsoft.Dynamics.CRM." + responseType)
	for i := 0; i+1 < len(members); i += 2 {
		b.raw(",")
		b.str(members[i].(string))
		b.raw(":")
		b.value(members[i+1])
	}
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
}

// addSolutionComponent serves the AddSolutionComponent action (spec §2.2).
func (s *Server) addSolutionComponent(w http.ResponseWriter, r *request) error {
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	p, err := readParams(r, "AddSolutionComponent", "ComponentId", "ComponentType", "SolutionUniqueName", "AddRequiredComponents",
		"DoNotIncludeSubcomponents", "IncludedComponentSettingsValues")
	if err != nil {
		return err
	}
	id, err := p.guid("ComponentId", true)
	if err != nil {
		return err
	}
	typ, err := p.integer("ComponentType", true)
	if err != nil {
		return err
	}
	name, err := p.str("SolutionUniqueName", true)
	if err != nil {
		return err
	}
	if _, err := p.boolean("AddRequiredComponents", true); err != nil {
		return err
	}
	shallow, err := p.boolean("DoNotIncludeSubcomponents", false)
	if err != nil {
		return err
	}
	c := connectorhub.SolutionComponent{ObjectID: id, Type: typ}
	if shallow {
		c.Behavior = 1
	}
	scID, err := ss.AddSolutionComponent(r.Context(), name, c)
	if err != nil {
		return err
	}
	writeActionResult(w, r, "AddSolutionComponentResponse", "id", nullable(scID))
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// removeSolutionComponent serves the RemoveSolutionComponent action (spec §2.3): the
// component is named by its solutioncomponentid or, as ConnectorHub also accepts, its objectid.
func (s *Server) removeSolutionComponent(w http.ResponseWriter, r *request) error {
	ss, err := s.solutions()
	if err != nil {
		return err
	}
	p, err := readParams(r, "RemoveSolutionComponent", "SolutionComponent", "ComponentId", "ComponentType", "SolutionUniqueName")
	if err != nil {
		return err
	}
	var id string
	if sc := p.body.Get("SolutionComponent"); sc != nil && sc.Kind == jsontext.Object {
		for _, key := range []string{"solutioncomponentid", "objectid"} {
			if v := sc.Get(key); v != nil && v.Kind == jsontext.String {
				id = v.Str
				break
			}
		}
	} else if id, err = p.str("ComponentId", false); err != nil {
		return err
	}
	id, ok := connectorhub.ParseGUID(id)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeBadRequest, "RemoveSolutionComponent needs SolutionComponent: {\"@odata.type\": \"Microsoft.Dynamics.CRM.solutioncomponent\", \"solutioncomponentid\": \"<id>\"}.")
	}
	typ, err := p.integer("ComponentType", true)
	if err != nil {
		return err
	}
	name, err := p.str("SolutionUniqueName", true)
	if err != nil {
		return err
	}
	removed, err := ss.RemoveSolutionComponent(r.Context(), name, id, typ)
	if err != nil {
		return err
	}
	writeActionResult(w, r, "RemoveSolutionComponentResponse", "id", removed)
	return nil
}

// publishAllXml serves PublishAllXml: ConnectorHub publishes every change when it is made.
func (s *Server) publishAllXml(w http.ResponseWriter, r *request) error {
	if r.ContentLength != 0 {
		if _, err := readParams(r, "PublishAllXml"); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
