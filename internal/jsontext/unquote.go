package jsontext

import (
	"unicode/utf16"
	"unicode/utf8"
)

// unquote decodes the JSON string literal raw, its quotes included, exactly as json.Unmarshal
// into a string does: ok is false where Unmarshal fails (an unknown escape, a control
// character, a quote inside, no closing quote), and invalid UTF-8 and lone surrogates become
// U+FFFD. Unmarshal validates the whole literal and then decodes it, through reflection: a
// connector's definition sent as a JSON string (20 KB, a \" every few bytes) took a tenth of
// a create's CPU; this is one pass.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	s := raw[1 : len(raw)-1]
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		// A run of bytes that stand for themselves.
		j := asciiEnd(s, i)
		b = append(b, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
		switch c := s[i]; {
		case c == '\\':
			var n int
			if b, n = AppendEscape(b, s[i:]); n == 0 {
				return "", false
			}
			i += n
		case c < 0x20 || c == '"':
			return "", false
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b), true
}

// AppendEscape decodes the escape sequence at the start of s (a backslash) onto dst as
// json.Unmarshal does, and says how many bytes of s it took: 0 when it is not a valid
// escape. A \u escape of a lone surrogate gives U+FFFD, leaving an escape after it to the
// next call.
func AppendEscape(dst, s []byte) ([]byte, int) {
	if len(s) < 2 || s[0] != '\\' {
		return dst, 0
	}
	switch e := s[1]; e {
	case '"', '\\', '/':
		return append(dst, e), 2
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'n':
		return append(dst, '\n'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'u':
		r := hex4(s)
		if r < 0 {
			return dst, 0
		}
		if !utf16.IsSurrogate(r) {
			return utf8.AppendRune(dst, r), 6
		}
		if dec := utf16.DecodeRune(r, hex4(s[6:])); dec != utf8.RuneError {
			return utf8.AppendRune(dst, dec), 12
		}
		return utf8.AppendRune(dst, utf8.RuneError), 6
	}
	return dst, 0
}

// hex4 reads the escape \uXXXX at the start of s: its code unit, or -1.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
