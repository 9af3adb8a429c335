package webapi

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// rowsOf is the store that reads table t, when the server has one.
func (s *Server) rowsOf(t *connectorhub.Table) (connectorhub.RowReader, error) {
	if slices.Contains(connectorhub.SolutionTables, t) {
		return s.solutions()
	}
	return s.identities()
}

// solutions is the store of the solution tables, when the server has one.
func (s *Server) solutions() (connectorhub.SolutionService, error) {
	if s.Solutions != nil {
		return s.Solutions, nil
	}
	return nil, connectorhub.Errorf(connectorhub.ECodeResourceNotFound, "Solutions are not served by this store.")
}

// identities is the store of the identity tables, when the server has one.
func (s *Server) identities() (connectorhub.IdentityService, error) {
	if s.Identities != nil {
		return s.Identities, nil
	}
	return nil, connectorhub.Errorf(connectorhub.ECodeResourceNotFound, "The identity entity sets are not served by this store.")
}

// routeIdentities dispatches the requests on systemusers, teams, businessunits and roles:
//
//	<set>, <set>/$count, <set>(<id>), <set>(<id>)/<property>,
//	<set>(<id>)/<relationship>, …/$count, …/$ref, <set>(<id>)/<relationship>(<id>)/$ref,
//	roles(<id>)/Microsoft.Dynamics.CRM.<operation> (roles.go)
func (s *Server) routeIdentities(w http.ResponseWriter, r *request, t *connectorhub.Table, segs []segment) error {
	set := segs[0]
	switch {
	case !set.hasKey && len(segs) == 1:
		switch r.Method {
		case http.MethodGet:
			return s.listIdentities(w, r, t, nil)
		case http.MethodPost:
			return s.createIdentity(w, r, t)
		}
		return methodNotAllowed(r, "GET, POST")
	case !set.hasKey && len(segs) == 2 && segs[1].name == "$count" && !segs[1].hasKey:
		return s.only(w, r, http.MethodGet, func(w http.ResponseWriter, r *request) error {
			return s.countIdentities(w, r, t, nil)
		})
	case !set.hasKey:
		return resourceNotFound(segs[1].name)
	}
	id, err := identityKey(t, set.key)
	if err != nil {
		return err
	}
	if len(segs) == 1 {
		switch r.Method {
		case http.MethodGet:
			return s.getIdentity(w, r, t, id)
		case http.MethodPatch:
			return s.updateIdentity(w, r, t, id)
		case http.MethodDelete:
			return s.deleteIdentity(w, r, t, id)
		}
		return methodNotAllowed(r, "GET, PATCH, DELETE")
	}
	nav := segs[1]
	if op := roleOperation(nav); t == connectorhub.RoleTable && op != "" && len(segs) == 2 {
		return s.serveRoleOperation(w, r, id, op)
	}
	if rel := connectorhub.RelationshipOf(t, nav.name); rel != nil {
		return s.routeRelationship(w, r, t, id, rel, segs[1:])
	}
	col := t.Column(nav.name)
	if col == nil || nav.hasKey || len(segs) > 2 {
		return resourceNotFound(nav.name)
	}
	return s.only(w, r, http.MethodGet, func(w http.ResponseWriter, r *request) error {
		return s.getIdentityProperty(w, r, t, id, col)
	})
}

