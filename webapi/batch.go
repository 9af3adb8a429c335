package webapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// $batch (spec §5.2): a multipart/mixed body of HTTP requests, some grouped in change sets
// that are applied atomically, answered by a multipart/mixed body of HTTP responses. Each
// request is routed as a request of its own, by the batch's caller, with every rule of
// single requests; a change set's requests run in one transaction of s.Transactor.

const (
	// maxBatchRequests is Dataverse's limit of requests in a batch, change set members
	// included, and of requests in one change set.
	maxBatchRequests = 1000
	// maxPartHeaderBytes bounds the request line and headers of one request of a batch.
	maxPartHeaderBytes = 64 << 10
	// maxBatchResponseBytes bounds the answer of a batch, which is built in memory: a part
	// whose response would pass it is answered with an error instead.
	maxBatchResponseBytes = 12 << 20
)

// batchOp is one request of a batch, as parsed.
type batchOp struct {
	index     int    // 1-based position in the batch, for messages
	contentID string // Content-ID, "" when absent
	method    string
	target    string // the request URI as sent: absolute, /api/data/…, relative to the service root, or $n…
	header    http.Header
	body      []byte
}

// batchItem is a request outside change sets, or a change set.
type batchItem struct {
	op        *batchOp
	changeSet []*batchOp
}

// batchError is the answer to a malformed batch: 400 with the payload error code.
func batchError(format string, args ...any) error {
	return connectorhub.Errorf(connectorhub.ECodePayload, "The $batch request is not valid: "+format, args...)
}

// serveBatch serves POST $batch.
func (s *Server) serveBatch(w http.ResponseWriter, r *request) error {
	boundary, err := batchBoundary(r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	prefs, err := parsePrefer(r)
	if err != nil {
		return err
	}
	if err := r.reserveBatch(); err != nil {
		return err
	}
	data, err := readAll(r)
	if err != nil {
		return err
	}
	items, err := parseBatch(data, boundary)
	if err != nil {
		return err
	}
	run := &batchRun{s: s, batch: r, user: caller(r).UserID, continueOnError: prefs.ContinueOnError, boundary: "batchresponse_" + connectorhub.NewGUID(),
		budget: maxBatchResponseBytes}
	defer func() {
		if run.held > 0 {
			s.bodies.release(run.user, run.held)
		}
	}()
	status, err := run.run(items)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+run.boundary)
	if prefs.ContinueOnError {
		w.Header().Set("Preference-Applied", "odata.continue-on-error")
	}
	w.WriteHeader(status)
	w.Write(run.out.Bytes())
	return nil
}

// batchBoundary reads the boundary of a $batch request's Content-Type.
func batchBoundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/mixed" {
		return "", batchError("its Content-Type is '%s'; a $batch request is multipart/mixed with a boundary, e.g. multipart/mixed; boundary=batch_<id>.", contentType)
	}
	b := params["boundary"]
	if b == "" {
		return "", batchError("its Content-Type '%s' has no boundary parameter; use multipart/mixed; boundary=batch_<id>.", contentType)
	}
	if len(b) > 70 {
		return "", batchError("its boundary is longer than 70 characters.")
	}
	return b, nil
}

// reserveBatch is reserveBody for a batch: the body is held three times at most (as read,
// as the parts' copies, and as the copy a part's handler reads), so three times its size is
// taken from the server's budget of large bodies, at once so that a batch never holds room
// while it waits for more.
func (r *request) reserveBatch() error {
	return r.reserveTimes(3)
}

// parseBatch parses a whole batch before any of it runs: a malformed batch runs nothing.
func parseBatch(data []byte, boundary string) ([]batchItem, error) {
	if err := checkCRLF(data, boundary); err != nil {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	var items []batchItem
	n := 0 // requests so far, change set members included
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, batchError("its body is not a well-formed multipart/mixed body with the boundary '%s' (%v).", boundary, err)
		}
		mt, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case err == nil && mt == "application/http":
			n++
			if n > maxBatchRequests {
				return nil, tooManyRequests()
			}
			op, err := parsePart(p, n)
			if err != nil {
				return nil, err
			}
			items = append(items, batchItem{op: op})
		case err == nil && mt == "multipart/mixed":
			ops, err := parseChangeSet(p, params["boundary"], &n)
			if err != nil {
				return nil, err
			}
			if len(ops) == 0 { // an empty change set counts as a request, so that they are bounded too
				if n++; n > maxBatchRequests {
					return nil, tooManyRequests()
				}
			}
			items = append(items, batchItem{changeSet: ops})
		default:
			return nil, batchError("the Content-Type of part %d is '%s'; a part of a batch is application/http, or multipart/mixed for a change set.", n+1, p.Header.Get("Content-Type"))
		}
	}
}

// parseChangeSet parses the requests of a change set; *n counts the requests of the batch.
func parseChangeSet(p *multipart.Part, boundary string, n *int) ([]*batchOp, error) {
	if boundary == "" {
		return nil, batchError("the change set at part %d has no boundary parameter in its Content-Type; use multipart/mixed; boundary=changeset_<id>.", *n+1)
	}
	mr := multipart.NewReader(p, boundary)
	ops := []*batchOp{}
	ids := map[string]bool{}
	for {
		q, err := mr.NextRawPart()
		if err == io.EOF {
			return ops, nil
		}
		if err != nil {
			return nil, batchError("the change set at part %d is not a well-formed multipart/mixed body with the boundary '%s' (%v).", *n+1, boundary, err)
		}
		mt, _, err := mime.ParseMediaType(q.Header.Get("Content-Type"))
		if err != nil || mt != "application/http" {
			return nil, batchError("the Content-Type of part %d, in a change set, is '%s'; a request of a change set is application/http (change sets do not nest).", *n+1, q.Header.Get("Content-Type"))
		}
		*n++
		if len(ops) >= maxBatchRequests {
			return nil, connectorhub.Errorf(connectorhub.ECodePayload, "The current change set contains too many operations. A maximum number of '%d' operations are allowed in a change set.", maxBatchRequests)
		}
		if *n > maxBatchRequests {
			return nil, tooManyRequests()
		}
		op, err := parsePart(q, *n)
		if err != nil {
			return nil, err
		}
		if op.method == http.MethodGet {
			return nil, connectorhub.Errorf(connectorhub.ECodePayload, "An invalid HTTP method 'GET' was detected for a request in a change set (part %d). Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.", op.index)
		}
		if op.contentID != "" {
			if ids[op.contentID] {
				return nil, batchError("the Content-ID '%s' appears twice in a change set (part %d); Content-IDs are unique within a change set.", op.contentID, op.index)
			}
			ids[op.contentID] = true
		}
		ops = append(ops, op)
	}
}

// tooManyRequests is Dataverse's answer to a batch of more than 1000 requests.
func tooManyRequests() error {
	return connectorhub.Errorf(connectorhub.ECodePayload, "The current batch message contains too many parts. Only batch messages with a maximum number of '%d' query operations, including changeset operations, are allowed.", maxBatchRequests)
}

// checkCRLF refuses a batch whose delimiter lines end with LF alone, as Dataverse does.
func checkCRLF(data []byte, boundary string) error {
	delim := []byte("--" + boundary)
	i := bytes.Index(data, delim)
	if i < 0 {
		return batchError("its body has no delimiter line '--%s'.", boundary)
	}
	rest := bytes.TrimLeft(data[i+len(delim):], " \t")
	if len(rest) > 0 && rest[0] == '\n' {
		return batchError("Stream was not readable: the lines of a batch body must end with CRLF (\\r\\n), not LF alone.")
	}
	return nil
}

