package webapi

import (
	"context"
	"net/http"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
	"github.com/connectorhub/connectorhub/odata"
)

// countConnectors serves GET connectors/$count: the number of records the filter selects,
// capped at 5000 as @odata.count is, as plain text.
func (s *Server) countConnectors(w http.ResponseWriter, r *request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	if q.apply != nil {
		return queryError("$apply cannot be combined with the /$count segment.")
	}
	cq := q.connectorQuery(false)
	cq.Top = connectorhub.MaxPageSize
	n, err := s.Connectors.CountConnectors(r.Context(), cq)
	if err != nil {
		return err
	}
	writeCountText(w, n)
	return nil
}

// getConnector serves GET connectors(id), answering 304 when If-None-Match names its ETag.
// $select, $expand and Prefer: odata.include-annotations apply as on a list.
func (s *Server) getConnector(w http.ResponseWriter, r *request, id string) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	if q.apply != nil || q.orderBy != nil || q.top != nil || q.filter != nil || q.skipToken != "" || q.count {
		return queryError("Only $select and $expand apply to a single record.")
	}
	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	ann := annotationsOf(prefs)
	// FindConnectorByID answers 404 and checks the caller's read privilege on the record.
	c, err := s.Connectors.FindConnectorByID(r.Context(), id)
	if err != nil {
		return err
	}
	row := &connectorhub.ConnectorRow{Connector: c}
	if cq := q.connectorQuery(ann.formatted); cq.Lookups != nil {
		// The records the lookups point to, for $expand and the lookups' formatted values.
		cq.Filter = &odata.CompareExpr{Op: odata.Eq, Left: &odata.PropertyPath{Segments: []string{connectorhub.ConnectorPrimaryID}},
			Right: &odata.Literal{Kind: odata.KindGUID, Value: mustGUID(id)}}
		err = s.Connectors.ScanConnectors(r.Context(), cq, func(rr *connectorhub.ConnectorRow) error {
			row.Related = rr.Related
			return nil
		})
		if err != nil {
			return err
		}
	}
	w.Header().Set("ETag", row.ETag())
	// Dataverse never answers 304 to a request with $expand or annotations (spec §2.6): the
	// record's ETag does not change with the related records or their names.
	conditional := q.expand == nil && len(prefs.IncludeAnnotations) == 0
	if inm := r.Header.Get("If-None-Match"); conditional && inm != "" && etagMatches(inm, row.ETag()) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	b := newBuffer()
	defer b.release()
	b.reserve(rowBytes(row.Connector) + len(row.OpenAPIDefinition)/8)
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#connectors" + q.selectSuffix() + "/$entity")
	b.raw(",")
	rw := &recordWriter{base: r.base, cols: q.columns(), ann: ann, expand: q.expand, quotes: s.quotes}
	rw.writeMembers(b, row)
	b.raw("}")
	if applied := preferenceApplied(odata.Preferences{IncludeAnnotations: prefs.IncludeAnnotations}); applied != "" {
		w.Header().Set("Preference-Applied", applied)
	}
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// mustGUID parses a key that routing has checked already.
func mustGUID(id string) odata.GUID {
	g, err := odata.ParseGUID(id)
	if err != nil {
		panic("webapi: unchecked key " + id)
	}
	return g
}

// writeEntity answers a single record with its context, as return=representation does.
func writeEntity(w http.ResponseWriter, status int, r *request, c *connectorhub.Connector, q *query) {
	b := newBuffer()
	defer b.release()
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#connectors" + q.selectSuffix() + "/$entity")
	b.raw(",")
	writeConnectorMembers(b, c, q.selected)
	b.raw("}")
	writeJSON(w, status, b.bytes())
}

// getConnectorProperty serves GET connectors(id)/property; a null value is 204 No Content.
func (s *Server) getConnectorProperty(w http.ResponseWriter, r *request, id string, col *connectorhub.Column) error {
	c, err := s.Connectors.FindConnectorByID(r.Context(), id)
	if err != nil {
		return err
	}
	v := col.Value(c)
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	var b jsonBuffer
	b.raw(`{"@odata.context":`)
	b.str(r.base + "/$metadata#connectors(" + c.ID + ")/" + col.Name)
	b.raw(`,"value":`)
	b.value(v)
	b.raw("}")
	writeJSON(w, http.StatusOK, b.bytes())
	return nil
}

