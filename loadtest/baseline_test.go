package loadtest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestBaseline(t *testing.T) {
	b, err := StartBaseline()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tg, err := NewTarget(b.URL(), "", 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{0, 5, 20, 21, 100000, 300000} {
		st := Run(context.Background(), tg, BaselineScenario("x", 2, 10, size), nil, nil, RunConfig{Connections: 2, Duration: time.Minute, MaxRequests: 4})
		want := size
		if size > 0 {
			want = max(size, 20) // the bare document
		}
		if st.Errors != 0 || st.Requests != 4 || st.Exchanges != 8 || st.RespBytes != 8*want || st.ReqBytes != 80 {
			t.Errorf("size %d: requests %d, exchanges %d, bytes %d sent, %d answered, errors %d (%s); want 4, 8, 80, %d, 0",
				size, st.Requests, st.Exchanges, st.ReqBytes, st.RespBytes, st.Errors, st.FirstError, 8*want)
		}
		if size >= 20 && st.Records != 8 {
			t.Errorf("size %d: %d records read, want 8: the generator reads a baseline body as a page", size, st.Records)
		}
	}
}

func TestTargetFollowsNoForeignLink(t *testing.T) {
	f := newFakeServer(t)
	tg := mustTarget(t, f, 1)
	ex := tg.do(context.Background(), "GET", "http://elsewhere.example/api/data/v9.2/connectors", nil, nil)
	if ex.err == nil || !strings.Contains(ex.err.Error(), "not followed") || len(f.take()) != 0 {
		t.Errorf("a link to another origin: %v; want it refused before any request", ex.err)
	}
	if _, err := NewTarget("ftp://x", "", 1, 0); err == nil {
		t.Error("NewTarget(ftp://x): no error")
	}
	tg, err := NewTarget("https://org.crm.dynamics.com/api/data/v9.1/", "", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.URL(); got != "https://org.crm.dynamics.com/api/data/v9.1" {
		t.Errorf("NewTarget with the API path: URL() = %s, want https://org.crm.dynamics.com/api/data/v9.1", got)
	}
}