// parsePart parses one application/http part: a request line, headers, a blank line and a
// body. The request line and headers are bounded; the body is what remains of the part.
func parsePart(p *multipart.Part, index int) (*batchOp, error) {
	switch cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))); cte {
	case "", "binary", "7bit", "8bit":
	default:
		return nil, batchError("part %d has Content-Transfer-Encoding '%s'; the requests of a batch are sent as binary.", index, cte)
	}
	raw, err := io.ReadAll(p)
	if err != nil {
		return nil, batchError("part %d cannot be read: the body is not a well-formed multipart/mixed body (%v).", index, err)
	}
	// A bodiless request may end with its last header line: the blank line that would end
	// its headers is the one before the boundary, which belongs to the boundary. Clients
	// send it so (dynamics-web-api's GETs), and Dataverse takes it.
	if !bytes.Contains(raw, []byte("\r\n\r\n")) && bytes.HasSuffix(raw, []byte("\r\n")) {
		raw = append(raw, "\r\n"...)
	}
	lr := &io.LimitedReader{R: bytes.NewReader(raw), N: maxPartHeaderBytes}
	br := bufio.NewReader(lr)
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	for err == nil && line == "" { // blank lines before the request line are tolerated
		line, err = tp.ReadLine()
	}
	if err != nil {
		if lr.N == 0 {
			return nil, batchError("the request line of part %d is longer than %d bytes.", index, maxPartHeaderBytes)
		}
		return nil, batchError("part %d holds no request line.", index)
	}
	method, rest, ok1 := strings.Cut(line, " ")
	sp := strings.LastIndexByte(rest, ' ')
	if !ok1 || sp < 0 || strings.TrimSpace(rest[:sp]) == "" {
		return nil, batchError("the request line of part %d, '%s', is not of the form 'METHOD URL HTTP/1.1'.", index, truncateText(line, 200))
	}
	target, proto := strings.TrimSpace(rest[:sp]), rest[sp+1:]
	if proto != "HTTP/1.1" && proto != "HTTP/1.0" {
		return nil, batchError("the request line of part %d ends with '%s'; it must end with HTTP/1.1.", index, truncateText(proto, 50))
	}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
	default:
		return nil, batchError("the method '%s' of part %d is not supported; use GET, POST, PATCH, PUT or DELETE.", truncateText(method, 50), index)
	}
	if !strings.HasPrefix(target, "$") {
		if _, err := partURL(target, "v9.2"); err != nil {
			return nil, batchError("the URL of part %d, '%s', is not valid.", index, truncateText(target, 200))
		}
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		if lr.N == 0 {
			return nil, batchError("the headers of part %d are longer than %d bytes.", index, maxPartHeaderBytes)
		}
		return nil, batchError("the headers of part %d are not valid (%v).", index, err)
	}
	header := http.Header(h)
	if header.Get("Transfer-Encoding") != "" {
		return nil, batchError("part %d has a Transfer-Encoding header; a request of a batch sends its body as is.", index)
	}
	start := int(maxPartHeaderBytes-lr.N) - br.Buffered()
	body := raw[start:]
	if cl := header.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > len(body) {
			return nil, batchError("the Content-Length of part %d, '%s', does not match its body of %d bytes.", index, truncateText(cl, 20), len(body))
		}
		body = body[:n]
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = nil
	}
	id := p.Header.Get("Content-ID")
	if id == "" {
		id = header.Get("Content-ID")
	}
	header.Del("Content-ID")
	return &batchOp{index: index, contentID: strings.TrimSpace(id), method: method, target: target, header: header, body: body}, nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// partURL is the URL of a part's request: an absolute URL (its host is ignored: the batch's
// is the server's), a path, or a path relative to the service root of version.
func partURL(target, version string) (*url.URL, error) {
	switch {
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		return &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}, nil
	case strings.HasPrefix(target, "/"):
		return url.ParseRequestURI(target)
	}
	return url.ParseRequestURI("/api/data/" + version + "/" + target)
}

// batchRun runs the items of a batch in order and writes their answers.
type batchRun struct {
	s               *Server
	batch           *request
	continueOnError bool
	boundary        string
	out             bytes.Buffer
	budget          int // bytes the answer may still grow by

	used int    // bytes of the answers so far
	held int64  // room taken from the server's budget of large bodies for the answer
	user string // whose share of it
}

// grow takes room from the server's budget of large bodies, without waiting, for an answer
// whose part being written has partBytes: the answers are held twice (each part, and the
// whole answer). false when there is none: the server holds as many large answers as it may.
func (b *batchRun) grow(partBytes int) bool {
	need := 2*int64(b.used+partBytes) - b.held
	if need <= 0 || b.s.bodies == nil {
		return true
	}
	step := (need + 1<<20 - 1) &^ (1<<20 - 1)
	if !b.s.bodies.tryAcquire(b.user, step) {
		return false
	}
	b.held += step
	return true
}

// partResponse is the recorded answer of one request of a batch.
type partResponse struct {
	contentID string
	status    int
	header    http.Header
	body      bytes.Buffer
	limit     int  // the most body bytes it may hold
	overflow  bool // the handler wrote more than limit
	grow      func(bodyBytes int) bool
	busy      bool // no room for its answer in the server's budget
}

func (p *partResponse) Header() http.Header { return p.header }

func (p *partResponse) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *partResponse) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	if p.body.Len()+len(b) > p.limit {
		p.overflow = true
		return 0, errResponseTooLarge
	}
	if p.grow != nil && !p.grow(p.body.Len()+len(b)) {
		p.busy = true
		return 0, errResponseTooLarge
	}
	return p.body.Write(b)
}