// createConnector serves POST connectors.
func (s *Server) createConnector(w http.ResponseWriter, r *request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	// The privilege first: a caller who may not create reads no body and runs no validator.
	if err := caller(r).Require(connectorhub.PrivCreate, nil); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	u, err := decodeConnector(r, body, true)
	if err != nil {
		return err
	}
	if err := s.checkUpdate(w, r, u); err != nil {
		return err
	}
	c, err := connectorhub.NewConnector("", u)
	if err != nil {
		return err
	}
	if solutionTarget(r) != "" {
		if err := connectorhub.CheckSolutionConnectorName(c.Name); err != nil {
			return err
		}
	}
	if err := s.inSolution(r, c.ID, func(ctx context.Context) error { return s.Connectors.CreateConnector(ctx, c) }); err != nil {
		return err
	}
	if preferRepresentation(r) {
		w.Header().Set("Preference-Applied", "return=representation")
		writeEntity(w, http.StatusCreated, r, c, q)
		return nil
	}
	setHeader(w, "OData-EntityId", r.base+"/connectors("+c.ID+")")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// upsertConnector serves PATCH connectors(id): update, or create when missing (spec §2.5).
func (s *Server) upsertConnector(w http.ResponseWriter, r *request, id string) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	pre, err := precondition(r)
	if err != nil {
		return err
	}
	if err := requireWriteOrCreate(r); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	u, err := decodeConnector(r, body, false)
	if err != nil {
		return err
	}
	return s.writeUpsert(w, r, id, u, pre, q)
}

