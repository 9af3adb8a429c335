package webapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// MaxBodyBytes bounds a request body. It fits the largest legitimate connector: a
// 1,000,000-character definition and every other text column at its limit (3.5 million
// characters in all), JSON-escaped as clients send it. The corpus's most escaped definition
// takes 1.39 bytes a character (Go's encoder escapes <, > and &); the limit allows 2.39.
const MaxBodyBytes = 8 << 20

// MaxSolutionBodyBytes bounds the body of the actions that carry a solution file
// (ImportSolution, ImportSolutionAsync, StageSolution): a base64 file of up to 24 MB, which
// holds hundreds of connectors. It equals the body budget, so one such body at a time.
const MaxSolutionBodyBytes = 32 << 20

// bodyLimit is the largest body the request may have.
func (r *request) bodyLimit() int64 {
	if r.maxBody > 0 {
		return r.maxBody
	}
	return MaxBodyBytes
}

// bodyLimitOf is the body limit of a request to path (below /api/data/v9.x/).
func bodyLimitOf(path string) int64 {
	switch strings.TrimPrefix(path, "Microsoft.Dynamics.CRM.") {
	case "ImportSolution", "ImportSolutionAsync", "StageSolution":
		return MaxSolutionBodyBytes
	}
	return MaxBodyBytes
}

// The parse budget of a JSON body: every body the Web API takes is a flat object or nearly
// so (a connector has about twenty members), so these bounds refuse hostile shapes, such as
// millions of small values, before a tree is built for them.
const (
	maxBodyValues = 10_000
	maxBodyDepth  = 32
)

// smallBody is the size under which a body needs no reservation: the in-flight cap bounds
// the memory of many small bodies.
const smallBody = 64 << 10

// userShare is the most room one user holds in the budget of large bodies at once: the largest
// single reservation (a solution file). bodyBudget is the server's whole budget, twice a share,
// so that one user's bodies, however slowly they arrive, leave half of it to everyone else.
const (
	userShare  = MaxSolutionBodyBytes
	bodyBudget = 2 * userShare
)

// bodyWait is how long a request waits for room before it is refused (a variable so that
// tests can shorten it).
var bodyWait = 30 * time.Second

// gate is a weighted semaphore with a share per user. Room is served first come, first
// served, so a large request is not starved by a stream of small ones; a request over its
// user's share waits for that user's own requests to end, and holds nobody else up.
type gate struct {
	mu      sync.Mutex
	avail   int64
	share   int64
	held    map[string]int64 // what each user holds
	waiters []*waiter
}

type waiter struct {
	user  string
	n     int64
	ready chan struct{}
}

// newGate returns a gate of n bytes in all, at most share of them held by one user.
func newGate(n, share int64) *gate {
	return &gate{avail: n, share: share, held: map[string]int64{}}
}

// errOverShare is the refusal of a request that waited its time for its user's own large
// requests to end.
var errOverShare = errors.New("over the user's share")

// acquire takes n for user, waiting until there is room or ctx ends. The error is
// errOverShare when the request waited for its user's share rather than for the server's
// room, ctx's error otherwise.
func (g *gate) acquire(ctx context.Context, user string, n int64) error {
	w := &waiter{user: user, n: n, ready: make(chan struct{})}
	g.mu.Lock()
	g.waiters = append(g.waiters, w)
	g.wake()
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready:
			g.give(user, n) // granted meanwhile: give it back
			g.wake()
			return ctx.Err()
		default:
		}
		g.waiters = slices.DeleteFunc(g.waiters, func(o *waiter) bool { return o == w })
		g.wake() // a large request gave up: those behind it may fit
		if g.held[user]+n > g.share {
			return errOverShare
		}
		return ctx.Err()
	}
}

// tryAcquire takes n for user if there is room now, without waiting.
func (g *gate) tryAcquire(user string, n int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[user]+n > g.share || g.avail < n {
		return false
	}
	for _, w := range g.waiters {
		if g.held[w.user]+w.n <= g.share {
			return false // someone waits for room: first come, first served
		}
	}
	g.avail -= n
	g.held[user] += n
	return true
}

// release gives back n that user took.
func (g *gate) release(user string, n int64) {
	g.mu.Lock()
	g.give(user, n)
	g.wake()
	g.mu.Unlock()
}

// give returns n of user's to the room; g.mu is held.
func (g *gate) give(user string, n int64) {
	g.avail += n
	if g.held[user] -= n; g.held[user] <= 0 {
		delete(g.held, user)
	}
}

// wake grants waiters in order while there is room, passing over those whose user holds its
// share (they wait for their own user, not for room); g.mu is held.
func (g *gate) wake() {
	kept := g.waiters[:0]
	full := false
	for _, w := range g.waiters {
		switch {
		case g.held[w.user]+w.n > g.share:
			kept = append(kept, w)
		case !full && g.avail >= w.n:
			g.avail -= w.n
			g.held[w.user] += w.n
			close(w.ready)
		default:
			full = true // the rest wait behind this one, so that it is not starved
			kept = append(kept, w)
		}
	}
	clear(g.waiters[len(kept):])
	g.waiters = kept
}

