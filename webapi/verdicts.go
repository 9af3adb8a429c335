package webapi

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// maxVerdicts bounds the verdicts kept: about 100 bytes each.
const maxVerdicts = 4096

// verdicts remembers what the validator said of the definitions a caller sent recently, so
// that the same definition sent again is not validated again: paconn and `pac connector
// update` send the whole connector with each change, a pipeline imports the same solution
// into one environment after another, and a validation costs about 1 ms of CPU for 20 KB.
//
// An entry is keyed by a SHA-256 of the caller, the validation mode and the definition's
// bytes: a verdict depends on nothing else, and is never served to another caller, whom its
// speed would tell that someone sent that definition before. The zero value is ready; it is
// safe for concurrent use, and forgets the least recently used verdict beyond maxVerdicts.
type verdicts struct {
	mu    sync.Mutex
	max   int // 0: maxVerdicts
	order list.List
	items map[[sha256.Size]byte]*list.Element
	hits  int // for tests
}

type verdict struct {
	key     [sha256.Size]byte
	refusal string // "" when the definition passed
}

// verdictKey is the key of a definition that caller sent under mode.
func verdictKey(caller string, mode Validation, definition string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(caller))
	h.Write([]byte{0, byte(mode)})
	h.Write([]byte(definition))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// get returns the refusal remembered under key ("" for a pass), and whether there is one.
func (v *verdicts) get(key [sha256.Size]byte) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.items[key]
	if !ok {
		return "", false
	}
	v.order.MoveToFront(e)
	v.hits++
	return e.Value.(*verdict).refusal, true
}

// put remembers a verdict.
func (v *verdicts) put(key [sha256.Size]byte, refusal string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.items == nil {
		v.items = map[[sha256.Size]byte]*list.Element{}
	}
	if e, ok := v.items[key]; ok {
		e.Value.(*verdict).refusal = refusal
		v.order.MoveToFront(e)
		return
	}
	v.items[key] = v.order.PushFront(&verdict{key: key, refusal: refusal})
	limit := v.max
	if limit <= 0 {
		limit = maxVerdicts
	}
	for v.order.Len() > limit {
		last := v.order.Back()
		v.order.Remove(last)
		delete(v.items, last.Value.(*verdict).key)
	}
}