func (s *Server) writeUpsert(w http.ResponseWriter, r *request, id string, u *connectorhub.ConnectorUpdate, pre connectorhub.Precondition, q *query) error {
	if err := s.checkUpdate(w, r, u); err != nil {
		return err
	}
	if solutionTarget(r) != "" && u.Name != nil {
		if err := connectorhub.CheckSolutionConnectorName(*u.Name); err != nil {
			return err
		}
	}
	var c *connectorhub.Connector
	var created bool
	ret := connectorhub.ReturnBrief
	if preferRepresentation(r) {
		ret = connectorhub.ReturnRecord
	}
	err := s.inSolution(r, id, func(ctx context.Context) (err error) {
		c, created, err = s.Connectors.UpsertConnector(ctx, id, u, pre, ret)
		return err
	})
	if err != nil {
		return err
	}
	if preferRepresentation(r) {
		// The record itself answers: Dataverse then sends no OData-EntityId (spec §2.3).
		w.Header().Set("Preference-Applied", "return=representation")
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeEntity(w, status, r, c, q)
		return nil
	}
	setHeader(w, "OData-EntityId", r.base+"/connectors("+c.ID+")")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkUpdate runs the checks of a write's columns from the cheapest to the dearest: lengths
// and choices, then secrets (which parses the parameters), then the validator (which parses
// the definition), so that an oversized column never reaches the parsers.
func (s *Server) checkUpdate(w http.ResponseWriter, r *request, u *connectorhub.ConnectorUpdate) error {
	if err := u.Validate(); err != nil {
		return err
	}
	reportStripped(w, u.ScrubSecrets())
	return s.checkDefinition(r, u)
}

// requireWriteOrCreate refuses, before its body is read, a write by a caller who can neither
// update connectors nor create them (an upsert may do either); the record's own check
// follows in the store.
func requireWriteOrCreate(r *request) error {
	p := caller(r)
	if p.Depth(connectorhub.PrivWrite) == connectorhub.DepthNone && p.Depth(connectorhub.PrivCreate) == connectorhub.DepthNone {
		return p.Require(connectorhub.PrivWrite, nil)
	}
	return nil
}

// caller is the authenticated principal of the request.
func caller(r *request) *connectorhub.Principal {
	return connectorhub.PrincipalFromContext(r.Context())
}

// putConnectorProperty serves PUT connectors(id)/property with {"value": …}.
func (s *Server) putConnectorProperty(w http.ResponseWriter, r *request, id string, col *connectorhub.Column) error {
	if err := requireWriteOrCreate(r); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	v := body.Get("value")
	if v == nil || len(body.Members) != 1 {
		return payloadError(`a property update takes a body of the form {"value": …}`)
	}
	u := &connectorhub.ConnectorUpdate{}
	if err := decodeProperty(r, u, col.Name, v, false); err != nil {
		return err
	}
	return s.writeUpsert(w, r, id, u, connectorhub.Precondition{MustExist: true}, &query{})
}

// deleteConnectorProperty serves DELETE connectors(id)/property: it clears the value.
func (s *Server) deleteConnectorProperty(w http.ResponseWriter, r *request, id string, col *connectorhub.Column) error {
	u := &connectorhub.ConnectorUpdate{}
	if err := decodeProperty(r, u, col.Name, &jsontext.Value{Kind: jsontext.Null}, false); err != nil {
		return err
	}
	return s.writeUpsert(w, r, id, u, connectorhub.Precondition{MustExist: true}, &query{})
}

// deleteConnector serves DELETE connectors(id).
func (s *Server) deleteConnector(w http.ResponseWriter, r *request, id string) error {
	pre, err := precondition(r)
	if err != nil {
		return err
	}
	if err := s.inSolution(r, "", func(ctx context.Context) error { return s.Connectors.DeleteConnector(ctx, id, pre) }); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// precondition reads If-Match and If-None-Match.
func precondition(r *request) (connectorhub.Precondition, error) {
	var pre connectorhub.Precondition
	switch im := strings.TrimSpace(r.Header.Get("If-Match")); {
	case im == "*":
		pre.MustExist = true
	case im != "":
		pre.ETag = normalizeETag(im)
	}
	switch inm := strings.TrimSpace(r.Header.Get("If-None-Match")); {
	case inm == "*":
		pre.MustNotExist = true
	case inm != "" && inm != "null":
		return pre, connectorhub.Errorf(connectorhub.ECodeInvalidArgument, "If-None-Match on a write takes only '*'.")
	}
	return pre, nil
}

// normalizeETag accepts W/"n", "n" and W/n, the forms clients send.
func normalizeETag(tag string) string {
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	tag = strings.Trim(tag, `"`)
	return `W/"` + tag + `"`
}

// etagMatches reports whether a comma-separated If-None-Match list names etag.
func etagMatches(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t == "*" || normalizeETag(t) == etag {
			return true
		}
	}
	return false
}

// reportStripped names the scrubbed secrets in a header, so a client knows to set them elsewhere.
func reportStripped(w http.ResponseWriter, paths []string) {
	if len(paths) > 0 {
		setHeader(w, "ConnectorHub-Stripped-Secrets", strings.Join(paths, ", "))
	}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(status)
	w.Write(body)
}

// writeConnectorMembers writes @odata.etag and the selected columns (all when sel is nil);
// the key is always written.
func writeConnectorMembers(b *jsonBuffer, c *connectorhub.Connector, sel []*connectorhub.Column) {
	b.raw(`"@odata.etag":`)
	b.str(c.ETag())
	cols := sel
	if cols == nil {
		cols = allColumns
	}
	wroteKey := false
	for _, col := range cols {
		wroteKey = wroteKey || col.Name == connectorhub.ConnectorPrimaryID
		writeMember(b, c, col)
	}
	if !wroteKey {
		writeMember(b, c, connectorhub.ColumnByName(connectorhub.ConnectorPrimaryID))
	}
}

func writeMember(b *jsonBuffer, c *connectorhub.Connector, col *connectorhub.Column) {
	b.raw(",")
	b.str(col.Name)
	b.raw(":")
	b.value(col.Value(c))
}

var allColumns = func() []*connectorhub.Column {
	cols := make([]*connectorhub.Column, len(connectorhub.Columns))
	for i := range connectorhub.Columns {
		cols[i] = &connectorhub.Columns[i]
	}
	return cols
}()
