package webapi

import (
	"net/http"
	"net/url"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

// request is an HTTP request with what routing learnt of it.
type request struct {
	*http.Request
	base string // absolute service root, e.g. http://host/api/data/v9.2
	body []byte // the JSON body once readBody has read it
	// maxBody is the largest body the request may have; 0 for MaxBodyBytes.
	maxBody int64

	bodies     *gate  // the server's budget of large bodies
	reserved   int64  // what this request holds of it
	reservedBy string // the user whose share it takes
}

// origin is the scheme and host that start the absolute URLs of the answer.
func (r *request) origin() string {
	return r.base[:strings.Index(r.base, "/api/data/")]
}

// queryValues reads the query parameters split on '&' only: net/url drops a parameter with
// a ';' in it, the separator of the options inside $expand (Attributes($select=…;$filter=…)),
// and a dropped $expand would be an ignored one.
func queryValues(r *request) (url.Values, error) {
	values := url.Values{}
	for _, p := range strings.Split(r.URL.RawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, queryError("The query parameter '%s' is not valid URL encoding.", k)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, queryError("The value of the query parameter '%s' is not valid URL encoding.", key)
		}
		values[key] = append(values[key], value)
	}
	return values, nil
}

// segment is one step of an OData resource path: a name with an optional key in parentheses.
type segment struct {
	name   string
	key    string
	hasKey bool
}

// splitPath splits a resource path into segments on the slashes outside parentheses and quotes.
func splitPath(p string) []segment {
	var segs []segment
	depth, quoted, start := 0, false, 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) {
			switch c := p[i]; {
			case c == '\'':
				quoted = !quoted
				continue
			case quoted:
				continue
			case c == '(':
				depth++
				continue
			case c == ')':
				depth--
				continue
			case c != '/' || depth > 0:
				continue
			}
		}
		raw := p[start:i]
		start = i + 1
		s := segment{name: raw}
		if open := strings.IndexByte(raw, '('); open >= 0 && strings.HasSuffix(raw, ")") {
			s = segment{name: raw[:open], key: raw[open+1 : len(raw)-1], hasKey: true}
		}
		segs = append(segs, s)
	}
	return segs
}

// route dispatches a request on its resource path (what follows /api/data/v9.x/).
func (s *Server) route(w http.ResponseWriter, r *request, path string) error {
	if path == "" {
		return s.only(w, r, http.MethodGet, s.serviceDocument)
	}
	segs := splitPath(path)
	first := segs[0]
	switch {
	case first.name == "$metadata" && len(segs) == 1 && !first.hasKey:
		return s.only(w, r, http.MethodGet, s.metadata)
	case first.name == "$batch" && len(segs) == 1 && !first.hasKey:
		return s.only(w, r, http.MethodPost, s.serveBatch)
	case first.name == "WhoAmI" && len(segs) == 1 && (!first.hasKey || first.key == ""):
		if r.Method != http.MethodGet {
			return noResource(r)
		}
		return s.whoAmI(w, r)
	case first.name == "EntityDefinitions" || first.name == "GlobalOptionSetDefinitions":
		return s.only(w, r, http.MethodGet, func(w http.ResponseWriter, r *request) error {
			return s.metadataResource(w, r, segs)
		})
	case first.name == connectorhub.ConnectorEntitySetName:
		return s.routeConnectors(w, r, segs)
	case first.name == "organizations":
		return s.routeOrganizations(w, r, segs)
	case first.name == "RetrieveVersion" && len(segs) == 1 && (!first.hasKey || first.key == ""):
		return s.only(w, r, http.MethodGet, s.retrieveVersion)
	case len(segs) == 1 && !first.hasKey && solutionAction(first.name) != nil:
		if r.Method != http.MethodPost {
			return noResource(r)
		}
		if _, err := s.solutions(); err != nil {
			return err
		}
		return solutionAction(first.name)(s, w, r)
	case len(segs) == 1 && !first.hasKey && (first.name == "GrantAccess" || first.name == "ModifyAccess" || first.name == "RevokeAccess"):
		if r.Method != http.MethodPost {
			return noResource(r)
		}
		return s.shareAction(w, r, first.name)
	case len(segs) == 1 && first.hasKey && first.name == "RetrieveSharedPrincipalsAndAccess":
		if r.Method != http.MethodGet {
			return noResource(r)
		}
		return s.retrieveSharedPrincipalsAndAccess(w, r, first.key)
	case len(segs) == 2 && first.hasKey && (first.name == "systemusers" || first.name == "teams") &&
		strings.TrimPrefix(segs[1].name, "Microsoft.Dynamics.CRM.") == "RetrievePrincipalAccess" && segs[1].hasKey:
		id, ok := connectorhub.ParseGUID(first.key)
		if !ok {
			return connectorhub.Errorf(connectorhub.ECodeBadRequest, "'%s' is not a valid key for %s.", first.key, first.name)
		}
		if r.Method != http.MethodGet {
			return noResource(r)
		}
		typ := connectorhub.OwnerSystemUser
		if first.name == "teams" {
			typ = connectorhub.OwnerTeam
		}
		return s.retrievePrincipalAccess(w, r, connectorhub.OwnerRef{Type: typ, ID: id}, segs[1].key)
	case connectorhub.TableBySet(first.name) != nil:
		return s.routeIdentities(w, r, connectorhub.TableBySet(first.name), segs)
	}
	return resourceNotFound(first.name)
}

