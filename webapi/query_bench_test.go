package webapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/corpustest"
	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/storetest"
	"github.com/connectorhub/connectorhub/webapi"
)

// benchRows is the size of the query benchmarks' database.
const benchRows = 100_000

// benchDataDir returns a data directory holding a database of benchRows connectors, whose
// definitions cycle through the corpus (names unique, modifiedon one second apart). Building
// it takes minutes and gigabytes, so it is kept between runs in
// $CONNECTORHUB_BENCH_DIR or $TMPDIR/connectorhub-bench-100k-v1; delete it to rebuild.
func benchDataDir(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("CONNECTORHUB_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "connectorhub-bench-100k-v1")
	}
	return benchDataDirRows(b, dir, benchRows)
}

// benchDataDirRows is benchDataDir of rows connectors in dir: the first rows connectors of
// the 100k database, row for row.
func benchDataDirRows(b *testing.B, dir string, rows int) string {
	b.Helper()
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	db := sqlite.NewDB(filepath.Join(dir, "connectorhub.db"))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := storetest.AdminContext(b, db)

	// One checked template per corpus definition; rows share its strings.
	var templates []*connectorhub.Connector
	for i, c := range corpustest.Must(b) {
		def, err := os.ReadFile(c.Definition)
		if err != nil {
			b.Fatal(err)
		}
		id, name, display, text, typ := connectorhub.NewGUID(), fmt.Sprintf("t%d", i), filepath.Base(c.Dir), string(def), 1
		t, err := connectorhub.NewConnector("", &connectorhub.ConnectorUpdate{ID: &id, Name: &name, DisplayName: &display, OpenAPIDefinition: &text, ConnectorType: &typ})
		if err == nil {
			templates = append(templates, t)
		}
	}
	clock := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	const batch = 2000
	for from := 0; from < rows; from += batch {
		cs := make([]*connectorhub.Connector, 0, batch)
		for i := from; i < from+batch && i < rows; i++ {
			c := *templates[i%len(templates)]
			c.ID = fmt.Sprintf("%08x-0000-4000-8000-%012d", i*2654435761%(1<<32), i) // keys not in insertion order
			c.Name = fmt.Sprintf("cr736_bench%06d", i)
			c.DisplayName = fmt.Sprintf("%s %06d", templates[i%len(templates)].DisplayName, i)
			c.ConnectorInternalID = connectorhub.DeriveInternalID(c.Name)
			cs = append(cs, &c)
		}
		if err := db.ImportConnectors(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %s: %d connectors from %d corpus definitions in %v", dir, rows, len(templates), time.Since(start).Round(time.Second))
	return dir
}

// openBenchServer serves the benchmark database in this process.
func openBenchServer(b *testing.B, dir string) string {
	b.Helper()
	db := sqlite.NewDB(filepath.Join(dir, "connectorhub.db"))
	if err := db.Open(); err != nil {
		b.Fatal(err)
	}
	admin, err := db.Bootstrap(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	p, err := db.LoadPrincipal(context.Background(), admin.ID)
	if err != nil {
		b.Fatal(err)
	}
	s := &webapi.Server{Addr: "127.0.0.1:0", Connectors: db, Principals: db, Sharing: db, Auth: (*webapi.StaticPrincipal)(p),
		Limits: &webapi.Limits{Requests: 1 << 30, ExecutionTime: 1 << 62, Concurrent: 1 << 20, Window: time.Minute}}
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.Close(context.Background())
		db.Close()
	})
	return s.URL() + "/api/data/v9.2/"
}

// benchGet GETs a URL and returns its body's nextLink (read as it streams, not kept) and size.
func benchGet(b *testing.B, rawURL string, headers ...string) (nextLink string, size int64) {
	req, _ := http.NewRequest("GET", rawURL, nil)
	for _, h := range headers {
		if h == "" {
			continue
		}
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, body)
	}
	// The nextLink is the last member: keep only the tail of the body.
	var tail []byte
	br := bufio.NewReaderSize(resp.Body, 1<<20)
	buf := make([]byte, 1<<20)
	for {
		n, err := br.Read(buf)
		size += int64(n)
		tail = append(tail, buf[:n]...)
		if len(tail) > 8<<10 {
			tail = tail[len(tail)-8<<10:]
		}
		if err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
	}
	if i := strings.Index(string(tail), `"@odata.nextLink":`); i >= 0 {
		var link string
		if err := json.Unmarshal([]byte(strings.TrimSuffix(string(tail[i+len(`"@odata.nextLink":`):]), "}")), &link); err != nil {
			b.Fatal(err)
		}
		return link, size
	}
	return "", size
}

// BenchmarkQuery100k runs the common queries on 100,000 connectors over HTTP, in process.
func BenchmarkQuery100k(b *testing.B) {
	base := openBenchServer(b, benchDataDir(b))
	q := func(s string) string {
		v, _ := url.ParseQuery(s)
		return strings.ReplaceAll(v.Encode(), "+", "%20")
	}
	// A definition-free page of 5000 to reach page 20 without reading definitions: the
	// $skiptoken depends on the order only.
	link := base + "connectors?" + q("$select=name")
	for page := 1; page < 20; page++ {
		link, _ = benchGet(b, link, "Prefer: odata.maxpagesize=5000")
	}
	_, token, _ := strings.Cut(link, "$skiptoken=")
	// The display name of a row in the middle, and a part of it that only a few rows share.
	raw := displayNameOf(b, base, "cr736_bench054321")
	display := strings.ReplaceAll(raw, "'", "''")
	var req *http.Request
	var resp *http.Response
	var err error
	// The owner's name, for the filters through a lookup, and the second page of the order by it.
	var owner struct {
		Value []struct {
			Owner struct{ FullName string } `json:"ownerid"`
		}
	}
	req, _ = http.NewRequest("GET", base+"connectors?"+q("$select=name&$expand=ownerid($select=fullname)&$top=1"), nil)
	if resp, err = benchClient.Do(req); err != nil {
		b.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&owner)
	resp.Body.Close()
	if err != nil || len(owner.Value) != 1 || owner.Value[0].Owner.FullName == "" {
		b.Fatalf("owner: %v %v", err, owner)
	}
	ownerName := strings.ReplaceAll(owner.Value[0].Owner.FullName, "'", "''")
	byOwner := base + "connectors?" + q("$orderby=ownerid/fullname")
	byOwnerPage2, _ := benchGet(b, byOwner, "Prefer: odata.maxpagesize=50")
	part := display[max(0, len(display)-12):]
	paged := "Prefer: odata.maxpagesize=5000"
	for _, bm := range []struct{ name, url, prefer string }{
		{"DisplayNameEq", base + "connectors?" + q("$filter=displayname eq '"+display+"'&$select=name,displayname"), paged},
		{"DisplayNameEqFull", base + "connectors?" + q("$filter=displayname eq '"+display+"'"), paged},
		{"ContainsDisplayName", base + "connectors?" + q("$filter=contains(displayname,'"+part+"')&$select=name,displayname"), paged},
		// FetchXML twins of the two above: the same SQL, so they should cost the same.
		{"FetchDisplayNameEq", base + "connectors?fetchXml=" + url.QueryEscape(`<fetch><entity name="connector"><attribute name="name"/><attribute name="displayname"/><filter><condition attribute="displayname" operator="eq" value="`+xmlEscape(raw)+`"/></filter></entity></fetch>`), ""},
		{"FetchContainsDisplayName", base + "connectors?fetchXml=" + url.QueryEscape(`<fetch><entity name="connector"><attribute name="name"/><attribute name="displayname"/><filter><condition attribute="displayname" operator="like" value="%`+xmlEscape(strings.ReplaceAll(part, "''", "'"))+`%"/></filter></entity></fetch>`), ""},
		{"OrderByModifiedOnDescTop50", base + "connectors?" + q("$orderby=modifiedon desc&$top=50"), ""},
		{"OrderByOwnerFullNameTop50", base + "connectors?" + q("$orderby=ownerid/fullname&$top=50"), ""},
		{"OrderByOwnerFullNamePage2", byOwnerPage2, "Prefer: odata.maxpagesize=50"},
		{"FilterOwningUserFullName", base + "connectors?" + q("$filter=owninguser/fullname eq '"+ownerName+"'&$select=name,displayname&$top=50"), ""},
		{"FilterOwningUserFullNameNone", base + "connectors?" + q("$filter=owninguser/fullname eq 'Nobody Here'&$select=name,displayname"), paged},
		{"FullPage1", base + "connectors", paged},
		{"FullPage20", base + "connectors?$skiptoken=" + token, paged},
		{"CountTrue", base + "connectors?" + q("$count=true&$top=1&$select=name"), ""},
		{"GroupByType", base + "connectors?" + q("$apply=groupby((connectortype),aggregate($count as n))"), paged},
	} {
		b.Run(bm.name, func(b *testing.B) {
			var size int64
			for b.Loop() {
				_, size = benchGet(b, bm.url, bm.prefer)
			}
			b.ReportMetric(float64(size), "bytes/op")
		})
	}
	b.Run("PageAll", func(b *testing.B) {
		for b.Loop() {
			link, pages := base+"connectors", 0
			for link != "" {
				link, _ = benchGet(b, link, "Prefer: odata.maxpagesize=5000")
				pages++
			}
			if pages != benchRows/5000 {
				b.Fatalf("%d pages, want %d", pages, benchRows/5000)
			}
		}
	})
}

// BenchmarkContains runs contains() on 10,000 and 100,000 connectors (the databases of
// benchDataDir, the smaller in $TMPDIR/connectorhub-bench-10k-v1), over HTTP, in process:
//   - Contains: the display name's last 12 characters, which one row has (as
//     ContainsDisplayName of BenchmarkQuery100k), $select=name,displayname;
//   - ContainsCount: the same with $count=true and $top=1;
//   - ContainsCommonTop50: a value every row's name holds, the first 50 rows.
//
// SQLite answers the first two from the trigram index (migration 0013) and reads only the
// rows it finds; the last has as many candidates as rows.
func BenchmarkContains(b *testing.B) {
	for _, size := range []struct {
		name string
		rows int
		dir  string
	}{
		{"10k", 10_000, filepath.Join(os.TempDir(), "connectorhub-bench-10k-v1")},
		{"100k", benchRows, ""},
	} {
		b.Run(size.name, func(b *testing.B) {
			dir := size.dir
			if dir == "" {
				dir = benchDataDir(b)
			} else {
				dir = benchDataDirRows(b, dir, size.rows)
			}
			base := openBenchServer(b, dir)
			q := func(s string) string {
				v, _ := url.ParseQuery(s)
				return strings.ReplaceAll(v.Encode(), "+", "%20")
			}
			row := fmt.Sprintf("cr736_bench%06d", size.rows*54321/100_000)
			display := strings.ReplaceAll(displayNameOf(b, base, row), "'", "''")
			part := display[max(0, len(display)-12):]
			for _, bm := range []struct{ name, url string }{
				{"Contains", base + "connectors?" + q("$filter=contains(displayname,'"+part+"')&$select=name,displayname")},
				{"ContainsCount", base + "connectors?" + q("$filter=contains(displayname,'"+part+"')&$select=name&$count=true&$top=1")},
				{"ContainsCommonTop50", base + "connectors?" + q("$filter=contains(name,'cr736_bench')&$select=name,displayname&$top=50")},
			} {
				b.Run(bm.name, func(b *testing.B) {
					var size int64
					for b.Loop() {
						_, size = benchGet(b, bm.url)
					}
					b.ReportMetric(float64(size), "bytes/op")
				})
			}
		})
	}
}

// BenchmarkPagingRSS runs the real program (connectorhub serve) on the 100k database, pages
// through every full record with maxpagesize 5000, and reports the server's peak resident
// set (VmHWM) and the time per page. Linux only: it reads /proc.
func BenchmarkPagingRSS(b *testing.B) {
	base, auth, pid := startServeProcess(b, benchDataDir(b))
	var pages int
	var bytes int64
	first, twentieth := time.Duration(0), time.Duration(0)
	for b.Loop() {
		link := base + "connectors"
		for pages = 0; link != ""; pages++ {
			start := time.Now()
			var n int64
			link, n = benchGet(b, link, "Prefer: odata.maxpagesize=5000", auth)
			bytes += n
			switch pages {
			case 0:
				first += time.Since(start)
			case 19:
				twentieth += time.Since(start)
			}
		}
	}
	reportPeakRSS(b, pid)
	n := float64(b.N)
	b.ReportMetric(float64(first.Milliseconds())/n, "ms/page1")
	b.ReportMetric(float64(twentieth.Milliseconds())/n, "ms/page20")
	b.ReportMetric(float64(bytes)/n/float64(pages)/1e6, "MB/page")
	b.ReportMetric(float64(pages), "pages")
}

// startServeProcess builds and starts the real program (connectorhub serve) on the data
// directory dir, stopped when the benchmark ends, and returns its service root, an
// Authorization header for its administrator, and its process id.
func startServeProcess(b *testing.B, dir string) (base, auth string, pid int) {
	bin := filepath.Join(b.TempDir(), "connectorhub")
	build := exec.Command("go", "build", "-o", bin, "./cmd/connectorhub")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := exec.Command(bin, "serve", "--data", dir, "--addr", addr, "--limit-requests", "1000000", "--limit-execution-time", "10000h")
	serve.Stderr = io.Discard
	if err := serve.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	base = "http://" + addr + "/api/data/v9.2/"
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the server did not start")
		}
	}
	if out, err := exec.Command(bin, "token", "--data", dir).Output(); err == nil {
		auth = "Authorization: Bearer " + strings.TrimSpace(string(out))
	}
	return base, auth, serve.Process.Pid
}

// reportPeakRSS reports the peak resident set (VmHWM) of process pid. Linux only: it reads /proc.
func reportPeakRSS(b *testing.B, pid int) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			var kb float64
			fmt.Sscan(f[1], &kb)
			b.ReportMetric(kb/1024, "peak-RSS-MB")
		}
	}
}

// displayNameOf returns the display name of the connector of that name.
func displayNameOf(b *testing.B, base, name string) string {
	b.Helper()
	v := url.Values{"$filter": {"name eq '" + name + "'"}, "$select": {"displayname"}}
	var one struct {
		Value []struct{ DisplayName string }
	}
	resp, err := benchClient.Get(base + "connectors?" + strings.ReplaceAll(v.Encode(), "+", "%20"))
	if err != nil {
		b.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&one)
	resp.Body.Close()
	if err != nil || len(one.Value) != 1 {
		b.Fatalf("%s: %v %v", name, err, one)
	}
	return one.Value[0].DisplayName
}
