package webapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/webapi"
)

// TestLongFilter: long but ordinary filters are answered; one beyond the bound of values is a
// clear 400, never a 500 from the database's expression-depth or parameter limits.
func TestLongFilter(t *testing.T) {
	s := MustOpenServer(t)
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(7, nil)); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	ors := func(n int) string {
		terms := make([]string, n)
		for i := range terms {
			terms[i] = fmt.Sprintf("name eq 'cr736_c%d'", i)
		}
		return strings.Join(terms, " or ")
	}
	in := func(n int) string {
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fmt.Sprintf("'%08d-0000-0000-0000-000000000007'", i)
		}
		return "Microsoft.Dynamics.CRM.In(PropertyName='connectorid',PropertyValues=[" + strings.Join(vals, ",") + "])"
	}
	for _, tc := range []struct {
		name   string
		filter string
		status int
		rows   int
	}{
		{"500Or", ors(500), 200, 1},
		{"2000Or", ors(2000), 200, 1},
		{"500And", strings.Repeat("displayname ne 'x' and ", 499) + "name eq 'cr736_c7'", 200, 1},
		{"In1000", in(1000), 200, 1},
		{"NotIn1000", "not " + in(1000), 200, 0},
		// 12,000 values in a URL under 32 KB: one alias of 1,000 short values, referenced 12 times.
		{"In12000", strings.TrimSuffix(strings.Repeat("Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=@p) or ", 12), " or ") +
			"&@p=[" + strings.TrimSuffix(strings.Repeat("'a',", 1000), ",") + "]", 400, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A URL is at most 32 KB, as in Dataverse; a longer query goes in a $batch, as there.
			filter, aliases, _ := strings.Cut(tc.filter, "&")
			target := "connectors?$select=name&$filter=" + url.QueryEscape(filter)
			if aliases != "" {
				target += "&" + aliases
			}
			var r *response
			if len(target) < 32<<10-100 {
				r = s.do(t, "GET", "/api/data/v9.2/"+target, "")
			} else {
				b := s.sendBatch(t, batchOf(op("GET", "connectors?$select=name&$filter="+filter, "")))
				if len(b.Parts) != 1 {
					t.Fatalf("%d parts: %.300s", len(b.Parts), b.Body)
				}
				r = &response{Status: b.Parts[0].Status, Header: b.Parts[0].Header, Body: []byte(b.Parts[0].Body)}
			}
			if r.Status != tc.status {
				t.Fatalf("got %d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.status == 400 {
				if code, _ := r.ErrorCode(t); code != connectorhub.ECodeQuery {
					t.Errorf("got code %s, want %s", code, connectorhub.ECodeQuery)
				}
				return
			}
			if got := len(values(t, r)); got != tc.rows {
				t.Errorf("got %d rows, want %d", got, tc.rows)
			}
		})
	}
}

