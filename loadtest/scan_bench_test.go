package loadtest

import (
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkPageScanner reads a page of 50 records with 20 KB definitions.
func BenchmarkPageScanner(b *testing.B) {
	rec := map[string]any{"connectorid": newGUID(), "name": "bench_x_s1", "displayname": "Bench", "openapidefinition": Definition(20000)}
	one, _ := json.Marshal(rec)
	page := []byte(`{"@odata.context":"c","value":[` + strings.TrimSuffix(strings.Repeat(string(one)+",", 50), ",") + `],"@odata.nextLink":"http://h/x"}`)
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		var s pageScanner
		for i := 0; i < len(page); i += 32 << 10 {
			s.Write(page[i:min(i+32<<10, len(page))])
		}
		if s.records != 50 {
			b.Fatal(s.records)
		}
	}
}
