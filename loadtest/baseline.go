package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Baseline is a bare net/http server on loopback that answers every request with a fixed
// JSON body of the size the request asks for (?size=N; 0 answers 204), after reading and
// discarding the request's body. Driven like the Web API, it measures what the machine's
// HTTP stack alone allows: "the machine's HTTP limit".
type Baseline struct {
	srv *http.Server
	url string
}

// chunk is the padding the baseline writes its bodies from.
var chunk = []byte(strings.Repeat("x", 64<<10))

// maxBaselineBody bounds the size of a baseline answer.
const maxBaselineBody = 1 << 40

// StartBaseline starts a baseline server on 127.0.0.1 on a free port.
func StartBaseline() (*Baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("baseline server: %w", err)
	}
	b := &Baseline{url: "http://" + ln.Addr().String()}
	b.srv = &http.Server{Handler: http.HandlerFunc(serveBaseline), ReadHeaderTimeout: 10 * time.Second}
	go b.srv.Serve(ln)
	return b, nil
}

// URL returns the server's root, e.g. http://127.0.0.1:41234.
func (b *Baseline) URL() string { return b.url }

// Close stops the server.
func (b *Baseline) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveBaseline writes {"value":[{"p":"xxx…"}]} of exactly the asked size (at least 20 bytes:
// smaller sizes get the bare document), so that the generator reads it as it reads a page.
func serveBaseline(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	size, err := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
	if err != nil || size < 0 || size > maxBaselineBody {
		http.Error(w, "size", http.StatusBadRequest)
		return
	}
	if size == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	const head, tail = `{"value":[{"p":"`, `"}]}`
	pad := max(size-int64(len(head)+len(tail)), 0)
	h := w.Header()
	h.Set("Content-Type", "application/json; odata.metadata=minimal")
	h.Set("Content-Length", strconv.FormatInt(pad+int64(len(head)+len(tail)), 10))
	io.WriteString(w, head)
	for pad > 0 {
		n := min(pad, int64(len(chunk)))
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		pad -= n
	}
	io.WriteString(w, tail)
}

// BaselineScenario is a request shaped like the average request of a scenario: exchanges
// HTTP exchanges, each sending reqBytes (a POST when not 0, else a GET) and answered with
// respBytes.
func BaselineScenario(name string, exchanges int, reqBytes, respBytes int64) *Scenario {
	exchanges = max(exchanges, 1)
	var body []byte
	method := http.MethodGet
	if reqBytes > 0 {
		body = []byte(strings.Repeat("x", int(reqBytes)))
		method = http.MethodPost
	}
	path := "/baseline?size=" + strconv.FormatInt(respBytes, 10)
	return &Scenario{Name: name, Description: "baseline of " + name,
		request: func(ctx context.Context, w *worker) outcome {
			var o outcome
			for range exchanges {
				ex := w.target.do(ctx, method, w.target.root+path, body, nil)
				o.add(ex)
				if ex.err != nil {
					break
				}
			}
			return o
		}}
}