// reserveBody takes room for the request's body from the server's budget, before a byte of
// it is read; the room is given back when the request ends. A body announced larger than the
// limit is refused without being read.
func (r *request) reserveBody() error {
	return r.reserveTimes(1)
}

// reserveTimes is reserveBody for a request that holds its body times times at most.
func (r *request) reserveTimes(times int64) error {
	n := r.ContentLength
	switch {
	case n > r.bodyLimit():
		return &http.MaxBytesError{Limit: r.bodyLimit()}
	case n >= 0 && times*n <= smallBody || r.bodies == nil:
		return nil
	case n < 0:
		n = r.bodyLimit() // chunked: it may be as large as the limit
	}
	n *= times
	ctx, cancel := context.WithTimeout(r.Context(), bodyWait)
	defer cancel()
	user := caller(r).UserID
	if err := r.bodies.acquire(ctx, user, n); err != nil {
		switch {
		case r.Context().Err() != nil:
			return errClientGone
		case errors.Is(err, errOverShare):
			return connectorhub.Errorf(connectorhub.ECodeConcurrency, "Your large requests in progress hold %d MiB of request bodies, the most one user may; try again when they are done.", userShare>>20)
		}
		return connectorhub.Errorf(connectorhub.ECodeServerBusy, "The server is busy with other large requests; try again later.")
	}
	r.reserved, r.reservedBy = n, user
	return nil
}

// releaseBody gives back what reserveBody took.
func (r *request) releaseBody() {
	if r.reserved > 0 {
		r.bodies.release(r.reservedBy, r.reserved)
		r.reserved = 0
	}
}

// errClientGone is the error of a request whose client went away: nobody reads the answer,
// and it is not the server's failure.
var errClientGone = errors.New("the client closed the connection")

// readAll reads the body into a buffer sized by Content-Length when it is known, so a large
// body is not copied as the buffer grows.
func readAll(r *request) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1)
	}
	_, err := buf.ReadFrom(r.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, err
		}
		if errors.Is(err, errBodyTooSlow) {
			return nil, err
		}
		// The client stopped sending (a reset, or a body shorter than it announced).
		return nil, errClientGone
	}
	return buf.Bytes(), nil
}

// checkBudget refuses a body beyond the parse budget, with the payload error.
func checkBudget(data []byte) error {
	if err := jsontext.CheckBudget(data, maxBodyValues, maxBodyDepth); err != nil {
		return payloadError(err.Error())
	}
	return nil
}

// The pace a body must keep once it has started: a body whose first bytes are awaited, or
// that pauses, for bodyIdle, or that has arrived slower than bodyRate after its first
// bodyIdle, is cut and answered 408. Its room in the budget is held only while it keeps the
// pace, and a stalled upload does not wait out the read timeout. Variables so that tests can
// shorten them.
var (
	bodyIdle = 15 * time.Second
	bodyRate = int64(32 << 10) // bytes a second, a 256 kbit/s link
)

// errBodyTooSlow is the answer to a body that did not keep the pace.
var errBodyTooSlow = connectorhub.Errorf(connectorhub.ECodePayload, "The request body arrived too slowly: send it at %d KiB a second or more, without a pause of %d seconds, and whole within %d minutes.", bodyRate>>10, int(bodyIdle/time.Second), int(readTimeout/time.Minute))

// pacedBody is a request body read under the pace: each read moves the connection's read
// deadline to where the pace allows, never past the whole request's.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	end   time.Time // the server's read timeout for the whole request
	start time.Time // the first read; zero before it
	n     int64     // bytes read
}

// pace wraps body so that it is read under the pace.
func pace(w http.ResponseWriter, body io.ReadCloser) io.ReadCloser {
	return &pacedBody{ReadCloser: body, rc: http.NewResponseController(w), end: time.Now().Add(readTimeout)}
}

func (b *pacedBody) Read(p []byte) (int, error) {
	now := time.Now()
	if b.start.IsZero() {
		// Counted from the first read, not the request's start: a request may wait for room
		// in the budget before it reads.
		b.start = now
		if b.rc.SetReadDeadline(b.deadline(now)) != nil {
			b.rc = nil // the connection has no deadlines: the server's timeouts apply alone
		}
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if b.rc == nil {
		return n, err
	}
	switch {
	case err == nil:
		now := time.Now()
		d := b.deadline(now)
		if !d.After(now) {
			return n, errBodyTooSlow // behind the pace, though its bytes keep coming
		}
		b.rc.SetReadDeadline(d)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, errBodyTooSlow
	}
	// At the body's end the server clears the deadline itself, as it starts reading in the
	// background to see the client go away.
	return n, err
}

// deadline is when the next byte must have arrived, at now: within bodyIdle, and soon
// enough for the average since the first read to stay at bodyRate after the first bodyIdle.
func (b *pacedBody) deadline(now time.Time) time.Time {
	d := now.Add(bodyIdle)
	if byRate := b.start.Add(bodyIdle + time.Duration(b.n*int64(time.Second)/bodyRate)); byRate.Before(d) {
		d = byRate
	}
	if b.end.Before(d) {
		d = b.end
	}
	return d
}