var errResponseTooLarge = errors.New("the response is larger than a batch may hold")

// run runs the items and returns the batch's status: 200, or the status of the first failed
// request or change set when the batch stopped there (without odata.continue-on-error).
func (b *batchRun) run(items []batchItem) (int, error) {
	for _, it := range items {
		var failed *partResponse
		if it.op != nil {
			resp, err := b.runOp(b.batch.Context(), it.op, nil)
			if err != nil {
				return 0, err
			}
			b.writePart(&b.out, b.boundary, resp)
			if resp.status >= 400 {
				failed = resp
			}
		} else {
			resps, f, err := b.runChangeSet(it.changeSet)
			if err != nil {
				return 0, err
			}
			if f != nil {
				b.writePart(&b.out, b.boundary, f) // one answer for the whole change set
				failed = f
			} else {
				b.writeChangeSet(resps)
			}
		}
		if failed != nil && !b.continueOnError {
			b.out.WriteString("--" + b.boundary + "--\r\n")
			return failed.status, nil
		}
	}
	b.out.WriteString("--" + b.boundary + "--\r\n")
	return http.StatusOK, nil
}

// errChangeSetFailed rolls back a change set one of whose requests failed.
var errChangeSetFailed = errors.New("a request of the change set failed")

// runChangeSet runs a change set in one transaction. It returns the answers of its requests,
// or the one answer of the request that failed (or of the failed commit): then nothing of
// the change set is applied.
func (b *batchRun) runChangeSet(ops []*batchOp) ([]*partResponse, *partResponse, error) {
	if b.s.Transactor == nil {
		return nil, b.errorResponse(b.batch.Context(), nil, connectorhub.Errorf(connectorhub.ECodeBadRequest, "This server does not support change sets: it has no transactions configured. Send the requests outside a change set.")), nil
	}
	if len(ops) == 0 {
		return nil, nil, nil
	}
	var resps []*partResponse
	var failed *partResponse
	refs := map[string]string{}
	err := b.s.Transactor.Transact(b.batch.Context(), func(ctx context.Context) error {
		ctx = context.WithValue(ctx, inTransaction{}, true)
		// The engine may run this again from the start (a PostgreSQL serialization failure):
		// nothing of a failed attempt is kept.
		resps, failed, refs = nil, nil, map[string]string{}
		for _, op := range ops {
			resp, err := b.runOp(ctx, op, refs)
			if err != nil {
				return err
			}
			if resp.status >= 400 {
				failed = resp
				return errChangeSetFailed
			}
			if op.contentID != "" {
				if u := headerValue(resp.header, "OData-EntityId"); u != "" {
					refs[op.contentID] = u
				}
			}
			resps = append(resps, resp)
		}
		return nil
	})
	switch {
	case failed != nil:
		b.budget += responseSize(resps) // their answers are not sent
		return nil, failed, nil
	case err != nil && b.gone(err):
		return nil, nil, err
	case err != nil:
		b.budget += responseSize(resps)
		return nil, b.errorResponse(b.batch.Context(), nil, err), nil // the commit failed
	}
	return resps, nil, nil
}

func responseSize(resps []*partResponse) int {
	n := 0
	for _, r := range resps {
		n += r.body.Len()
	}
	return n
}

// gone reports whether err means the batch's client went away: the batch ends unanswered.
func (b *batchRun) gone(err error) bool {
	return errors.Is(err, errClientGone) || b.batch.Context().Err() != nil && errors.Is(err, context.Canceled)
}

// errorResponse answers a request of the batch, or a change set, with err.
func (b *batchRun) errorResponse(ctx context.Context, op *batchOp, err error) *partResponse {
	resp := &partResponse{header: http.Header{}, limit: 1 << 20}
	id := connectorhub.NewGUID()
	r := b.batch.Request.WithContext(context.WithValue(ctx, requestIDKey, id))
	setHeader(resp, "OData-Version", "4.0")
	setHeader(resp, "REQ_ID", id)
	b.s.writeError(resp, r, err)
	if op != nil {
		resp.contentID = op.contentID
	}
	return resp
}

// runOp routes one request of the batch, as its caller, with ctx (a change set's
// transaction), and records its answer. refs are the entity URLs of the change set's
// Content-IDs so far. The error is the batch's end (its client went away).
func (b *batchRun) runOp(ctx context.Context, op *batchOp, refs map[string]string) (*partResponse, error) {
	start := time.Now()
	id := connectorhub.NewGUID()
	ctx = context.WithValue(ctx, requestIDKey, id)
	resp := &partResponse{contentID: op.contentID, header: http.Header{}, limit: b.budget, grow: b.grow}
	setHeader(resp, "OData-Version", "4.0")
	pr := &http.Request{Method: op.method, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: op.header,
		Host: b.batch.Host, RemoteAddr: b.batch.RemoteAddr, TLS: b.batch.TLS, URL: &url.URL{Path: op.target}}
	pr = pr.WithContext(ctx)
	err := b.dispatch(resp, pr, op, refs)
	switch {
	case resp.busy:
		resp = b.errorResponse(ctx, op, connectorhub.Errorf(connectorhub.ECodeServerBusy,
			"The server holds as many large answers as it may; send this request again later, on its own, or ask for less."))
	case resp.overflow: // first: a handler that streams takes the failed write for a client gone
		resp = b.errorResponse(ctx, op, connectorhub.Errorf(connectorhub.ECodeInvalidArgument,
			"The response to this request is larger than the %d bytes a $batch response may hold; send it on its own, or ask for less ($select, $top, Prefer: odata.maxpagesize).", maxBatchResponseBytes))
	case err != nil && b.gone(err):
		return nil, err
	case err != nil:
		// As for a single request, the headers the handler set stay (Retry-After among them).
		resp.body.Reset()
		resp.status = 0
		b.s.writeError(resp, pr, err)
	}
	if resp.status == 0 {
		resp.status = http.StatusOK
	}
	if resp.status >= 400 {
		setHeader(resp, "REQ_ID", id)
	}
	if u := headerValue(resp.header, "OData-EntityId"); u != "" && resp.header.Get("Location") == "" {
		resp.header.Set("Location", u) // as Dataverse answers in a batch (spec §2.3)
	}
	if ct := resp.header.Get("Content-Type"); ct == contentTypeJSON {
		resp.header.Set("Content-Type", contentTypeJSON+"; odata.streaming=true")
	}
	b.budget -= resp.body.Len()
	b.used += resp.body.Len()
	// One line per request, as for single requests; never the body or the query's values.
	b.s.logger(pr).Info("batch request", slog.String("batch", requestID(b.batch.Context())), slog.Int("part", op.index),
		slog.String("method", pr.Method), slog.String("path", pr.URL.Path), slog.Int("status", resp.status),
		slog.Int("bytes", resp.body.Len()), slog.Duration("duration", time.Since(start)))
	return resp, nil
}

// headerValue is a header's value whether it was set by setHeader (with Dataverse's spelling
// of its name) or canonically.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return h.Get(name)
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// dispatch resolves the request's Content-ID references and URL, counts it against the
// caller's limits and routes it. pr.URL is set from the resolved URL.
func (b *batchRun) dispatch(w *partResponse, pr *http.Request, op *batchOp, refs map[string]string) error {
	target, err := resolveReference(op.target, refs)
	if err != nil {
		return err
	}
	version := b.batch.base[strings.LastIndexByte(b.batch.base, '/')+1:]
	u, err := partURL(target, version)
	if err != nil {
		return connectorhub.Errorf(connectorhub.ECodeBadRequest, "The URL '%s' is not valid.", truncateText(target, 200))
	}
	pr.URL, pr.RequestURI = u, u.RequestURI()
	body, err := resolveBodyReferences(op.body, refs)
	if err != nil {
		return err
	}
	pr.Body, pr.ContentLength = http.NoBody, 0
	if len(body) > 0 {
		pr.Body, pr.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	}
	version, rest, ok := cutAPIPrefix(u.Path)
	if !ok {
		return connectorhub.Errorf(connectorhub.ECodeNoResource, "No HTTP resource was found that matches the request URI '%s'.", b.batch.origin()+u.RequestURI())
	}
	if rest == "$batch" {
		return batchError("part %d is itself a $batch request; batches do not nest.", op.index)
	}
	req := &request{Request: pr, base: b.batch.origin() + "/api/data/" + version}
	p := connectorhub.PrincipalFromContext(pr.Context())
	return b.s.limitPart(w, p.UserID, func() error { return b.s.route(w, req, rest) })
}

// contentIDError is Dataverse's answer to a reference to an undeclared Content-ID.
func contentIDError(name string) error {
	return connectorhub.Errorf(connectorhub.ECodeBadRequest, "Content-ID Reference: '$%s' does not exist in the batch context.", name)
}

// resolveReference replaces a leading $<Content-ID> of a URL with the URL of the entity that
// request created. "$metadata" and the like are not references; an undeclared numeric one is
// an error.
func resolveReference(target string, refs map[string]string) (string, error) {
	if !strings.HasPrefix(target, "$") {
		return target, nil
	}
	name := target[1:]
	if i := strings.IndexAny(name, "/?"); i >= 0 {
		name = name[:i]
	}
	if u, ok := refs[name]; ok {
		return u + target[1+len(name):], nil
	}
	if isDigits(name) {
		return "", contentIDError(name)
	}
	return target, nil
}

// resolveBodyReferences replaces "$<Content-ID>" values of the top-level "…@odata.bind" and
// "@odata.id" members of a JSON body with the URLs they reference. A body that is not a JSON
// object is left to the handler to refuse.
func resolveBodyReferences(body []byte, refs map[string]string) ([]byte, error) {
	if !bytes.Contains(body, []byte(`"$`)) || !bytes.Contains(body, []byte("@odata.")) || checkBudget(body) != nil {
		return body, nil
	}
	data := jsontext.StripTrailingCommas(body)
	v, err := jsontext.Parse(data)
	if err != nil || v.Kind != jsontext.Object {
		return body, nil
	}
	var edits []jsontext.Edit
	for _, m := range v.Members {
		if m.Value.Kind != jsontext.String || !strings.HasPrefix(m.Value.Str, "$") ||
			!strings.HasSuffix(m.Key, "@odata.bind") && m.Key != "@odata.id" {
			continue
		}
		name := m.Value.Str[1:]
		u, ok := refs[name]
		if !ok {
			if isDigits(name) {
				return nil, contentIDError(name)
			}
			continue
		}
		var b jsonBuffer
		b.str(u)
		edits = append(edits, jsontext.Edit{Start: m.Value.Start, End: m.Value.End, Text: string(b.bytes())})
	}
	if len(edits) == 0 {
		return body, nil
	}
	return []byte(jsontext.Apply(string(data), edits)), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// limitPart counts one request of a batch against the caller's service protection limits,
// as Dataverse counts each request of a batch. The batch itself was admitted as a request.
func (s *Server) limitPart(w http.ResponseWriter, user string, h func() error) error {
	if s.limiter == nil {
		return h()
	}
	a := s.limiter.admitPart(user)
	if a.err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(max(int((a.retryAfter+time.Second-1)/time.Second), 1)))
		return a.err
	}
	setHeader(w, "x-ms-ratelimit-burst-remaining-xrm-requests", strconv.Itoa(a.remaining))
	setHeader(w, "x-ms-ratelimit-time-remaining-xrm-requests", fmt.Sprintf("%.2f", a.remainingTime.Seconds()))
	return h()
}

// admitPart counts one request of a batch: against the request and time limits, not the
// concurrency one (it runs in the batch's slot).
func (l *limiter) admitPart(user string) admission { return l.count(user, false) }

// writePart writes one answer as an application/http part.
func (b *batchRun) writePart(out *bytes.Buffer, boundary string, resp *partResponse) {
	out.WriteString("--" + boundary + "\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n")
	if resp.contentID != "" {
		out.WriteString("Content-ID: " + sanitizeHeaderValue(resp.contentID) + "\r\n")
	}
	fmt.Fprintf(out, "\r\nHTTP/1.1 %d %s\r\n", resp.status, http.StatusText(resp.status))
	resp.header.Write(out)
	out.WriteString("\r\n")
	out.Write(resp.body.Bytes())
	out.WriteString("\r\n")
}

// writeChangeSet writes the answers of a committed change set as a multipart/mixed part.
func (b *batchRun) writeChangeSet(resps []*partResponse) {
	cs := "changesetresponse_" + connectorhub.NewGUID()
	b.out.WriteString("--" + b.boundary + "\r\nContent-Type: multipart/mixed; boundary=" + cs + "\r\n\r\n")
	for _, r := range resps {
		b.writePart(&b.out, cs, r)
	}
	b.out.WriteString("--" + cs + "--\r\n")
}

// sanitizeHeaderValue keeps a client's value from breaking the lines of the answer.
func sanitizeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