// TestBodyBudget: hostile JSON shapes are refused before a tree is built for them.
func TestBodyBudget(t *testing.T) {
	s := MustOpenServer(t)
	for _, tc := range []struct {
		name string
		body string
	}{
		{"ManySmallValues", `{"description": [` + strings.Repeat("0,", 1<<20) + `0]}`},
		{"ManyMembers", `{` + strings.Repeat(`"a":1,`, 20_000) + `"b":2}`},
		{"Deep", `{"description": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, "POST", "/api/data/v9.2/connectors", tc.body)
			if code, _ := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodePayload {
				t.Errorf("got %d %s, want 400 %s: %.200s", r.Status, code, connectorhub.ECodePayload, r.Body)
			}
		})
	}
}

// TestBodyLimitFitsLargestConnector: the largest legitimate connector (a definition of
// 1,000,000 characters and every other text column at its limit), encoded by Go's JSON
// encoder (which escapes <, > and &), fits the body limit and is stored.
func TestBodyLimitFitsLargestConnector(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 5 MB")
	}
	s := MustOpenServer(t)
	b := largestConnector(1)
	if len(b) > webapi.MaxBodyBytes {
		t.Fatalf("the body is %d bytes, over the limit of %d", len(b), webapi.MaxBodyBytes)
	}
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", b); r.Status != 204 {
		t.Fatalf("create (%d bytes): %d %.300s", len(b), r.Status, r.Body)
	}
	t.Logf("the largest connector is a %d-byte body (limit %d)", len(b), webapi.MaxBodyBytes)
}

// largestConnector is the create body of the largest legitimate connector, numbered n: a
// definition of 1,000,000 characters and every other text column at its limit, as Go's
// JSON encoder writes it (escaping <, > and &).
func largestConnector(n int) string {
	pad := func(n int) string {
		// JSON string content that escapes heavily when the text is sent as a JSON string:
		// quotes, backslashes and the characters Go's encoder writes as \u003c and so on.
		const unit = `<a href=\"x\">&amp;</a>\n`
		p := []byte(strings.Repeat(unit, n/len(unit)+1)[:n])
		if p[n-1] == '\\' {
			p[n-1] = 'x' // do not cut an escape in two
		}
		return string(p)
	}
	wrap := func(prefix, suffix string, n int) string {
		return prefix + pad(n-len(prefix)-len(suffix)) + suffix
	}
	def := wrap(`{"swagger":"2.0","info":{"title":"t","version":"1","description":"`,
		`"},"host":"example.com","basePath":"/","schemes":["https"],"paths":{}}`, 1_000_000)
	return body(n, map[string]any{
		"openapidefinition":       def,
		"description":             strings.Repeat("d", 1000),
		"connectionparameters":    wrap(`{"p":{"type":"string","uiDefinition":{"description":"`, `"}}}`, 500_000),
		"connectionparametersets": wrap(`{"values":[{"name":"s","parameters":{"p":{"type":"string","uiDefinition":{"description":"`, `"}}}}]}`, 500_000),
		"policytemplateinstances": "[" + strings.Repeat(" ", 499_998) + "]",
		"scriptoperations":        "[" + strings.Repeat(" ", 499_998) + "]",
		"customcodeblobcontent":   strings.Repeat("QUJD", 125_000),
	})
}

// TestBodyTooLargeUnread: a body announced beyond the limit is refused before it is read.
func TestBodyTooLargeUnread(t *testing.T) {
	s := MustOpenServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/data/v9.2/connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", webapi.MaxBodyBytes+1)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer without the body: %v", err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d, want 413", resp.StatusCode)
	}
}

// TestPrivilegeBeforeBody: a caller who may not create connectors gets its 403 without the
// server reading (or validating) the body: the request is answered while the body is still
// being sent.
func TestPrivilegeBeforeBody(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("reader") // no role: no privilege at all
	for _, method := range []string{"POST", "PATCH"} {
		t.Run(method, func(t *testing.T) {
			path := "/api/data/v9.2/connectors"
			if method == "PATCH" {
				path += "(00000000-0000-0000-0000-000000000001)"
			}
			conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Announce a large body and send only its first byte.
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nX-Test-User: reader\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", method, path, 4<<20)
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer before the body: %v", err)
			}
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("got %d, want 403", resp.StatusCode)
			}
		})
	}
}

// TestIfMatchAuthorizationFirst: an If-Match on a record the caller may not write is a 403
// whatever the version, so the answer tells nothing of the record's version.
func TestIfMatchAuthorizationFirst(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", connectorhub.RoleBasicUser)
	const one = "/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)"
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil), "X-Test-User: admin"); r.Status != 204 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	etag := s.do(t, "GET", one, "", "X-Test-User: admin").Header.Get("ETag")
	for _, tag := range []string{etag, `W/"999999"`} {
		r := s.do(t, "PATCH", one, `{"description":"x"}`, "X-Test-User: maker", "If-Match: "+tag)
		if r.Status != http.StatusForbidden {
			t.Errorf("If-Match %s: got %d, want 403", tag, r.Status)
		}
	}
}

// TestSlowReadersDoNotFreezeTheServer: clients that ask for large lists and never read the
// answer hold no database connection, so another user is still served promptly.
func TestSlowReadersDoNotFreezeTheServer(t *testing.T) {
	s, addUser := MustOpenMultiUserServer(t)
	addUser("other", connectorhub.RoleSystemAdministrator)
	// 300 connectors of ~40 KB: a page of ~12 MB, more than the kernel's socket buffers hold.
	def := `{"swagger":"2.0","info":{"title":"t","version":"1","description":"` + strings.Repeat("x", 40_000) + `"},"paths":{}}`
	for i := range 300 {
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i+1, map[string]any{"openapidefinition": def}), "X-Test-User: admin"); r.Status != 204 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	const slow = 12 // more than the 8 connections of the read pool
	var conns []net.Conn
	for range slow {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096) // read nothing, and take little
		}
		fmt.Fprintf(conn, "GET /api/data/v9.2/connectors HTTP/1.1\r\nHost: x\r\nX-Test-User: admin\r\n\r\n")
		conns = append(conns, conn)
	}
	time.Sleep(time.Second) // let the slow requests fill their buffers and block
	client := &http.Client{Timeout: 15 * time.Second}
	for _, path := range []string{
		"/api/data/v9.2/connectors?$top=1&$select=name",
		"/api/data/v9.2/connectors(00000000-0000-0000-0000-000000000001)?$select=name",
		"/api/data/v9.2/WhoAmI",
	} {
		req, _ := http.NewRequest("GET", s.URL()+path, nil)
		req.Header.Set("X-Test-User", "other")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s while %d clients do not read: %v", path, slow, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: got %d", path, resp.StatusCode)
		}
	}
}

// TestInFlightCap: beyond the server-wide cap of requests in flight, a request is answered
// 503 at once with Retry-After, and served again once the others end.
func TestInFlightCap(t *testing.T) {
	a := mustOpenAdminDB(t)
	db, p := a.DB, a.Principal
	release := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(2)
	auth := blockingAuth{p: p, release: release, entered: &entered}
	s := &webapi.Server{Addr: "127.0.0.1:0", Connectors: db, Principals: db, Sharing: db, Identities: db, Auth: auth, MaxInFlight: 2}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", s.URL()+"/api/data/v9.2/WhoAmI", nil)
			req.Header.Set("X-Block", "1")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	entered.Wait()
	resp, err := http.Get(s.URL() + "/api/data/v9.2/WhoAmI")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request: got %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	resp, err = http.Get(s.URL() + "/api/data/v9.2/WhoAmI")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the others ended: got %d, want 200", resp.StatusCode)
	}
}

// blockingAuth authenticates as p; requests with X-Block wait for release.
type blockingAuth struct {
	p       *connectorhub.Principal
	release chan struct{}
	entered *sync.WaitGroup
}

func (a blockingAuth) Authenticate(r *http.Request) (*connectorhub.Principal, error) {
	if r.Header.Get("X-Block") != "" {
		a.entered.Done()
		<-a.release
	}
	return a.p, nil
}

// TestAnonymousFloodIsLimited: failed authentications of one address are refused with 429
// once they pass the anonymous limits, and are no longer logged one by one.
func TestAnonymousFloodIsLimited(t *testing.T) {
	s, _ := MustOpenMultiUserServer(t)
	s.Server.Close(context.Background())
	logs := &syncBuffer{}
	srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Auth: s.Server.Auth, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	s.Server = srv
	limit := webapi.AnonymousLimits.Requests
	statuses := map[int]int{}
	for range limit + 30 {
		r := s.do(t, "GET", "/api/data/v9.2/connectors", "", "X-Test-User: nobody")
		statuses[r.Status]++
	}
	if statuses[401] != limit || statuses[429] != 30 {
		t.Errorf("got %v, want %d × 401 then 30 × 429", statuses, limit)
	}
	if n := strings.Count(logs.String(), "status=401"); n != limit {
		t.Errorf("got %d log lines of 401, want %d", n, limit)
	}
	if n := strings.Count(logs.String(), "status=429"); n != 0 {
		t.Errorf("got %d log lines of refused anonymous requests, want none", n)
	}
	// A user with a valid token from the same address is still served.
	if r := s.do(t, "GET", "/api/data/v9.2/WhoAmI", "", "X-Test-User: admin"); r.Status != 200 {
		t.Errorf("a valid caller from the same address: got %d", r.Status)
	}
}