func (s *Server) routeConnectors(w http.ResponseWriter, r *request, segs []segment) error {
	set := segs[0]
	switch {
	case !set.hasKey && len(segs) == 1:
		switch {
		case r.Method == http.MethodGet && tracksChanges(r):
			return s.deltaConnectors(w, r)
		case r.Method == http.MethodGet:
			return s.listConnectors(w, r)
		case r.Method == http.MethodPost:
			return s.createConnector(w, r)
		}
		return methodNotAllowed(r, "GET, POST")
	case !set.hasKey && len(segs) == 2 && segs[1].name == "$count" && !segs[1].hasKey:
		return s.only(w, r, http.MethodGet, s.countConnectors)
	case !set.hasKey:
		return resourceNotFound(segs[1].name)
	}
	id, ok := connectorhub.ParseGUID(strings.TrimPrefix(set.key, "connectorid="))
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Bad Request - Error in query syntax: '%s' is not a valid key for connectors; use connectors(<connectorid GUID>).", set.key)
	}
	switch {
	case len(segs) == 1:
		switch r.Method {
		case http.MethodGet:
			return s.getConnector(w, r, id)
		case http.MethodPatch:
			return s.upsertConnector(w, r, id)
		case http.MethodDelete:
			return s.deleteConnector(w, r, id)
		}
		return methodNotAllowed(r, "GET, PATCH, DELETE")
	case len(segs) >= 2 && lookupByNavigation(segs[1].name) != nil && !segs[1].hasKey &&
		(len(segs) == 2 || len(segs) == 3 && segs[2].name == "$ref" && !segs[2].hasKey):
		return s.getConnectorNavigation(w, r, id, lookupByNavigation(segs[1].name), len(segs) == 3)
	case len(segs) == 2 && !segs[1].hasKey:
		col := connectorhub.ColumnByName(segs[1].name)
		if col == nil {
			return resourceNotFound(segs[1].name)
		}
		switch r.Method {
		case http.MethodGet:
			return s.getConnectorProperty(w, r, id, col)
		case http.MethodPut:
			return s.putConnectorProperty(w, r, id, col)
		case http.MethodDelete:
			return s.deleteConnectorProperty(w, r, id, col)
		}
		return methodNotAllowed(r, "GET, PUT, DELETE")
	}
	return resourceNotFound(segs[len(segs)-1].name)
}

// only serves h for the one method a resource supports.
func (s *Server) only(w http.ResponseWriter, r *request, method string, h func(http.ResponseWriter, *request) error) error {
	if r.Method != method {
		return methodNotAllowed(r, method)
	}
	return h(w, r)
}

func methodNotAllowed(r *request, allowed string) error {
	return connectorhub.Errorf(connectorhub.ECodeMethodNotAllowed, "The HTTP method '%s' is not supported on '%s'; use %s.", r.Method, r.URL.Path, allowed)
}

// noResource is Dataverse's answer to a function or action called with the wrong method (spec §6.1).
func noResource(r *request) error {
	return connectorhub.Errorf(connectorhub.ECodeNoResource, "No HTTP resource was found that matches the request URI '%s'.", r.origin()+r.URL.RequestURI())
}

func resourceNotFound(name string) error {
	return connectorhub.Errorf(connectorhub.ECodeResourceNotFound, "Resource not found for the segment '%s'.", name)
}
