package webapi_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/webapi"
)

// headerAuth authenticates as the principal named by the X-Test-User header.
type headerAuth map[string]*connectorhub.Principal

func (h headerAuth) Authenticate(r *http.Request) (*connectorhub.Principal, error) {
	if p := h[r.Header.Get("X-Test-User")]; p != nil {
		return p, nil
	}
	return nil, connectorhub.Errorf(connectorhub.ECodeUnauthenticated, "unknown test user")
}

// TestServiceProtection floods the server as one user and checks that the flood is refused
// with Dataverse's 429 while another user is still served.
func TestServiceProtection(t *testing.T) {
	a := mustOpenAdminDB(t)
	db, p := a.DB, a.Principal
	other := *p
	other.UserID = "00000000-0000-0000-0000-0000000000bb"
	s := &webapi.Server{Addr: "127.0.0.1:0", Connectors: db, Principals: db, Identities: db,
		Auth:   headerAuth{"flooder": p, "other": &other},
		Limits: &webapi.Limits{Window: 300 * time.Second, Requests: 50, ExecutionTime: time.Hour, Concurrent: 4}}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())

	// get may run on other goroutines than the test's: it reports with t.Error, never t.Fatal,
	// and answers a failed request as a 599 the assertions below never accept.
	get := func(user string) *http.Response {
		req, _ := http.NewRequest("GET", s.URL()+"/api/data/v9.2/connectors/$count", nil)
		req.Header.Set("X-Test-User", user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return &http.Response{StatusCode: 599, Header: http.Header{}}
		}
		resp.Body.Close()
		return resp
	}
	// The flood: 8 clients, 200 requests, far beyond 50 per window and 4 at once.
	var mu sync.Mutex
	statuses := map[int]int{}
	var refused *http.Response
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				resp := get("flooder")
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == http.StatusTooManyRequests && refused == nil {
					refused = resp
				}
				mu.Unlock()
			}
		}()
	}
	// Meanwhile the other user is served.
	for i := 0; i < 10; i++ {
		if resp := get("other"); resp.StatusCode != http.StatusOK {
			t.Errorf("the other user's request %d: got %d", i, resp.StatusCode)
		}
	}
	wg.Wait()
	if statuses[http.StatusOK] > 50 || statuses[http.StatusTooManyRequests] < 150 {
		t.Errorf("flood: got %v, want at most 50 served and the rest refused with 429", statuses)
	}
	if refused == nil {
		t.Fatal("no request was refused")
	}
	if secs, err := strconv.Atoi(refused.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 300 {
		t.Errorf("Retry-After: got %q, want seconds", refused.Header.Get("Retry-After"))
	}
	if resp := get("other"); resp.Header.Get("x-ms-ratelimit-burst-remaining-xrm-requests") == "" || resp.Header.Get("x-ms-ratelimit-time-remaining-xrm-requests") == "" {
		t.Errorf("x-ms-ratelimit headers missing: %v", resp.Header)
	}
	// A refused request's body is Dataverse's error with a service protection code.
	req, _ := http.NewRequest("GET", s.URL()+"/api/data/v9.2/connectors/$count", nil)
	req.Header.Set("X-Test-User", "flooder")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := &response{Status: resp.StatusCode}
	r.Body = make([]byte, 4096)
	n, _ := resp.Body.Read(r.Body)
	r.Body = r.Body[:n]
	if code, msg := r.ErrorCode(t); resp.StatusCode != 429 || code != connectorhub.ECodeRequestsExceeded || msg != "Number of requests exceeded the limit of 50 over time window of 300 seconds." {
		t.Errorf("got %d %s %q", resp.StatusCode, code, msg)
	}
}
