package webapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/connectorhub/connectorhub/internal/testserver"
	"github.com/connectorhub/connectorhub/webapi"
)

// mustOpenReplicas starts two servers on one database, each with its own connections, as
// two replicas behind a load balancer: they share nothing but the database.
func mustOpenReplicas(tb testing.TB) (a, b *testServer) {
	tb.Helper()
	a = MustOpenServer(tb)
	logs := &syncBuffer{}
	r := testserver.ReplicaOf(tb, a.DB, func(s *webapi.Server) { s.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	return a, &testServer{Server: r.Server, DB: r.DB, Admin: r.Admin, Logs: logs, Path: r.Path}
}

// TestReplicasShareOnlyTheDatabase: a page link, a delta link and an ETag from one replica
// work on the other, and two replicas given the same If-Match on one record answer exactly one
// success and one 412, every time.
func TestReplicasShareOnlyTheDatabase(t *testing.T) {
	a, b := mustOpenReplicas(t)
	for i := 1; i <= 5; i++ {
		if r := a.do(t, "POST", connectorsPath, body(i, nil)); r.Status != http.StatusNoContent {
			t.Fatalf("create on a: %d %s", r.Status, r.Body)
		}
	}

	t.Run("NextLinkFromTheOther", func(t *testing.T) {
		r := a.do(t, "GET", connectorsPath+"?$select=name&$orderby=name", "", "Prefer: odata.maxpagesize=2")
		next, _ := r.JSON(t)["@odata.nextLink"].(string)
		if next == "" {
			t.Fatalf("no nextLink: %s", r.Body)
		}
		var names []string
		for next != "" {
			r = b.do(t, "GET", strings.TrimPrefix(next, a.URL()), "", "Prefer: odata.maxpagesize=2")
			if r.Status != http.StatusOK {
				t.Fatalf("b follows a's link: %d %s", r.Status, r.Body)
			}
			page := r.JSON(t)
			for _, v := range page["value"].([]any) {
				names = append(names, v.(map[string]any)["name"].(string))
			}
			next, _ = page["@odata.nextLink"].(string)
			next = strings.Replace(next, b.URL(), a.URL(), 1)
		}
		if len(names) != 3 {
			t.Errorf("b read %v after a's first page, want the 3 others", names)
		}
	})

	t.Run("DeltaLinkFromTheOther", func(t *testing.T) {
		r := a.do(t, "GET", connectorsPath+"?$select=name", "", "Prefer: odata.track-changes")
		link, _ := r.JSON(t)["@odata.deltaLink"].(string)
		if link == "" {
			t.Fatalf("no deltaLink: %s", r.Body)
		}
		if r := b.do(t, "PATCH", connectorPath(3), `{"description":"changed on b"}`); r.Status != http.StatusNoContent {
			t.Fatalf("patch on b: %d %s", r.Status, r.Body)
		}
		r = b.do(t, "GET", strings.TrimPrefix(link, a.URL()), "")
		if r.Status != http.StatusOK {
			t.Fatalf("b follows a's delta link: %d %s", r.Status, r.Body)
		}
		got := values(t, r)
		if len(got) != 1 || !strings.HasSuffix(fmt.Sprint(got[0]["connectorid"]), "000000000003") {
			t.Errorf("delta on b: %v, want connector 3 alone", got)
		}
	})

	t.Run("IfMatchRace", func(t *testing.T) {
		for round := 0; round < 20; round++ {
			r := a.do(t, "GET", connectorPath(1)+"?$select=name", "")
			etag := r.Header.Get("ETag")
			if etag == "" {
				t.Fatalf("no ETag: %v", r.Header)
			}
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i, s := range []*testServer{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = patchIfMatch(t, s, connectorPath(1), fmt.Sprintf(`{"description":"round %d by %d"}`, round, i), etag)
				}()
			}
			wg.Wait()
			ok, failed := 0, 0
			for _, st := range statuses {
				switch st {
				case http.StatusNoContent:
					ok++
				case http.StatusPreconditionFailed:
					failed++
				}
			}
			if ok != 1 || failed != 1 {
				t.Fatalf("round %d: statuses %v, want one 204 and one 412", round, statuses)
			}
		}
	})
}

// patchIfMatch sends a PATCH with If-Match from a goroutine (no Fatal there) and returns its
// status, or 0 when it could not be sent.
func patchIfMatch(tb testing.TB, s *testServer, path, body, etag string) int {
	req, err := http.NewRequest("PATCH", s.URL()+path, strings.NewReader(body))
	if err != nil {
		tb.Error(err)
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
