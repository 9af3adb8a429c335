package webapi

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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

// bodyBudget is how many bytes of large bodies the server holds at once (four bodies of the
// maximum size); bodyWait is how long a request waits for room before it is refused.
const (
	bodyBudget = 4 * MaxBodyBytes
	bodyWait   = 30 * time.Second
)

// gate is a weighted semaphore served first come, first served: a large request is not
// starved by a stream of small ones.
type gate struct {
	mu      sync.Mutex
	avail   int64
	waiters []*waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newGate(n int64) *gate { return &gate{avail: n} }

// acquire takes n, waiting until there is room or ctx ends.
func (g *gate) acquire(ctx context.Context, n int64) error {
	g.mu.Lock()
	if len(g.waiters) == 0 && g.avail >= n {
		g.avail -= n
		g.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	g.waiters = append(g.waiters, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		select {
		case <-w.ready:
			g.avail += n // granted meanwhile: give it back
		default:
			for i, o := range g.waiters {
				if o == w {
					g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
					break
				}
			}
		}
		g.wake()
		g.mu.Unlock()
		return ctx.Err()
	}
}

// tryAcquire takes n if there is room now, without waiting.
func (g *gate) tryAcquire(n int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiters) == 0 && g.avail >= n {
		g.avail -= n
		return true
	}
	return false
}

// release gives back n.
func (g *gate) release(n int64) {
	g.mu.Lock()
	g.avail += n
	g.wake()
	g.mu.Unlock()
}

// wake grants waiters in order while there is room; g.mu is held.
func (g *gate) wake() {
	for len(g.waiters) > 0 && g.avail >= g.waiters[0].n {
		w := g.waiters[0]
		g.avail -= w.n
		close(w.ready)
		g.waiters = g.waiters[1:]
	}
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
	if err := r.bodies.acquire(ctx, n); err != nil {
		if r.Context().Err() != nil {
			return errClientGone
		}
		return connectorhub.Errorf(connectorhub.ECodeServerBusy, "The server is busy with other large requests; try again later.")
	}
	r.reserved = n
	return nil
}

// releaseBody gives back what reserveBody took.
func (r *request) releaseBody() {
	if r.reserved > 0 {
		r.bodies.release(r.reserved)
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
