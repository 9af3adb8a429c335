package webapi

import (
	"net/http"
	"net/netip"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newLimiter(Limits{Window: 300 * time.Second, Requests: 3, ExecutionTime: time.Minute, Concurrent: 2})
	l.now = func() time.Time { return now }
	code := func(err error) string { return connectorhub.ErrorCode(err) }

	// Concurrency: two in flight, the third is refused until one finishes.
	if a := l.admit("a"); a.err != nil {
		t.Fatal(a.err)
	}
	if a := l.admit("a"); a.err != nil {
		t.Fatal(a.err)
	}
	if a := l.admit("a"); code(a.err) != connectorhub.ECodeConcurrency {
		t.Fatalf("third concurrent request: got %v", a.err)
	}
	if a := l.admit("b"); a.err != nil {
		t.Fatalf("another user is not limited by the first: %v", a.err)
	}
	l.done("a", time.Second)
	l.done("a", time.Second)

	// Requests: the fourth in the window is refused, with a wait until the oldest leaves it.
	now = now.Add(10 * time.Second)
	if a := l.admit("a"); a.err != nil || a.remaining != 0 {
		t.Fatalf("third request: %v, remaining %d", a.err, a.remaining)
	}
	l.done("a", time.Second)
	if a := l.admit("a"); code(a.err) != connectorhub.ECodeRequestsExceeded || a.retryAfter != 290*time.Second {
		t.Fatalf("fourth request: got %v, retry %v; want %s, 290s", a.err, a.retryAfter, connectorhub.ECodeRequestsExceeded)
	}
	// The window slides: after 300 s the first two requests no longer count.
	now = now.Add(291 * time.Second)
	if a := l.admit("a"); a.err != nil {
		t.Fatalf("after the window slid: %v", a.err)
	}
	l.done("a", 2*time.Minute)

	// Execution time: a user who used more than a minute of it waits.
	if a := l.admit("a"); code(a.err) != connectorhub.ECodeTimeExceeded {
		t.Fatalf("after 2 minutes of execution: got %v, want %s", a.err, connectorhub.ECodeTimeExceeded)
	}
	now = now.Add(301 * time.Second)
	if a := l.admit("a"); a.err != nil {
		t.Fatalf("a window later: %v", a.err)
	}
}

// TestLimiterForgetsIdleUsers: a user with nothing in flight and nothing in the window is
// forgotten, so the limiter's memory does not grow with every user ever seen.
func TestLimiterForgetsIdleUsers(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newLimiter(Limits{Window: 60 * time.Second, Requests: 100, ExecutionTime: time.Minute, Concurrent: 10})
	l.now = func() time.Time { return now }
	for i := range 1000 {
		user := "user" + itoa(i)
		if a := l.admit(user); a.err != nil {
			t.Fatal(a.err)
		}
		l.done(user, time.Millisecond)
	}
	if a := l.admit("busy"); a.err != nil { // still in flight when the window has passed
		t.Fatal(a.err)
	}
	now = now.Add(2 * time.Minute)
	if a := l.admit("late"); a.err != nil {
		t.Fatal(a.err)
	}
	if got := len(l.users); got != 2 {
		t.Errorf("got %d users remembered, want 2 (the one in flight and the new one)", got)
	}
	l.done("busy", time.Millisecond)
	l.done("late", time.Millisecond)
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"}, // the same /64: one key
		{"[::ffff:192.0.2.7]:80", "::ffff:192.0.2.7"},
		{"not-an-address", "not-an-address"},
	} {
		if got := clientKey(tc.addr); got != tc.want {
			t.Errorf("clientKey(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestClientAddr: behind trusted proxies the client is the last X-Forwarded-For hop that is
// not a trusted proxy (what a client writes itself at the front cannot choose it); from
// anyone else the header is ignored.
func TestClientAddr(t *testing.T) {
	s := &Server{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	for _, tc := range []struct{ remote, xff, want string }{
		{"127.0.0.1:5000", "203.0.113.9", "203.0.113.9"},
		{"127.0.0.1:5000", "198.51.100.1, 203.0.113.9, 127.0.0.2", "203.0.113.9"},
		{"192.0.2.7:5000", "203.0.113.9", "192.0.2.7:5000"},
		{"127.0.0.1:5000", "", "127.0.0.1:5000"},
		{"127.0.0.1:5000", "garbage", "127.0.0.1:5000"},
	} {
		r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientAddr(r); got != tc.want {
			t.Errorf("clientAddr(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

// TestBatchAnswerBudget: the answers a batch holds take room from the server's budget of
// large bodies, without waiting; past it, grow says no (the part is answered 503).
func TestBatchAnswerBudget(t *testing.T) {
	s := &Server{bodies: newGate(4<<20, 4<<20)}
	b := &batchRun{s: s}
	if !b.grow(1 << 20) { // held twice: 2 MiB of the 4
		t.Fatal("the first MiB was refused")
	}
	b.used = 1 << 20
	if b.grow(2 << 20) { // 2 × 3 MiB would need 6 MiB
		t.Fatal("an answer beyond the budget was admitted")
	}
	s.bodies.release(b.user, b.held)
	if !s.bodies.tryAcquire(b.user, 4<<20) {
		t.Error("the room was not given back")
	}
}
