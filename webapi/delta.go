package webapi

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// tracksChanges reports whether a list request is a change-tracking read: the first one
// (Prefer: odata.track-changes) or one that follows an @odata.deltaLink ($deltatoken).
func tracksChanges(r *request) bool {
	if values, _ := queryValues(r); values.Has("$deltatoken") {
		return true
	}
	p, err := odata.ParsePrefer(r.Header.Values("Prefer"))
	return err == nil && p.TrackChanges
}

// deltaConnectors serves change tracking on connectors (spec §5.1). The first read
// (Prefer: odata.track-changes) answers the connectors as a list does; a read with the
// $deltatoken of an @odata.deltaLink answers those created or changed since, and a
// $deletedEntity entry for each one deleted since, trimmed as reads are. Every answer ends
// with the @odata.deltaLink of the next read. Only $select applies; an answer holds at most
// a page of records (odata.maxpagesize, 5000 at most), in row-version order, and its deltaLink
// continues after the last one.
func (s *Server) deltaConnectors(w http.ResponseWriter, r *request) error {
	ct, ok := s.Connectors.(connectorhub.ChangeTracker)
	if !ok {
		return queryError("Change tracking is not supported by this server's storage.")
	}
	values, err := queryValues(r)
	if err != nil {
		return err
	}
	for name := range values {
		if strings.HasPrefix(name, "$") && name != "$select" && name != "$deltatoken" {
			return queryError("The query option '%s' cannot be combined with change tracking; only $select can.", name)
		}
	}
	key, err := s.Connectors.PagingKey(r.Context())
	if err != nil {
		return err
	}
	var since int64
	initial := !values.Has("$deltatoken")
	if !initial {
		tok, err := odata.DecodeDeltaToken(key, values.Get("$deltatoken"))
		if err != nil {
			return asQueryError(err)
		}
		if time.Since(tok.Issued) > connectorhub.TombstoneRetention {
			return queryError("The $deltatoken is older than the %d days deletions are remembered: read the connectors again with Prefer: odata.track-changes.", int(connectorhub.TombstoneRetention.Hours()/24))
		}
		since = tok.Version
	}
	// The options without $deltatoken, so that the one request parser reads $select.
	values.Del("$deltatoken")
	plain := *r.Request
	plain.URL = &url.URL{Path: r.URL.Path, RawQuery: values.Encode()}
	q, err := parseQuery(&request{Request: &plain, base: r.base})
	if err != nil {
		return err
	}
	// Where the next read starts when this one reads everything: taken before the reads, so
	// that a change made meanwhile is read again rather than missed.
	upTo, err := ct.CurrentVersion(r.Context())
	if err != nil {
		return err
	}

	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	// An answer holds at most a page (Prefer: odata.maxpagesize, 5000 at most); its deltaLink
	// continues after its last record.
	pageSize := connectorhub.MaxPageSize
	applied := "odata.track-changes"
	if prefs.MaxPageSize > 0 {
		pageSize = prefs.MaxPageSize
		applied += ", odata.maxpagesize=" + itoa(pageSize)
	}
	w.Header().Set("Preference-Applied", applied)
	versionNumber := &odata.PropertyPath{Segments: []string{"versionnumber"}}
	cq := q.connectorQuery(false)
	cq.OrderBy = odata.OrderBy{{Path: versionNumber}}
	st := &stream{w: w, until: time.Now().Add(writeTimeout), buf: newBuffer()}
	defer st.buf.release()
	st.buf.raw(`{"@odata.context":`)
	suffix := ""
	if !initial {
		suffix = "/$delta"
	}
	st.buf.str(r.base + "/$metadata#connectors" + q.selectSuffix() + suffix)
	st.buf.raw(`,"value":[`)
	rw := &recordWriter{base: r.base, cols: q.columns()} // a sync reads each record once: not through the cache
	n := 0
	emit := func(row *connectorhub.ConnectorRow) error {
		if n > 0 {
			st.buf.raw(",")
		}
		n++
		st.buf.reserve(rowBytes(row.Connector) + len(row.OpenAPIDefinition)/8)
		st.buf.raw("{")
		rw.writeMembers(st.buf, row)
		st.buf.raw("}")
		return nil
	}
	// Read as a list reads a page: the query once, then the records by key, with no
	// connection held while the answer is written.
	cq.Filter = &odata.CompareExpr{Op: odata.Gt, Left: versionNumber, Right: &odata.Literal{Kind: odata.KindInt, Value: since}}
	_, last, more, err := s.scanPage(r.Context(), cq, pageSize, true, emit, st.flushIfLarge)
	if err != nil {
		if st.started {
			panic(http.ErrAbortHandler)
		}
		return err
	}
	if more {
		upTo = last.VersionNumber // the next read continues after the last record
	}
	if !initial {
		err = ct.ScanConnectorDeletions(r.Context(), since, upTo, func(id string) error {
			if n > 0 {
				st.buf.raw(",")
			}
			n++
			st.buf.raw(`{"@odata.context":`)
			st.buf.str(r.base + "/$metadata#connectors/$deletedEntity")
			st.buf.raw(`,"id":`)
			st.buf.str(id)
			st.buf.raw(`,"reason":"deleted"}`)
			return st.flushIfLarge()
		})
		if err != nil {
			if st.started {
				panic(http.ErrAbortHandler)
			}
			return err
		}
	}
	// The deletions up to where the next read starts are in this answer; the others in that one.
	st.buf.raw(`],"@odata.deltaLink":`)
	st.buf.str(withParam(r, "$deltatoken", odata.EncodeDeltaToken(key, odata.DeltaToken{Version: upTo, Issued: time.Now()})))
	st.buf.raw("}")
	return st.flush()
}

// flushIfLarge writes the buffer once it holds a batch.
func (s *stream) flushIfLarge() error {
	if len(s.buf.buf) < batchBytes {
		return nil
	}
	return s.flush()
}
