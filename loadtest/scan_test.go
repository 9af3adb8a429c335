package loadtest

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestPageScanner(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		records int
		link    string
	}{
		{"Empty", `{"value":[]}`, 0, ""},
		{"Records", `{"@odata.context":"c","value":[{"a":1},{"b":{"value":[{},{}]}},{"c":"{\"x\":[{}]}"}]}`, 3, ""},
		{"LinkAfter", `{"value":[{"n":"a"}],"@odata.nextLink":"http://h/api/data/v9.2/connectors?$skiptoken=%3Ccookie%20pagenumber=%222%22%3E"}`, 1, `http://h/api/data/v9.2/connectors?$skiptoken=%3Ccookie%20pagenumber=%222%22%3E`},
		{"LinkEscaped", ` { "@odata.nextLink" : "http:\/\/h\/x?a=1\u0026b=\"2\"" , "value" : [ { } ] } `, 1, `http://h/x?a=1&b="2"`},
		{"NestedLinkIgnored", `{"value":[{"@odata.nextLink":"no"}],"other":{"@odata.nextLink":"no"}}`, 1, ""},
		{"ValueElsewhere", `{"x":[{},{}],"value":[{}]}`, 1, ""},
		{"Record", `{"connectorid":"1","value":"v"}`, 0, ""},
		{"Backslashes", `{"value":[{"a":"x\\\"y\\","b":"\\"},{"c\\":"\"}"}],"@odata.nextLink":"L"}`, 2, "L"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole, and one byte at a time: the state carries over writes.
			for _, chunk := range []int{len(tt.body), 1} {
				var s pageScanner
				for b := tt.body; b != ""; {
					n := min(chunk, len(b))
					s.Write([]byte(b[:n]))
					b = b[n:]
				}
				link, err := s.link()
				if err != nil || s.records != tt.records || link != tt.link {
					t.Errorf("chunks of %d: records %d, link %q, %v; want %d, %q", chunk, s.records, link, err, tt.records, tt.link)
				}
			}
		})
	}
}

func TestProcParsing(t *testing.T) {
	stat := "4242 (connector hub) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 1500 250 0 0 20 0 9 0 123 456 789\n"
	cpu, err := parseStatCPU([]byte(stat))
	if err != nil || cpu != 17500*time.Millisecond {
		t.Errorf("parseStatCPU = %v, %v; want 17.5s", cpu, err)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1 2")); err == nil {
		t.Error("parseStatCPU of a short line: no error")
	}
	status := "Name:\tconnectorhub\nVmPeak:\t  900 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40000 kB\n"
	if got, err := parseStatusKB([]byte(status), "VmHWM:"); err != nil || got != 50<<20 {
		t.Errorf("parseStatusKB(VmHWM) = %d, %v; want %d", got, err, 50<<20)
	}
	if _, err := parseStatusKB([]byte(strings.ReplaceAll(status, "VmHWM", "Other")), "VmHWM:"); err == nil {
		t.Error("parseStatusKB without the key: no error")
	}
}

// TestPageScannerAgainstEncodingJSON reads random pages, whose strings are full of quotes and
// backslashes, in random chunks, and compares with what encoding/json reads.
func TestPageScannerAgainstEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	alphabet := []rune{'"', '\\', 'a', '{', '}', '[', ']', ',', ':', 'é', '\n'}
	str := func() string {
		r := make([]rune, rng.IntN(40))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	for range 500 {
		var records []map[string]any
		for range rng.IntN(6) {
			rec := map[string]any{str(): str(), "nested": map[string]any{"value": []any{map[string]any{str(): str()}}}}
			records = append(records, rec)
		}
		page := map[string]any{"@odata.context": str(), "value": records, str(): []any{map[string]any{}}}
		link := ""
		if rng.IntN(2) == 0 {
			link = str()
			page["@odata.nextLink"] = link
		}
		data, err := json.Marshal(page)
		if err != nil {
			t.Fatal(err)
		}
		var s pageScanner
		for b := data; len(b) > 0; {
			n := min(1+rng.IntN(8), len(b))
			s.Write(b[:n])
			b = b[n:]
		}
		got, err := s.link()
		if err != nil || s.records != len(records) || got != link {
			t.Fatalf("records %d, link %q, %v; want %d, %q\n%s", s.records, got, err, len(records), link, data)
		}
	}
}
