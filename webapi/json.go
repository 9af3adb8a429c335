package webapi

import (
	"encoding/json"
	connectorhub "github.com/connectorhub/connectorhub"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"
)

// contentTypeJSON is the media type of every JSON response, as Dataverse sends it.
const contentTypeJSON = "application/json; odata.metadata=minimal"

// jsonBuffer writes JSON with the members in the order given (records read as Dataverse's
// do) and without escaping HTML characters, so strings keep their bytes.
type jsonBuffer struct{ buf []byte }

func (b *jsonBuffer) bytes() []byte { return b.buf }

func (b *jsonBuffer) raw(s string) { b.buf = append(b.buf, s...) }

func (b *jsonBuffer) int(n int64) { b.buf = strconv.AppendInt(b.buf, n, 10) }

// needsLook marks the bytes str cannot copy as they are: control characters, '"', '\\',
// and the bytes of multi-byte UTF-8 sequences (checked for validity and U+2028/U+2029).
var needsLook = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// str appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func (b *jsonBuffer) str(s string) {
	const hex = "0123456789abcdef"
	b.buf = slices.Grow(b.buf, len(s)+2)
	b.buf = append(b.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && !needsLook[s[i]] {
			i++
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b.buf = append(b.buf, s[start:i]...)
			switch c {
			case '"', '\\':
				b.buf = append(b.buf, '\\', c)
			case '\n':
				b.buf = append(b.buf, '\\', 'n')
			case '\r':
				b.buf = append(b.buf, '\\', 'r')
			case '\t':
				b.buf = append(b.buf, '\\', 't')
			default:
				b.buf = append(b.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.buf = append(b.buf, s[start:i]...)
			b.buf = append(b.buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid JSON but break JavaScript parsers that eval responses.
		if r == '\u2028' || r == '\u2029' {
			b.buf = append(b.buf, s[start:i]...)
			b.buf = append(b.buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b.buf = append(b.buf, s[start:]...)
	b.buf = append(b.buf, '"')
}

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
