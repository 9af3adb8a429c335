package client_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/client"
)

// sleeps records the waits a client asks for, without waiting.
type sleeps struct{ waits []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func TestRetries(t *testing.T) {
	ok := reply{Status: 200, Body: `{"value":[]}`}
	throttled := func(after string) reply {
		h := map[string]string{}
		if after != "" {
			h["Retry-After"] = after
		}
		return reply{Status: 429, Header: h, Body: `{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}`}
	}
	busy := reply{Status: 503, Header: map[string]string{"Retry-After": "1"}, Body: `{"error":{"code":"0x8004a002","message":"busy"}}`}
	reset := reply{Reset: true}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name     string
		opts     []client.Option
		method   string
		header   http.Header
		replies  []reply
		requests int
		waits    []time.Duration
		status   int // of the *client.Error returned; 0: success; -1: another error
	}{
		{name: "429ThenOK", method: "GET", replies: []reply{throttled("1"), ok}, requests: 2, waits: []time.Duration{time.Second}},
		{name: "RetryAfterDate", method: "GET", opts: []client.Option{client.WithClock(func() time.Time { return now })},
			replies: []reply{throttled(now.Add(30 * time.Second).Format(http.TimeFormat)), ok}, requests: 2, waits: []time.Duration{30 * time.Second}},
		{name: "RetryAfterPastDate", method: "GET", opts: []client.Option{client.WithClock(func() time.Time { return now })},
			replies: []reply{throttled(now.Add(-time.Hour).Format(http.TimeFormat)), ok}, requests: 2, waits: nil},
		{name: "NoRetryAfterBacksOff", method: "GET", replies: []reply{throttled(""), throttled(""), throttled(""), ok}, requests: 4,
			waits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "503BeyondAttempts", method: "GET", replies: []reply{busy}, requests: 5,
			waits: []time.Duration{time.Second, time.Second, time.Second, time.Second}, status: 503},
		{name: "503FewerAttempts", method: "GET", opts: []client.Option{client.WithRetry(2, time.Minute)}, replies: []reply{busy}, requests: 2,
			waits: []time.Duration{time.Second}, status: 503},
		{name: "NoRetry", method: "GET", opts: []client.Option{client.WithRetry(1, time.Minute)}, replies: []reply{busy, ok}, requests: 1, status: 503},
		{name: "BeyondMaxWait", method: "GET", replies: []reply{throttled("100")}, requests: 2, waits: []time.Duration{100 * time.Second}, status: 429},
		{name: "RetryAfterAboveMaxWait", method: "GET", opts: []client.Option{client.WithRetry(5, 10*time.Second)}, replies: []reply{throttled("11"), ok}, requests: 1, status: 429},
		{name: "POST429IsRetried", method: "POST", replies: []reply{throttled("2"), {Status: 204}}, requests: 2, waits: []time.Duration{2 * time.Second}},
		{name: "400IsNotRetried", method: "GET", replies: []reply{{Status: 400, Body: `{"error":{"code":"0x80060888","message":"bad"}}`}, ok}, requests: 1, status: 400},
		{name: "500IsNotRetried", method: "GET", replies: []reply{{Status: 500, Body: `{"error":{"code":"0x80040216","message":"x"}}`}, ok}, requests: 1, status: 500},
		{name: "POSTResetIsNotRetried", method: "POST", replies: []reply{reset, {Status: 204}}, requests: 1, status: -1},
		{name: "UpsertResetIsNotRetried", method: "PATCH", replies: []reply{reset, {Status: 204}}, requests: 1, status: -1},
		{name: "GETResetIsRetried", method: "GET", replies: []reply{reset, ok}, requests: 2, waits: []time.Duration{time.Second}},
		{name: "DELETEResetIsRetried", method: "DELETE", replies: []reply{reset, reset, {Status: 204}}, requests: 3, waits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "PATCHIfMatchResetIsRetried", method: "PATCH", header: http.Header{"If-Match": {"*"}}, replies: []reply{reset, {Status: 204}}, requests: 2,
			waits: []time.Duration{time.Second}},
		{name: "PATCHLowerCaseIfMatchIsRetried", method: "PATCH", header: http.Header{"if-match": {`W/"1"`}}, replies: []reply{reset, {Status: 204}}, requests: 2,
			waits: []time.Duration{time.Second}},
		{name: "ResetBeyondAttempts", method: "GET", opts: []client.Option{client.WithRetry(3, time.Minute)}, replies: []reply{reset}, requests: 3,
			waits: []time.Duration{time.Second, 2 * time.Second}, status: -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := MustRecord(t, tt.replies...)
			s := &sleeps{}
			c := MustNew(t, rec.srv.URL, append([]client.Option{client.WithSleep(s.sleep)}, tt.opts...)...)
			var body any
			if tt.method == "POST" || tt.method == "PATCH" {
				body = map[string]string{"name": "x"}
			}
			_, err := c.Do(context.Background(), tt.method, "connectors", body, nil, tt.header)
			var ce *client.Error
			switch {
			case tt.status == 0 && err != nil:
				t.Errorf("got %v, want success", err)
			case tt.status > 0 && (!errors.As(err, &ce) || ce.Status != tt.status):
				t.Errorf("got %v, want a *client.Error %d", err, tt.status)
			case tt.status < 0 && (err == nil || errors.As(err, &ce)):
				t.Errorf("got %v, want a connection error", err)
			}
			reqs := rec.Requests()
			if len(reqs) != tt.requests {
				t.Errorf("got %d requests, want %d", len(reqs), tt.requests)
			}
			for i, r := range reqs {
				// The body is sent again, whole, with every attempt.
				if body != nil && r.Body != `{"name":"x"}` {
					t.Errorf("request %d: body %q", i, r.Body)
				}
			}
			if !slices.Equal(s.waits, tt.waits) {
				t.Errorf("waits: got %v, want %v", s.waits, tt.waits)
			}
		})
	}
}

// TestRetrySleepError checks that an error of the wait (a cancelled context) ends the call with it.
func TestRetrySleepError(t *testing.T) {
	rec := MustRecord(t, reply{Status: 429, Header: map[string]string{"Retry-After": "5"}}, reply{Status: 200, Body: `{}`})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := MustNew(t, rec.srv.URL, client.WithSleep(func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}))
	if _, err := c.Do(ctx, "GET", "connectors", nil, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if n := len(rec.Requests()); n != 1 {
		t.Errorf("got %d requests, want 1", n)
	}
}

// TestTokenPerAttempt checks that the token source is asked again for every attempt.
func TestTokenPerAttempt(t *testing.T) {
	rec := MustRecord(t, reply{Status: 503, Header: map[string]string{"Retry-After": "1"}}, reply{Status: 200, Body: `{}`})
	n := 0
	tokens := tokenFunc(func(context.Context) (string, error) { n++; return "t" + string(rune('0'+n)), nil })
	c := MustNew(t, rec.srv.URL, client.WithTokenSource(tokens), client.WithSleep((&sleeps{}).sleep))
	if _, err := c.Do(context.Background(), "GET", "WhoAmI", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rec.Requests() {
		got = append(got, r.Header.Get("Authorization"))
	}
	if !slices.Equal(got, []string{"Bearer t1", "Bearer t2"}) {
		t.Errorf("got %q", got)
	}
}

// tokenFunc is a TokenSource made of a function.
type tokenFunc func(context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }
