package webapi

import (
	"errors"
	"net/http"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// batchBytes is how much of an answer is held before it is written to the client. A page is
// read in two passes (scanPage): the query, then the records by key, a few at a time, with no
// database connection held while the client is written to. So a client that reads slowly, or
// not at all, holds a goroutine and about this much memory, never a connection; and a page of
// 5000 full records (~160 MB) is never held in memory.
const batchBytes = 1 << 20

// writeStall is how long one write to a client may block before the client is given up.
const writeStall = 30 * time.Second

// listConnectors serves GET connectors: a page of records, streamed as the store reads them.
//
// Paging (spec §3.9): the page size is Prefer: odata.maxpagesize (at most 5000, which is
// also the default); when it is given, $top is ignored, as in Dataverse (spec §3.5). Without
// it, $top limits the rows and there is no next page. A page that is not the last ends with
// @odata.nextLink, the request's URL with a $skiptoken: a signed Dataverse paging cookie
// holding the last row's sort values and key, from which the next page continues (keyset
// paging: every page costs the same, and rows inserted or deleted meanwhile neither repeat
// nor hide the rows that stay).
func (s *Server) listConnectors(w http.ResponseWriter, r *request) error {
	q, err := parseListQuery(r)
	if err != nil {
		return err
	}
	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	if q.apply != nil {
		if q.fetch != nil {
			return s.aggregateFetch(w, r, q, prefs)
		}
		return s.aggregateConnectors(w, r, q, prefs)
	}
	ann := annotationsOf(prefs)
	cq := q.connectorQuery(ann.formatted)
	var pg *page
	if q.fetch != nil {
		// A fetch pages by its count and paging-cookie, not by Prefer: odata.maxpagesize.
		pg, err = s.fetchPage(r, q.fetch, q.top, q.orderBy, connectorhub.ConnectorPrimaryID)
		prefs.MaxPageSize = 0
	} else {
		pg, err = s.pageOf(r, prefs, q.top, q.skipToken, q.orderBy, connectorhub.ConnectorPrimaryID)
	}
	if err != nil {
		return err
	}
	cq.After, cq.Top = pg.after, pg.rowsToRead()

	var prefix jsonBuffer
	prefix.raw(`{"@odata.context":`)
	prefix.str(r.base + "/$metadata#connectors" + q.selectSuffix())
	if q.count || q.fetch != nil && q.fetch.total || prefs.IncludesAnnotation(annTotalCount) || prefs.IncludesAnnotation(annTotalCountExceed) {
		if err := s.writeCount(&prefix, r, q, prefs); err != nil {
			return err
		}
	}
	prefix.raw(`,"value":[`)

	st := &stream{w: w, prefs: prefs, until: time.Now().Add(writeTimeout), buf: newBuffer()}
	defer st.buf.release()
	st.buf.raw(string(prefix.buf))
	rw := &recordWriter{base: r.base, cols: q.columns(), ann: ann, expand: q.expand}
	if cq.Top > 0 && cq.Top <= maxCachedPage {
		rw.quotes = s.quotes
	}
	n := 0
	emit := func(row *connectorhub.ConnectorRow) error {
		if n > 0 {
			st.buf.raw(",")
		}
		n++
		// The record's text, its escapes and its names (rowBytes counts 512 for the rest).
		st.buf.reserve(rowBytes(row.Connector) + len(row.OpenAPIDefinition)/8)
		st.buf.raw("{")
		if q.fetch != nil {
			q.fetch.writeMembers(st.buf, rw, row)
		} else {
			rw.writeMembers(st.buf, row)
		}
		st.buf.raw("}")
		return nil
	}
	first, last, more, err := s.scanPage(r.Context(), cq, pg.size, pg.paged, emit, st.flushIfLarge)
	if err != nil {
		if errors.Is(err, errClientGone) {
			return err
		}
		if st.started {
			// The status line is gone: end the response abruptly so that the client cannot
			// mistake a truncated page for a complete one.
			panic(http.ErrAbortHandler)
		}
		return err
	}
	st.buf.raw("]")
	if q.fetch != nil {
		if err := writeFetchPaging(st.buf, prefs, pg, more, q.orderBy, connectorhub.ConnectorPrimaryID, func() (string, string, func(*odata.PropertyPath) (any, error)) {
			return first.ID, last.ID, last.SortValue
		}); err != nil {
			return err
		}
	} else if more {
		link, err := pg.nextLink(r, q.orderBy, connectorhub.ConnectorPrimaryID, first.ID, last.ID,
			last.SortValue)
		if err != nil {
			return err
		}
		st.buf.raw(`,"@odata.nextLink":`)
		st.buf.str(link)
	}
	st.buf.raw("}")
	return st.flush()
}

// writeCount writes @odata.count (with $count=true) and the totalrecordcount annotations
// (with $count=true, or when Prefer asks for them: -1 without $count, spec §2.8): the number
// of rows the filter selects, capped at 5000 (spec §3.7).
func (s *Server) writeCount(b *jsonBuffer, r *request, q *query, prefs odata.Preferences) error {
	total, exceeded := -1, false
	if q.fetch != nil && q.fetch.total {
		// returntotalrecordcount: the annotations, as Dataverse answers a fetch.
		cq := q.connectorQuery(false)
		cq.Top = connectorhub.MaxPageSize + 1
		n, err := s.Connectors.CountConnectors(r.Context(), cq)
		if err != nil {
			return err
		}
		writeTotal(b, n)
		return nil
	}
	if q.count {
		cq := q.connectorQuery(false)
		cq.Top = connectorhub.MaxPageSize + 1
		n, err := s.Connectors.CountConnectors(r.Context(), cq)
		if err != nil {
			return err
		}
		total, exceeded = min(n, connectorhub.MaxPageSize), n > connectorhub.MaxPageSize
		b.raw(`,"@odata.count":`)
		b.int(int64(total))
	}
	if q.count || prefs.IncludesAnnotation(annTotalCount) {
		b.raw(`,"@` + annTotalCount + `":`)
		b.int(int64(total))
	}
	if q.count || prefs.IncludesAnnotation(annTotalCountExceed) {
		b.raw(`,"@` + annTotalCountExceed + `":`)
		if exceeded {
			b.raw("true")
		} else {
			b.raw("false")
		}
	}
	return nil
}

// stream writes a JSON response in chunks as it is built.
type stream struct {
	w       http.ResponseWriter
	prefs   odata.Preferences
	buf     *jsonBuffer
	started bool
	until   time.Time // the response must be written by then, however slowly it goes
}

// start writes the headers, once.
func (s *stream) start() {
	if s.started {
		return
	}
	s.started = true
	if applied := preferenceApplied(s.prefs); applied != "" {
		s.w.Header().Set("Preference-Applied", applied)
	}
	s.w.Header().Set("Content-Type", contentTypeJSON)
	s.w.WriteHeader(http.StatusOK)
}

// flush writes the buffer to the client, giving up on a client that takes longer than
// writeStall to accept it, or that has not taken the whole response by s.until.
func (s *stream) flush() error {
	s.start()
	deadline := time.Now().Add(writeStall)
	if !s.until.IsZero() && s.until.Before(deadline) {
		deadline = s.until
	}
	// Not every writer supports deadlines; the server's WriteTimeout still bounds those.
	http.NewResponseController(s.w).SetWriteDeadline(deadline)
	_, err := s.w.Write(s.buf.buf)
	s.buf.buf = s.buf.buf[:0]
	if err != nil {
		return errClientGone
	}
	return nil
}

// writeTotal writes the totalrecordcount annotations of a fetch with returntotalrecordcount:
// the number of rows, capped at 5000.
func writeTotal(b *jsonBuffer, n int) {
	b.raw(`,"@` + annTotalCount + `":`)
	b.int(int64(min(n, connectorhub.MaxPageSize)))
	b.raw(`,"@` + annTotalCountExceed + `":`)
	if n > connectorhub.MaxPageSize {
		b.raw("true")
	} else {
		b.raw("false")
	}
}

// The annotations of a paged fetch (spec: Page results using FetchXml).
const (
	annMoreRecords  = "Microsoft.Dynamics.CRM.morerecords"
	annPagingCookie = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
)

// writeFetchPaging ends the answer of a paged fetch with, when there are more rows, the
// fetchxmlpagingcookie the next page's fetch sends back (its pagingcookie URL-decoded twice,
// with page one more), and @Microsoft.Dynamics.CRM.morerecords: each when Prefer:
// odata.include-annotations asks for it, as in Dataverse. rows gives the first and last row's
// keys and the last row's sort values.
func writeFetchPaging(b *jsonBuffer, prefs odata.Preferences, pg *page, more bool, orderBy odata.OrderBy, keyColumn string, rows func() (firstID, lastID string, sortValue func(*odata.PropertyPath) (any, error))) error {
	if !pg.paged {
		return nil
	}
	if more && prefs.IncludesAnnotation(annPagingCookie) {
		firstID, lastID, sortValue := rows()
		tok, err := pg.skipToken(orderBy, keyColumn, firstID, lastID, sortValue)
		if err != nil {
			return err
		}
		cookie, err := odata.FetchPagingCookie(tok)
		if err != nil {
			return err
		}
		b.raw(`,"@` + annPagingCookie + `":`)
		b.str(cookie)
	}
	if !prefs.IncludesAnnotation(annMoreRecords) {
		return nil
	}
	b.raw(`,"@` + annMoreRecords + `":`)
	if more {
		b.raw("true")
	} else {
		b.raw("false")
	}
	return nil
}

// writeMembers writes a record of a fetch as Dataverse does: @odata.etag, the columns (the
// key always), then the attributes of the links as "alias.attribute"; unlike an OData query,
// a FetchXML answer leaves out the properties whose value is null.
func (fq *fetchQuery) writeMembers(b *jsonBuffer, rw *recordWriter, row *connectorhub.ConnectorRow) {
	b.raw(`"@odata.etag":`)
	b.str(row.Connector.ETag())
	wroteKey := false
	for _, col := range rw.cols {
		if col.Name == connectorhub.ConnectorPrimaryID {
			wroteKey = true
		} else if col.Value(row.Connector) == nil {
			continue
		}
		rw.writeColumn(b, row, col)
	}
	if !wroteKey {
		rw.writeColumn(b, row, connectorhub.ColumnByName(connectorhub.ConnectorPrimaryID))
	}
	for _, l := range fq.links {
		rel := row.Related[l.nav]
		if rel == nil {
			continue
		}
		for i, name := range l.names {
			if v := relatedValue(rel, l.props[i]); v != nil {
				b.raw(",")
				b.str(l.alias + "." + name)
				b.raw(":")
				b.value(v)
			}
		}
	}
}

// aggregateFetch serves an aggregate fetch through the $apply path: one object per group with
// the groupby and aggregate aliases the fetch gives, e.g. {"type":1,"n":42}.
func (s *Server) aggregateFetch(w http.ResponseWriter, r *request, q *query, prefs odata.Preferences) error {
	rows, err := s.Connectors.AggregateConnectors(r.Context(), q.connectorQuery(false))
	if err != nil {
		return err
	}
	var names []string
	var cols []*connectorhub.Column // nil for an aggregate
	for _, t := range q.apply {
		var agg *odata.Aggregate
		switch t := t.(type) {
		case *odata.GroupBy:
			for i, p := range t.Properties {
				names = append(names, q.fetch.groupAliases[i])
				cols = append(cols, connectorhub.ColumnForPath(p))
			}
			agg = t.Aggregate
		case *odata.Aggregate:
			agg = t
		}
		if agg != nil {
			for _, item := range agg.Items {
				names = append(names, item.Alias)
				cols = append(cols, nil)
			}
		}
	}
	writeAggregates(w, r.base+"/$metadata#connectors", names, cols, rows, prefs)
	return nil
}