// routeRelationship serves the collection-valued navigation property of a record (spec §2.9):
// segs starts with the relationship's segment.
func (s *Server) routeRelationship(w http.ResponseWriter, r *request, t *connectorhub.Table, id string, rel *connectorhub.Relationship, segs []segment) error {
	related := &connectorhub.RelatedTo{Relationship: rel, From: t, ID: id}
	nav := segs[0]
	switch {
	case len(segs) == 1 && !nav.hasKey:
		return s.only(w, r, http.MethodGet, func(w http.ResponseWriter, r *request) error {
			return s.listIdentities(w, r, rel.Other(t), related)
		})
	case len(segs) == 2 && !nav.hasKey && segs[1].name == "$count" && !segs[1].hasKey:
		return s.only(w, r, http.MethodGet, func(w http.ResponseWriter, r *request) error {
			return s.countIdentities(w, r, rel.Other(t), related)
		})
	case len(segs) == 2 && !nav.hasKey && segs[1].name == "$ref" && !segs[1].hasKey:
		switch r.Method {
		case http.MethodGet:
			return s.listRefs(w, r, related)
		case http.MethodPost:
			return s.associate(w, r, related)
		case http.MethodDelete:
			// DELETE …/nav/$ref?$id=<url of the record>
			return s.disassociate(w, r, related, r.URL.Query().Get("$id"))
		}
		return methodNotAllowed(r, "GET, POST, DELETE")
	case len(segs) == 2 && nav.hasKey && segs[1].name == "$ref" && !segs[1].hasKey:
		if r.Method != http.MethodDelete {
			return methodNotAllowed(r, "DELETE")
		}
		return s.disassociate(w, r, related, rel.Other(t).EntitySetName+"("+nav.key+")")
	}
	return resourceNotFound(segs[len(segs)-1].name)
}

// identityKey reads the key of <set>(<id>) or <set>(<primaryid>=<id>).
func identityKey(t *connectorhub.Table, key string) (string, error) {
	id, ok := connectorhub.ParseGUID(strings.TrimPrefix(key, t.PrimaryID+"="))
	if !ok {
		return "", connectorhub.Errorf(connectorhub.ECodeBadRequest, "Bad Request - Error in query syntax: '%s' is not a valid key for %s; use %s(<%s GUID>).", key, t.EntitySetName, t.EntitySetName, t.PrimaryID)
	}
	return id, nil
}

// identityQuery holds the query options of a request on an identity table, checked against
// its columns.
type identityQuery struct {
	selected  []*connectorhub.TableColumn // nil: all columns
	filter    odata.Expr
	orderBy   odata.OrderBy
	top       *int
	count     bool
	skipToken string
	fetch     *fetchQuery // the request is a fetchXml
	expand    []tableExpansion
}

// parseIdentityQuery reads the system query options as parseQuery does for connectors.
// $expand, $apply and change tracking are not served on the identity tables.
func parseIdentityQuery(r *request, t *connectorhub.Table) (*identityQuery, error) {
	return parseIdentityQueryOf(r, t, false)
}

func parseIdentityQueryOf(r *request, t *connectorhub.Table, list bool) (*identityQuery, error) {
	values, err := queryValues(r)
	if err != nil {
		return nil, err
	}
	opts, err := odata.ParseQuery(values)
	if err != nil {
		return nil, asQueryError(err)
	}
	var fq *fetchQuery
	if opts.Fetch != nil {
		if !list {
			return nil, errFetchNotList()
		}
		if fq, err = identityFetch(opts, t); err != nil {
			return nil, err
		}
	}
	switch {
	case opts.Apply != nil:
		return nil, queryError("$apply is not supported on %s.", t.EntitySetName)
	case opts.DeltaToken != "":
		return nil, queryError("Change tracking ($deltatoken) is not supported on %s.", t.EntitySetName)
	}
	q := &identityQuery{filter: opts.Filter, orderBy: opts.OrderBy, top: opts.Top, count: opts.Count, skipToken: opts.SkipToken, fetch: fq}
	if q.expand, err = parseTableExpand(t, opts.Expand); err != nil {
		return nil, err
	}
	for _, item := range opts.Select {
		col := t.Column(item.Name)
		if col == nil {
			return nil, connectorhub.UnknownProperty(item.Name, t.LogicalName)
		}
		if slices.Contains(q.selected, col) {
			continue // written once, as for connectors
		}
		q.selected = append(q.selected, col)
	}
	odata.Inspect(q.filter, func(n odata.Expr) bool {
		switch n := n.(type) {
		case *odata.QueryFunc:
			// PropertyName takes the attribute's logical name: a lookup is named "businessunitid".
			if p := n.Property; len(p.Segments) == 1 && t.Column("_"+p.Segments[0]+"_value") != nil {
				p.Segments = []string{"_" + p.Segments[0] + "_value"}
			}
		case *odata.PropertyPath:
			if err == nil {
				err = checkIdentityProperty(t, n)
			}
		}
		return err == nil
	})
	if err != nil {
		return nil, err
	}
	for _, o := range q.orderBy {
		if err := checkIdentityProperty(t, o.Path); err != nil {
			return nil, err
		}
	}
	if fq != nil && opts.Fetch.Distinct && q.selected != nil && !slices.ContainsFunc(q.selected, func(c *connectorhub.TableColumn) bool { return c.Name == t.PrimaryID }) {
		return nil, queryError("The FetchXML attribute 'distinct' of <fetch> is supported only when the rows are distinct anyway: add <attribute name=\"%s\"/>.", t.PrimaryID)
	}
	return q, nil
}

