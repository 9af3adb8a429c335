package webapi

import (
	"sync"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// quoteCache keeps the JSON-escaped form of the large text values of records recently
// answered, by record and column, so that a record read again is answered by copying bytes
// instead of escaping its definition again (a fifth of the CPU of a list of full records). An
// entry is used only when the value read now is, byte for byte, the value it was made from: it
// never answers what a fresh read would not, whoever wrote the row and however.
//
// A value is kept the second time it is escaped, not the first: a walk through every page of a
// table reads each record once, and keeping them would only push out the records read again.
type quoteCache struct {
	mu      sync.Mutex
	entries map[quoteKey]*quotedValue
	bytes   int
	seen    map[quoteKey]struct{} // escaped once lately; emptied when it reaches maxSeen
}

type quoteKey struct {
	id  string
	col *connectorhub.Column
}

// quotedValue is a value and its JSON string; neither changes once made.
type quotedValue struct {
	raw  string
	json []byte
}

func (q *quotedValue) size() int { return len(q.raw) + len(q.json) }

// The cache's bounds: what it holds in all, the least value it keeps (shorter ones cost less
// to escape than to look up), and the most (a value of megabytes would push out hundreds).
const (
	quoteCacheBytes = 4 << 20
	minQuoted       = 2 << 10
	maxQuoted       = 256 << 10
	maxSeen         = 4096
)

// maxCachedPage is the largest page whose records go through the cache: a larger one is a
// bulk read (an export, a sync) that reads each record once and would push out the records
// read again.
const maxCachedPage = 100

func newQuoteCache() *quoteCache {
	return &quoteCache{entries: map[quoteKey]*quotedValue{}, seen: map[quoteKey]struct{}{}}
}

// appendQuote appends s, the value of column col of record id, to dst as a JSON string.
func (c *quoteCache) appendQuote(dst []byte, id string, col *connectorhub.Column, s string) []byte {
	if c == nil || len(s) < minQuoted || len(s) > maxQuoted {
		return jsontext.AppendQuote(dst, s)
	}
	k := quoteKey{id, col}
	c.mu.Lock()
	e := c.entries[k]
	c.mu.Unlock()
	if e != nil && e.raw == s {
		return append(dst, e.json...)
	}
	start := len(dst)
	dst = jsontext.AppendQuote(dst, s)
	if c.again(k) {
		c.put(k, &quotedValue{raw: s, json: append([]byte(nil), dst[start:]...)})
	}
	return dst
}

// again reports whether k was escaped lately and not kept, and notes that it is now.
func (c *quoteCache) again(k quoteKey) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[k]; ok {
		delete(c.seen, k)
		return true
	}
	if len(c.seen) >= maxSeen {
		clear(c.seen)
	}
	c.seen[k] = struct{}{}
	return false
}

// put keeps e for k, pushing out entries taken at random while the cache is over its bound.
func (c *quoteCache) put(k quoteKey, e *quotedValue) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[k]; old != nil {
		c.bytes -= old.size()
		delete(c.entries, k)
	}
	for ok := range c.entries {
		if c.bytes+e.size() <= quoteCacheBytes {
			break
		}
		c.bytes -= c.entries[ok].size()
		delete(c.entries, ok)
	}
	c.entries[k] = e
	c.bytes += e.size()
}