// TestAbortedUploadIsNotAServerError: a client that stops sending its body mid-way is logged
// as a client abort (499), not as a 500.
func TestAbortedUploadIsNotAServerError(t *testing.T) {
	s := MustOpenServer(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/data/v9.2/connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"name\": \"")
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Logs.String(), "status=499") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logs := s.Logs.String()
	if !strings.Contains(logs, "status=499") || strings.Contains(logs, "level=ERROR") {
		t.Errorf("the aborted upload was not logged as a client abort:\n%s", logs)
	}
}

// TestPublicURL: with a public URL configured, absolute URLs use it whatever Host the
// request names.
func TestPublicURL(t *testing.T) {
	s := MustOpenServer(t)
	s.Server.Close(context.Background())
	srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Auth: s.Server.Auth, PublicURL: "https://connectors.example.com/"}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	s.Server = srv
	for i := range 2 {
		req, _ := http.NewRequest("POST", s.URL()+"/api/data/v9.2/connectors", strings.NewReader(body(i+1, nil)))
		req.Host = "evil.example.com"
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("OData-EntityId"); !strings.HasPrefix(got, "https://connectors.example.com/api/data/v9.2/connectors(") {
			t.Errorf("OData-EntityId = %q, want the public URL", got)
		}
	}
	r := s.do(t, "GET", "/api/data/v9.2/connectors?$select=name", "", "Prefer: odata.maxpagesize=1")
	if link, _ := r.JSON(t)["@odata.nextLink"].(string); !strings.HasPrefix(link, "https://connectors.example.com/api/data/v9.2/connectors?") {
		t.Errorf("@odata.nextLink = %q, want the public URL", link)
	}
	bad := &webapi.Server{Addr: "127.0.0.1:0", PublicURL: "connectors.example.com/path"}
	if err := bad.Open(); err == nil {
		bad.Close(context.Background())
		t.Error("a public URL without a scheme was accepted")
	}
}

// TestDatabaseFilesPrivate: the database files are created readable by their owner only, even
// in a directory that already exists with looser permissions.
func TestDatabaseFilesPrivate(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	path := filepath.Join(dir, "connectorhub.db")
	db := sqlite.NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s: mode %v, want no access for group and others", filepath.Base(f), perm)
		}
	}
}

// TestBatchedPageIsExact: a page larger than one read batch (the store is read in batches of
// 1 MiB, continuing after the last row read) holds every row once, in order, for orderings
// with ties and through a lookup.
func TestBatchedPageIsExact(t *testing.T) {
	s := MustOpenServer(t)
	def := `{"swagger":"2.0","info":{"title":"t","version":"1","description":"` + strings.Repeat("x", 60_000) + `"},"paths":{}}`
	const n = 60 // ~3.6 MB of full records: four batches
	for i := range n {
		extra := map[string]any{"openapidefinition": def, "displayname": fmt.Sprintf("Group %d", i%4)}
		if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(i+1, extra)); r.Status != 204 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	for _, orderBy := range []string{"", "displayname", "displayname desc", "ownerid/fullname,displayname desc", "modifiedon desc"} {
		t.Run(orderBy, func(t *testing.T) {
			path := "/api/data/v9.2/connectors"
			if orderBy != "" {
				path += "?$orderby=" + url.QueryEscape(orderBy)
			}
			r := s.do(t, "GET", path, "")
			if r.Status != 200 {
				t.Fatalf("got %d: %.300s", r.Status, r.Body)
			}
			recs := values(t, r)
			seen := map[string]bool{}
			prev := ""
			for _, rec := range recs {
				id := rec["connectorid"].(string)
				if seen[id] {
					t.Fatalf("%s twice", id)
				}
				seen[id] = true
				if strings.HasPrefix(orderBy, "displayname") {
					dn := rec["displayname"].(string)
					if prev != "" && (orderBy == "displayname" && dn < prev || orderBy == "displayname desc" && dn > prev) {
						t.Fatalf("out of order: %q after %q", dn, prev)
					}
					prev = dn
				}
			}
			if len(recs) != n {
				t.Errorf("got %d rows, want %d", len(recs), n)
			}
		})
	}
	t.Run("Pages", func(t *testing.T) {
		seen := map[string]bool{}
		link := s.URL() + "/api/data/v9.2/connectors?$orderby=displayname"
		for pages := 0; link != ""; pages++ {
			if pages > 10 {
				t.Fatal("too many pages")
			}
			r := s.do(t, "GET", strings.TrimPrefix(link, s.URL()), "", "Prefer: odata.maxpagesize=25")
			for _, rec := range values(t, r) {
				id := rec["connectorid"].(string)
				if seen[id] {
					t.Fatalf("%s twice", id)
				}
				seen[id] = true
			}
			link, _ = r.JSON(t)["@odata.nextLink"].(string)
		}
		if len(seen) != n {
			t.Errorf("got %d rows over the pages, want %d", len(seen), n)
		}
	})
}