// identityFetch turns a fetchXml on an identity table into the options it stands for: no
// links and no aggregates there, as no $expand and no $apply.
func identityFetch(opts *odata.Query, t *connectorhub.Table) (*fetchQuery, error) {
	f := opts.Fetch
	fq, err := newFetchQuery(f, t.LogicalName, t.EntitySetName)
	if err != nil {
		return nil, err
	}
	switch {
	case f.Links != nil:
		return nil, queryError("The FetchXML element <link-entity> is not supported on %s.", t.EntitySetName)
	case f.Apply != nil:
		return nil, queryError("The FetchXML attribute 'aggregate' of <fetch> is not supported on %s.", t.EntitySetName)
	}
	err = f.Resolve(func(_ *odata.FetchLink, name string) (string, odata.Kind, bool) {
		col := t.Column(name)
		if col == nil {
			if col = t.Column("_" + name + "_value"); col == nil {
				return "", 0, false
			}
		}
		return col.Name, literalKind(col.Kind), true
	})
	if err != nil {
		return nil, asQueryError(err)
	}
	opts.Filter, opts.Select, opts.OrderBy, opts.Top = f.Filter, f.Select, f.OrderBy, f.Top
	return fq, nil
}

// checkIdentityProperty accepts a column of t; lambda variables are left to the translator.
func checkIdentityProperty(t *connectorhub.Table, p *odata.PropertyPath) error {
	if p == nil || p.Var != "" {
		return nil
	}
	if len(p.Segments) > 1 && t.Column("_"+p.Segments[0]+"_value") != nil {
		return queryError("The query is not supported: the property path '%s' (filtering or ordering through a lookup is not supported yet; use _%s_value).", p, p.Segments[0])
	}
	if len(p.Segments) != 1 || t.Column(p.Segments[0]) == nil {
		return connectorhub.UnknownProperty(strings.Join(p.Segments, "/"), t.LogicalName)
	}
	return nil
}

// selectSuffix is the part of @odata.context that names the selected columns: "(fullname)".
func (q *identityQuery) selectSuffix() string {
	if q.selected == nil {
		return ""
	}
	names := make([]string, len(q.selected))
	for i, c := range q.selected {
		names[i] = c.Name
	}
	return "(" + strings.Join(names, ",") + ")"
}

func (q *identityQuery) storeQuery(related *connectorhub.RelatedTo) connectorhub.TableQuery {
	iq := connectorhub.TableQuery{Filter: q.filter, OrderBy: q.orderBy, Related: related}
	if q.top != nil {
		iq.Top = *q.top
	}
	return iq
}

