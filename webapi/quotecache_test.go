package webapi

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// TestQuoteCacheExact: whatever the cache holds, what it appends is what escaping the value
// read now gives: a value changed under the same record and column (same length or not, with
// invalid UTF-8 or U+2028) is escaped afresh, never answered from the entry of the old one.
func TestQuoteCacheExact(t *testing.T) {
	c := newQuoteCache()
	col := connectorhub.ColumnByName("openapidefinition")
	base := strings.Repeat(`{"a":"b\n"}`, 400)
	values := []string{
		base,
		base, // kept now: the second time
		base,
		strings.Replace(base, "a", "c", 1), // the same length
		base + "x",
		base + "\xff\u2028\"\\",
		base[:minQuoted-1], // too short to keep
		base,
	}
	for i, v := range values {
		got := string(c.appendQuote([]byte("prefix:"), "id1", col, v))
		if want := "prefix:" + jsontext.Quote(v); got != want {
			t.Errorf("value %d: got %.60q…, want %.60q…", i, got, want)
		}
	}
	if e := c.entries[quoteKey{"id1", col}]; e == nil || e.raw != base {
		t.Errorf("the entry is not the last value read twice in a row")
	}
}

// TestQuoteCacheKeepsOnSecondSight: a value escaped once is not kept (a walk through every
// page reads each record once), the second time it is.
func TestQuoteCacheKeepsOnSecondSight(t *testing.T) {
	c := newQuoteCache()
	col := connectorhub.ColumnByName("openapidefinition")
	v := strings.Repeat("x", 4096)
	c.appendQuote(nil, "id1", col, v)
	if len(c.entries) != 0 {
		t.Fatal("a value escaped once was kept")
	}
	c.appendQuote(nil, "id1", col, v)
	if len(c.entries) != 1 {
		t.Fatal("a value escaped twice was not kept")
	}
}

// TestQuoteCacheBounded: however many records are read, and however often, the cache holds
// at most its bound, and its count of bytes is true.
func TestQuoteCacheBounded(t *testing.T) {
	c := newQuoteCache()
	col := connectorhub.ColumnByName("openapidefinition")
	v := strings.Repeat("y", 100_000)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				id := fmt.Sprintf("id%d", (i*7+g)%150)
				if got := c.appendQuote(nil, id, col, v); len(got) != len(v)+2 {
					t.Errorf("got %d bytes", len(got))
					return
				}
			}
		}()
	}
	wg.Wait()
	sum := 0
	for _, e := range c.entries {
		sum += e.size()
	}
	if sum != c.bytes || c.bytes > quoteCacheBytes || len(c.entries) == 0 {
		t.Errorf("the cache holds %d bytes in %d entries, counted %d; the bound is %d", sum, len(c.entries), c.bytes, quoteCacheBytes)
	}
}