// TestParameterColumnBudget: a connection parameter column of many small values (500,000
// characters hold 250,000) is refused before it is parsed: every check of these columns
// parses them, and a tree costs tens of bytes for every byte of small values.
func TestParameterColumnBudget(t *testing.T) {
	s := MustOpenServer(t)
	vals := strings.Repeat("0,", 249_990) + "0"
	for _, col := range []string{"connectionparameters", "connectionparametersets"} {
		r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{col: `{"a":[` + vals + `]}`}))
		if code, msg := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeInvalidArgument || !strings.Contains(msg, "10000 values") {
			t.Errorf("%s: got %d %s %q", col, r.Status, code, msg)
		}
	}
}

// TestProbes: /healthz answers while the process runs, /readyz while the database is ready,
// both without a token and without a log line.
func TestProbes(t *testing.T) {
	s := MustOpenServer(t)
	var mu sync.Mutex // the server's goroutines read ready
	ready := error(nil)
	s.Server.Close(context.Background())
	logs := &syncBuffer{}
	srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Auth: headerAuth{}, Ready: func(ctx context.Context) error { mu.Lock(); defer mu.Unlock(); return ready }, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	s.Server = srv
	for _, tc := range []struct {
		path   string
		ready  error
		status int
	}{
		{"/healthz", nil, 200},
		{"/readyz", nil, 200},
		{"/readyz", fmt.Errorf("database gone"), 503},
		{"/healthz", fmt.Errorf("database gone"), 200},
	} {
		mu.Lock()
		ready = tc.ready
		mu.Unlock()
		if r := s.do(t, "GET", tc.path, ""); r.Status != tc.status {
			t.Errorf("%s with ready=%v: got %d, want %d", tc.path, tc.ready, r.Status, tc.status)
		}
	}
	if strings.Count(logs.String(), "level=INFO") != 0 || !strings.Contains(logs.String(), "database gone") {
		t.Errorf("the probes were logged as requests, or the failure was not logged:\n%s", logs)
	}
	if err := s.DB.Ready(context.Background()); err != nil {
		t.Errorf("a migrated database is not ready: %v", err)
	}
}

// TestUnsupportedOptionsRefused: what ConnectorHub does not answer yet is a clear 400, never a
// quiet answer to another question (every connector for a fetchXml that asked for one).
func TestUnsupportedOptionsRefused(t *testing.T) {
	s := MustOpenServer(t)
	for _, path := range []string{
		"/api/data/v9.2/connectors?fetchXml=" + url.QueryEscape(`<fetch top="1" latematerialize="true"><entity name="connector"><attribute name="name"/></entity></fetch>`),
		"/api/data/v9.2/systemusers?fetchXml=" + url.QueryEscape(`<fetch><entity name="systemuser"><link-entity name="businessunit" from="businessunitid" to="businessunitid"/></entity></fetch>`),
		"/api/data/v9.2/connectors?savedQuery=00000000-0000-0000-0000-000000000001",
		"/api/data/v9.2/EntityDefinitions(LogicalName='connector')/Attributes?$orderby=LogicalName",
		"/api/data/v9.2/EntityDefinitions?$top=1",
	} {
		r := s.do(t, "GET", path, "")
		if code, msg := r.ErrorCode(t); r.Status != 400 || code != connectorhub.ECodeQuery || !strings.Contains(msg, "not supported") {
			t.Errorf("%s: got %d %s %q, want 400 %s", path, r.Status, code, msg, connectorhub.ECodeQuery)
		}
	}
	if r := s.do(t, "GET", "/api/data/v9.2/connectors?tag=PowerAppsRP", ""); r.Status != 200 {
		t.Errorf("tag=PowerAppsRP, which changes nothing, is refused: %d", r.Status)
	}
}