// listIdentities serves GET <set> and GET <set>(<id>)/<relationship>: a page of records with
// keyset paging behind signed $skiptoken cookies, as listConnectors pages connectors. The
// records are small (a few hundred bytes), so a page is built in memory.
func (s *Server) listIdentities(w http.ResponseWriter, r *request, t *connectorhub.Table, related *connectorhub.RelatedTo) error {
	is, err := s.rowsOf(t)
	if err != nil {
		return err
	}
	if related != nil {
		// The record the relationship starts from must exist: 404 rather than an empty list.
		if _, err := is.FindRow(r.Context(), related.From, related.ID); err != nil {
			return err
		}
	}
	q, err := parseIdentityQueryOf(r, t, true)
	if err != nil {
		return err
	}
	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	iq := q.storeQuery(related)
	var pg *page
	if q.fetch != nil {
		pg, err = s.fetchPage(r, q.fetch, q.top, q.orderBy, t.PrimaryID)
		prefs.MaxPageSize = 0
	} else {
		pg, err = s.pageOf(r, prefs, q.top, q.skipToken, q.orderBy, t.PrimaryID)
	}
	if err != nil {
		return err
	}
	iq.After = pg.after

	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#" + t.EntitySetName + q.selectSuffix())
	if q.count || q.fetch != nil && q.fetch.total {
		cq := q.storeQuery(related)
		cq.Top = connectorhub.MaxPageSize + 1
		n, err := is.CountRows(r.Context(), t, cq)
		if err != nil {
			return err
		}
		if q.fetch != nil {
			writeTotal(&b, n)
		} else {
			b.raw(`,"@odata.count":`)
			b.int(int64(min(n, connectorhub.MaxPageSize)))
		}
	}
	b.raw(`,"value":[`)
	var recs []*connectorhub.Row
	if pg.size > 0 {
		iq.Top = pg.rowsToRead()
		err := is.ScanRows(r.Context(), t, iq, func(rec *connectorhub.Row) error {
			recs = append(recs, rec)
			return nil
		})
		if err != nil {
			return err
		}
	}
	more := len(recs) > pg.size
	if more {
		recs = recs[:pg.size]
	}
	ex := s.newExpander(r)
	for i, rec := range recs {
		if i > 0 {
			b.raw(",")
		}
		b.raw("{")
		if q.fetch != nil {
			writeFetchIdentity(&b, t, rec, q.selected)
		} else {
			writeIdentityMembers(&b, t, rec, q.selected)
			if err := ex.write(&b, rec, q.expand); err != nil {
				return err
			}
		}
		b.raw("}")
	}
	b.raw("]")
	if q.fetch != nil {
		err := writeFetchPaging(&b, prefs, pg, more, q.orderBy, t.PrimaryID, func() (string, string, func(*odata.PropertyPath) (any, error)) {
			last := recs[len(recs)-1]
			return recs[0].ID(t), last.ID(t), func(p *odata.PropertyPath) (any, error) { return t.SortValue(p, last) }
		})
		if err != nil {
			return err
		}
	} else if more {
		last := recs[len(recs)-1]
		link, err := pg.nextLink(r, q.orderBy, t.PrimaryID, recs[0].ID(t), last.ID(t),
			func(p *odata.PropertyPath) (any, error) { return t.SortValue(p, last) })
		if err != nil {
			return err
		}
		b.raw(`,"@odata.nextLink":`)
		b.str(link)
	}
	b.raw("}")
	applied := odata.Preferences{MaxPageSize: prefs.MaxPageSize}
	if q.fetch != nil {
		applied.IncludeAnnotations = prefs.IncludeAnnotations // the paging annotations
	}
	if applied := preferenceApplied(applied); applied != "" {
		w.Header().Set("Preference-Applied", applied)
	}
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// countIdentities serves GET <set>/$count and <set>(<id>)/<relationship>/$count: the number
// the filter selects, capped at 5000, as plain text.
func (s *Server) countIdentities(w http.ResponseWriter, r *request, t *connectorhub.Table, related *connectorhub.RelatedTo) error {
	is, err := s.rowsOf(t)
	if err != nil {
		return err
	}
	q, err := parseIdentityQuery(r, t)
	if err != nil {
		return err
	}
	if related != nil {
		if _, err := is.FindRow(r.Context(), related.From, related.ID); err != nil {
			return err
		}
	}
	iq := q.storeQuery(related)
	iq.Top = connectorhub.MaxPageSize
	n, err := is.CountRows(r.Context(), t, iq)
	if err != nil {
		return err
	}
	writeCountText(w, n)
	return nil
}

// getIdentity serves GET <set>(<id>), with $select; If-None-Match with its ETag answers 304.
func (s *Server) getIdentity(w http.ResponseWriter, r *request, t *connectorhub.Table, id string) error {
	is, err := s.rowsOf(t)
	if err != nil {
		return err
	}
	q, err := parseIdentityQuery(r, t)
	if err != nil {
		return err
	}
	if q.orderBy != nil || q.top != nil || q.filter != nil || q.skipToken != "" || q.count {
		return queryError("Only $select applies to a single record.")
	}
	rec, err := is.FindRow(r.Context(), t, id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", rec.ETag())
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, rec.ETag()) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, err := s.identityEntity(r, t, rec, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// identityEntity is a single record with its context, as GET and return=representation answer.
func (s *Server) identityEntity(r *request, t *connectorhub.Table, rec *connectorhub.Row, q *identityQuery) ([]byte, error) {
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#" + t.EntitySetName + q.selectSuffix() + "/$entity")
	b.raw(",")
	writeIdentityMembers(&b, t, rec, q.selected)
	if err := s.newExpander(r).write(&b, rec, q.expand); err != nil {
		return nil, err
	}
	b.raw("}")
	return b.bytes(), nil
}

// isNotFound reports whether err is the domain's 404 for a missing record.
func isNotFound(err error) bool {
	var ce *connectorhub.Error
	return errors.As(err, &ce) && ce.Code == connectorhub.ECodeNotFound
}

// writeIdentityMembers writes @odata.etag and the selected columns (all when sel is nil); the
// key is always written.
func writeIdentityMembers(b *jsonBuffer, t *connectorhub.Table, rec *connectorhub.Row, sel []*connectorhub.TableColumn) {
	b.raw(`"@odata.etag":`)
	b.str(rec.ETag())
	if sel == nil {
		for i := range t.Columns {
			sel = append(sel, &t.Columns[i])
		}
	}
	wroteKey := false
	for _, col := range sel {
		wroteKey = wroteKey || col.Name == t.PrimaryID
		writeIdentityValue(b, col.Name, rec.Values[col.Name])
	}
	if !wroteKey {
		writeIdentityValue(b, t.PrimaryID, rec.Values[t.PrimaryID])
	}
}

// writeFetchIdentity writes a record of a fetch: as writeIdentityMembers, without the null
// values, which a FetchXML answer leaves out.
func writeFetchIdentity(b *jsonBuffer, t *connectorhub.Table, rec *connectorhub.Row, sel []*connectorhub.TableColumn) {
	b.raw(`"@odata.etag":`)
	b.str(rec.ETag())
	if sel == nil {
		for i := range t.Columns {
			sel = append(sel, &t.Columns[i])
		}
	}
	writeIdentityValue(b, t.PrimaryID, rec.Values[t.PrimaryID])
	for _, col := range sel {
		if v := rec.Values[col.Name]; v != nil && col.Name != t.PrimaryID {
			writeIdentityValue(b, col.Name, v)
		}
	}
}

func writeIdentityValue(b *jsonBuffer, name string, v any) {
	b.raw(",")
	b.str(name)
	b.raw(":")
	b.value(v)
}

// getIdentityProperty serves GET <set>(<id>)/<property>; a null value is 204 No Content.
func (s *Server) getIdentityProperty(w http.ResponseWriter, r *request, t *connectorhub.Table, id string, col *connectorhub.TableColumn) error {
	is, err := s.rowsOf(t)
	if err != nil {
		return err
	}
	rec, err := is.FindRow(r.Context(), t, id)
	if err != nil {
		return err
	}
	v := rec.Values[col.Name]
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#" + t.EntitySetName + "(" + id + ")/" + col.Name)
	b.raw(`,"value":`)
	b.value(v)
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// listRefs serves GET <set>(<id>)/<relationship>/$ref: the URLs of the related records.
func (s *Server) listRefs(w http.ResponseWriter, r *request, related *connectorhub.RelatedTo) error {
	is, err := s.identities()
	if err != nil {
		return err
	}
	if _, err := is.FindRow(r.Context(), related.From, related.ID); err != nil {
		return err
	}
	other := related.Relationship.Other(related.From)
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#Collection($ref)")
	b.raw(`,"value":[`)
	n := 0
	err = is.ScanRows(r.Context(), other, connectorhub.TableQuery{Related: related, Top: connectorhub.MaxPageSize}, func(rec *connectorhub.Row) error {
		if n > 0 {
			b.raw(",")
		}
		n++
		b.raw(`{"@odata.id":`)
		b.str(r.base + "/" + other.EntitySetName + "(" + rec.ID(other) + ")")
		b.raw("}")
		return nil
	})
	if err != nil {
		return err
	}
	b.raw("]}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}
