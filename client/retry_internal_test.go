package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestCancelDuringRetryWait checks that cancelling the context while the client waits out a
// Retry-After ends the call at once with ctx.Err(): the wait is the real one, an hour long,
// so a wait that ignored the context would hang the test.
func TestCancelDuringRetryWait(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, err := New(srv.URL, WithRetry(5, 2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		waited = d
		cancel() // as if the caller gave up while the client waits
		return sleepContext(ctx, d)
	}
	_, err = c.Do(ctx, http.MethodGet, "connectors", nil, nil, nil)
	if !errors.Is(err, context.Canceled) || err != ctx.Err() {
		t.Errorf("got %v, want ctx.Err()", err)
	}
	if waited != time.Hour || requests.Load() != 1 {
		t.Errorf("waited %v after %d requests, want 1h after 1", waited, requests.Load())
	}
}

func TestSleepContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
	if err := sleepContext(context.Background(), 0); err != nil {
		t.Errorf("zero wait: got %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"99999999999999", 24 * time.Hour, true},
		{"Sat, 28 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Sat, 28 Nov 2026 09:00:00 GMT", 0, true},
		{"soon", 0, false},
	} {
		got, ok := retryAfter(http.Header{"Retry-After": {tt.value}}, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Retry-After %q: got %v %v, want %v %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEscapeQueryValue(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"name eq 'O''Brien'", "name%20eq%20'O''Brien'"},
		{"a&b=c+d#e%f;g?h", "a%26b=c%2Bd%23e%25f%3Bg%3Fh"},
		{"ownerid($select=fullname)", "ownerid($select=fullname)"},
		{"é\n\"<>", "%C3%A9%0A%22%3C%3E"},
		{"x/y:z,@*!~-_.", "x/y:z,@*!~-_."},
	} {
		if got := escapeQueryValue(tt.in); got != tt.want {
			t.Errorf("escapeQueryValue(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
