package webapi

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// Limits are Dataverse's service protection limits, counted per user on this server instance
// (Dataverse counts per web server), over a sliding window (spec §4).
type Limits struct {
	Window        time.Duration // 300 s
	Requests      int           // requests per window per user: 6000
	ExecutionTime time.Duration // combined execution time per window per user: 20 min
	Concurrent    int           // requests in flight per user: 52
}

// DefaultLimits are Dataverse's defaults.
var DefaultLimits = Limits{Window: 300 * time.Second, Requests: 6000, ExecutionTime: 20 * time.Minute, Concurrent: 52}

// limiter keeps each user's counts in one-second buckets of a sliding window.
type limiter struct {
	limits Limits
	now    func() time.Time

	mu        sync.Mutex
	users     map[string]*usage
	lastSweep int64 // Unix second of the last sweep of idle users
}

type usage struct {
	inFlight int
	buckets  []bucket // ring of Window/1s buckets
}

type bucket struct {
	second   int64 // Unix second the bucket counts, or 0
	requests int
	busy     time.Duration
}

func newLimiter(l Limits) *limiter {
	return &limiter{limits: l, now: time.Now, users: map[string]*usage{}}
}

// totals sums a user's buckets that are still inside the window, and says when the oldest
// counted one leaves it.
func (l *limiter) totals(u *usage, now int64) (requests int, busy time.Duration, oldest int64) {
	window := int64(len(u.buckets))
	oldest = now
	for _, b := range u.buckets {
		if b.second > now-window && b.second != 0 {
			requests += b.requests
			busy += b.busy
			if b.second < oldest {
				oldest = b.second
			}
		}
	}
	return requests, busy, oldest
}

// admission is the limiter's answer to a request.
type admission struct {
	err           error         // the 429 to answer with, or nil when admitted
	retryAfter    time.Duration // how long to wait, when refused
	remaining     int           // requests left in the window, when admitted
	remainingTime time.Duration // execution time left in the window, when admitted
}

// admit counts a request of user, or refuses it with the 429 to answer and how long to wait.
// The caller of an admitted request must call done with its duration once it finishes.
func (l *limiter) admit(user string) admission { return l.count(user, true) }

// count counts a request of user against the limits; one that is in flight of its own also
// takes a concurrency slot (the requests of a $batch run in the batch's).
func (l *limiter) count(user string, inFlight bool) admission {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now().Unix()
	l.sweep(now)
	u := l.users[user]
	if u == nil {
		n := int(l.limits.Window / time.Second)
		if n < 1 {
			n = 1
		}
		u = &usage{buckets: make([]bucket, n)}
		l.users[user] = u
	}
	requests, busy, oldest := l.totals(u, now)
	wait := time.Duration(oldest+int64(len(u.buckets))-now) * time.Second
	switch {
	case inFlight && u.inFlight >= l.limits.Concurrent:
		return admission{retryAfter: time.Second, err: connectorhub.Errorf(connectorhub.ECodeConcurrency, "Number of concurrent requests exceeded the limit of %d.", l.limits.Concurrent)}
	case requests >= l.limits.Requests:
		return admission{retryAfter: wait, err: connectorhub.Errorf(connectorhub.ECodeRequestsExceeded, "Number of requests exceeded the limit of %d over time window of %d seconds.", l.limits.Requests, int(l.limits.Window/time.Second))}
	case busy >= l.limits.ExecutionTime:
		return admission{retryAfter: wait, err: connectorhub.Errorf(connectorhub.ECodeTimeExceeded, "Combined execution time of incoming requests exceeded limit of %d milliseconds over time window of %d seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.",
			l.limits.ExecutionTime.Milliseconds(), int(l.limits.Window/time.Second))}
	}
	b := &u.buckets[now%int64(len(u.buckets))]
	if b.second != now {
		*b = bucket{second: now}
	}
	b.requests++
	if inFlight {
		u.inFlight++
	}
	return admission{remaining: l.limits.Requests - requests - 1, remainingTime: l.limits.ExecutionTime - busy}
}

// sweep forgets, once a window, the users with nothing in flight and nothing counted in the
// window, so that the limiter's memory follows the active users, not every user ever seen.
// l.mu is held.
func (l *limiter) sweep(now int64) {
	window := int64(l.limits.Window / time.Second)
	if now-l.lastSweep < max(window, 1) {
		return
	}
	l.lastSweep = now
	for name, u := range l.users {
		if u.inFlight > 0 {
			continue
		}
		if requests, busy, _ := l.totals(u, now); requests == 0 && busy == 0 {
			delete(l.users, name)
		}
	}
}

// done records a finished request's execution time.
func (l *limiter) done(user string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.users[user]
	u.inFlight--
	now := l.now().Unix()
	b := &u.buckets[now%int64(len(u.buckets))]
	if b.second != now {
		*b = bucket{second: now}
	}
	b.busy += d
}

// limit runs h within the caller's service protection limits.
func (s *Server) limit(w http.ResponseWriter, user string, h func() error) error {
	if s.limiter == nil {
		return h()
	}
	a := s.limiter.admit(user)
	if a.err != nil {
		secs := max(int((a.retryAfter+time.Second-1)/time.Second), 1)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return a.err
	}
	setHeader(w, "x-ms-ratelimit-burst-remaining-xrm-requests", strconv.Itoa(a.remaining))
	setHeader(w, "x-ms-ratelimit-time-remaining-xrm-requests", fmt.Sprintf("%.2f", a.remainingTime.Seconds()))
	start := time.Now()
	defer func() { s.limiter.done(user, time.Since(start)) }()
	return h()
}

// limitAnonymous counts a failed authentication of the request's client address, and refuses
// it with 429 once the address passes AnonymousLimits.
func (s *Server) limitAnonymous(w http.ResponseWriter, r *http.Request) error {
	if s.anonymous == nil {
		return nil
	}
	addr := clientKey(s.clientAddr(r))
	a := s.anonymous.admit(addr)
	if a.err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(max(int((a.retryAfter+time.Second-1)/time.Second), 1)))
		return a.err
	}
	s.anonymous.done(addr, 0)
	return nil
}

// clientKey is what failed authentications are counted by: the client's IPv4 address, or the
// /64 network of an IPv6 one (a single host is commonly given a whole /64, so counting by
// address would let it change addresses at will).
func clientKey(remoteAddr string) string {
	host := remoteAddr
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
