package webapi

import (
	"encoding/json"
	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/jsontext"
	"net/http"
	"strconv"
	"sync"
)

// contentTypeJSON is the media type of every JSON response, as Dataverse sends it.
const contentTypeJSON = "application/json; odata.metadata=minimal"

// jsonBuffer writes JSON with the members in the order given (records read as Dataverse's
// do) and without escaping HTML characters, so strings keep their bytes.
type jsonBuffer struct{ buf []byte }

func (b *jsonBuffer) bytes() []byte { return b.buf }

// reserve makes room for n more bytes at least, doubling the buffer when it grows: appends
// alone grow a large buffer by a quarter at a time, copying it whole each time, which for a
// page of full records (about a megabyte) was a third of the page's cost.
func (b *jsonBuffer) reserve(n int) {
	if cap(b.buf)-len(b.buf) >= n {
		return
	}
	buf := make([]byte, len(b.buf), max(2*cap(b.buf), len(b.buf)+n))
	copy(buf, b.buf)
	b.buf = buf
}

// maxPooled is the largest buffer kept for reuse: a page of 50 full records of 20 KB (about
// 1 MB, the common list) is kept; the buffer of a page of 5,000 grows to a chunk of records
// (up to about 4 MB) between writes, which is not worth holding between requests.
const maxPooled = 2 << 20

// buffers keeps the buffers of answers: a full record is tens of kilobytes, and growing a new
// buffer to that size for each answer was two thirds of what a GET allocated.
var buffers = sync.Pool{New: func() any { return new(jsonBuffer) }}

// newBuffer returns an empty buffer; release gives it back once its bytes are written.
func newBuffer() *jsonBuffer { return buffers.Get().(*jsonBuffer) }

// release empties b and keeps it for another answer. b must not be used afterwards, nor the
// slices bytes returned.
func (b *jsonBuffer) release() {
	if cap(b.buf) > maxPooled {
		return
	}
	b.buf = b.buf[:0]
	buffers.Put(b)
}

func (b *jsonBuffer) raw(s string) { b.buf = append(b.buf, s...) }

func (b *jsonBuffer) int(n int64) { b.buf = strconv.AppendInt(b.buf, n, 10) }

// str appends s as a JSON string (jsontext.AppendQuote).
func (b *jsonBuffer) str(s string) { b.buf = jsontext.AppendQuote(b.buf, s) }

// value appends a column value: nil, string, int, int64 or bool.
func (b *jsonBuffer) value(v any) {
	switch v := v.(type) {
	case nil:
		b.raw("null")
	case string:
		b.str(v)
	case int:
		b.int(int64(v))
	case int64:
		b.int(v)
	case bool:
		b.buf = strconv.AppendBool(b.buf, v)
	case connectorhub.BooleanManagedProperty:
		b.raw(`{"Value":`)
		b.buf = strconv.AppendBool(b.buf, v.Value)
		b.raw(`,"CanBeChanged":`)
		b.buf = strconv.AppendBool(b.buf, v.CanBeChanged)
		b.raw(`,"ManagedPropertyLogicalName":`)
		b.str(v.LogicalName)
		b.raw("}")
	case float64:
		b.buf = strconv.AppendFloat(b.buf, v, 'g', -1, 64)
	case map[string]any, []any:
		// Nested action results (StageSolution's): small, built once a request.
		data, err := json.Marshal(v)
		if err != nil {
			panic("webapi: " + err.Error())
		}
		b.buf = append(b.buf, data...)
	default:
		panic("webapi: unsupported JSON value type")
	}
}

// setHeader sets a header with the exact spelling Dataverse uses (OData-EntityId, REQ_ID):
// header names are case-insensitive, but some clients look them up by their exact spelling.
func setHeader(w http.ResponseWriter, name, value string) {
	w.Header()[name] = []string{value}
}

// writeCountText answers a /$count segment: the number as plain text (spec §3.7).
func writeCountText(w http.ResponseWriter, n int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(itoa(n)))
}