// announce opens a connection and sends a request as user announcing a body of n bytes, of
// which it sends only sent.
func announce(t *testing.T, s *testServer, user string, n int, sent string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /api/data/v9.2/connectors HTTP/1.1\r\nHost: x\r\nX-Test-User: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", user, n, sent)
	return conn
}

// TestSlowBodyCut: a body that stalls, or trickles slower than the pace, is answered 408
// once it falls behind, not held until the read timeout; a body sent at an ordinary speed
// is served, twice on one connection.
func TestSlowBodyCut(t *testing.T) {
	webapi.SetBodyPace(t, time.Second, 32<<10) // short, yet long beside a busy machine's pauses
	s, addUser := MustOpenMultiUserServer(t)
	addUser("maker", "Environment Maker")
	for _, tc := range []struct {
		name    string
		trickle time.Duration // how often a byte follows; 0 for none
	}{
		{"stalled", 0},
		{"trickling", 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := announce(t, s, "maker", 200_000, "{")
			done := make(chan struct{})
			defer close(done)
			if tc.trickle > 0 {
				go func() {
					for {
						select {
						case <-done:
							return
						case <-time.After(tc.trickle):
							conn.Write([]byte(" "))
						}
					}
				}()
			}
			start := time.Now()
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(data), "0x80048d19") {
				t.Errorf("got %d %s, want 408 0x80048d19", resp.StatusCode, data)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("cut after %v, want about the idle time of the pace", d)
			}
		})
	}
	t.Run("ordinary", func(t *testing.T) {
		def := `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("a", 500_000) + `"}`
		for i := range 2 {
			req, _ := http.NewRequest("POST", s.URL()+"/api/data/v9.2/connectors", strings.NewReader(body(900+i, map[string]any{"openapidefinition": def})))
			req.Header.Set("X-Test-User", "maker")
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("create %d: got %d %s, want 204", i, resp.StatusCode, data)
			}
		}
	})
}

// TestStalledBodiesLeaveHalf: one user's large bodies hold at most its share of the budget,
// however slowly they arrive: another user's large body is served at once. Before the share,
// four announced 8 MiB bodies held the whole budget and every other large body waited 30 s
// and was answered 503.
func TestStalledBodiesLeaveHalf(t *testing.T) {
	webapi.SetBodyWait(t, 2*time.Second)
	s, addUser := MustOpenMultiUserServer(t)
	addUser("hog", "Environment Maker")
	addUser("other", "Environment Maker")
	for range 5 {
		announce(t, s, "hog", webapi.MaxBodyBytes, "{")
	}
	deadline := time.Now().Add(10 * time.Second)
	for webapi.LargeBodiesHeld(s.Server) < 4*webapi.MaxBodyBytes && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if held := webapi.LargeBodiesHeld(s.Server); held != 4*webapi.MaxBodyBytes {
		t.Fatalf("the stalled bodies hold %d bytes, want %d (the user's share)", held, 4*webapi.MaxBodyBytes)
	}
	def := `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("a", 900_000) + `"}`
	start := time.Now()
	if r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, map[string]any{"openapidefinition": def}), "X-Test-User: other"); r.Status != http.StatusNoContent {
		t.Errorf("another user's large create: got %d %s, want 204", r.Status, r.Body)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("another user's large create took %v", d)
	}
	// The hog's fifth body waited for the hog's own, and is refused as Dataverse refuses a
	// user's requests over its concurrency limit.
	conn := announce(t, s, "hog", webapi.MaxBodyBytes, "{")
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the hog's request over its share: no answer: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(data), "0x80072326") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the hog's request over its share: got %d %s (Retry-After %q), want 429 0x80072326 with Retry-After", resp.StatusCode, data, resp.Header.Get("Retry-After"))
	}
}
