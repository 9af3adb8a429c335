package webapi

import (
	"errors"
	"net/http"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// streamChunk is how much of a response is buffered before it is written to the client:
// a page of 5000 full records (~160 MB) is never held in memory, only this and one record.
const streamChunk = 64 << 10

// errPageFull stops a scan once it has read the row after the page: there is a next page.
var errPageFull = errors.New("page full")

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
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	if q.apply != nil {
		return s.aggregateConnectors(w, r, q, prefs)
	}
	ann := annotationsOf(prefs)
	cq := q.connectorQuery(ann.formatted)
	pg, err := s.pageOf(r, prefs, q.top, q.skipToken, q.orderBy, connectorhub.ConnectorPrimaryID)
	if err != nil {
		return err
	}
	cq.After, cq.Top = pg.after, pg.rowsToRead()

	var prefix jsonBuffer
	prefix.raw(`{"@odata.context":`)
	prefix.str(r.base + "/$metadata#connectors" + q.selectSuffix())
	if q.count || prefs.IncludesAnnotation(annTotalCount) || prefs.IncludesAnnotation(annTotalCountExceed) {
		if err := s.writeCount(&prefix, r, q, prefs); err != nil {
			return err
		}
	}
	prefix.raw(`,"value":[`)

	st := &stream{w: w, prefs: prefs}
	st.buf.buf = prefix.buf
	rw := &recordWriter{base: r.base, cols: q.columns(), ann: ann, expand: q.expand}
	n := 0
	var first *connectorhub.Connector
	var last *connectorhub.ConnectorRow
	scan := func(row *connectorhub.ConnectorRow) error {
		if n == pg.size {
			return errPageFull
		}
		if n > 0 {
			st.buf.raw(",")
		} else {
			first = row.Connector
		}
		n++
		last = row
		st.buf.raw("{")
		rw.writeMembers(&st.buf, row)
		st.buf.raw("}")
		return st.flushIfFull()
	}
	if pg.size == 0 {
		err = nil // $top=0: no rows to read
	} else {
		err = s.Connectors.ScanConnectors(r.Context(), cq, scan)
	}
	more := errors.Is(err, errPageFull)
	if err != nil && !more {
		if st.started {
			// The status line is gone: end the response abruptly so that the client cannot
			// mistake a truncated page for a complete one.
			panic(http.ErrAbortHandler)
		}
		return err
	}
	st.buf.raw("]")
	if more {
		link, err := pg.nextLink(r, q.orderBy, connectorhub.ConnectorPrimaryID, first.ID, last.ID,
			last.SortValue)
		if err != nil {
			return err
		}
		st.buf.raw(`,"@odata.nextLink":`)
		st.buf.str(link)
	}
	st.buf.raw("}")
	st.start()
	w.Write(st.buf.buf)
	return nil
}

// writeCount writes @odata.count (with $count=true) and the totalrecordcount annotations
// (with $count=true, or when Prefer asks for them: -1 without $count, spec §2.8): the number
// of rows the filter selects, capped at 5000 (spec §3.7).
func (s *Server) writeCount(b *jsonBuffer, r *request, q *query, prefs odata.Preferences) error {
	total, exceeded := -1, false
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
	buf     jsonBuffer
	started bool
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

// flushIfFull writes the buffer to the client once it holds a chunk.
func (s *stream) flushIfFull() error {
	if len(s.buf.buf) < streamChunk {
		return nil
	}
	s.start()
	_, err := s.w.Write(s.buf.buf)
	s.buf.buf = s.buf.buf[:0]
	return err
}
