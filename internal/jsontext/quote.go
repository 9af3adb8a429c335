package jsontext

import (
	"unicode/utf8"
)

// needsLook marks the bytes AppendQuote cannot copy as they are: control characters, '"', '\\',
// and the bytes of multi-byte UTF-8 sequences (checked for validity and U+2028/U+2029).
var needsLook = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf
	}
	return t
}()

// special8 marks, in the high bit of its byte, each byte of the eight in x (little-endian) that
// needsLook: below 0x20, '"', '\\' or 0x80 and above. Borrows may mark bytes above a marked
// one too, never below: the lowest mark is exact.
func special8(x uint64) uint64 {
	return plain8(x) | x&highs
}

// AppendQuote appends s to dst as a JSON string and returns the extended buffer: without
// escaping HTML characters, so text keeps its bytes, with U+2028 and U+2029 escaped (valid
// JSON, but they break JavaScript that evaluates responses), and invalid UTF-8 as U+FFFD, as
// encoding/json writes it.
func AppendQuote(dst []byte, s string) []byte {
	b := struct{ buf []byte }{dst}
	const hex = "0123456789abcdef"
	b.buf = append(b.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if i = asciiEnd(s, i); i >= len(s) {
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
	return b.buf
}

// Quote returns s as a JSON string, as AppendQuote writes it.
func Quote(s string) string { return string(AppendQuote(make([]byte, 0, len(s)+len(s)/8+2), s)) }
