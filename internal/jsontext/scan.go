package jsontext

import "math/bits"

// The scans below look at eight bytes at a time (SWAR): a request body is mostly the text of
// one long string, a connector's definition, which the budget check, the trailing-comma pass,
// the parse, the decoding of the string, the domain's top-level scan and the validator's parse
// each walked byte by byte, 15% of a create's CPU.

const ones, highs = 0x0101010101010101, 0x8080808080808080

// load8 reads s[i:i+8] as a little-endian word; the compiler makes it one load.
func load8[T ~string | ~[]byte](s T, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// quoteOrBackslash8 marks, in the high bit of its byte, each '"' and '\\' among the eight bytes
// of x. A borrow may mark a byte above a marked one, never one below: the lowest mark is
// exact.
func quoteOrBackslash8(x uint64) uint64 {
	q, b := x^(ones*'"'), x^(ones*'\\')
	return ((q-ones)&^q | (b-ones)&^b) & highs
}

// plain8 marks as quoteOrBackslash8 does each control character, '"' and '\\' among the eight
// bytes of x.
func plain8(x uint64) uint64 {
	return (x-ones*0x20)&^x&highs | quoteOrBackslash8(x)
}

// StringEnd returns the index of the quote that closes the JSON string whose text starts at i
// (just after its opening quote), stepping over escaped characters as a tolerant scanner does:
// a backslash takes the byte after it, whatever it is. It is len(s) when the string does not
// end.
func StringEnd[T ~string | ~[]byte](s T, i int) int {
	for i < len(s) {
		for i+8 <= len(s) {
			if m := quoteOrBackslash8(load8(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		switch s[i] {
		case '"':
			return i
		case '\\':
			i += 2
		default:
			i++
		}
	}
	return len(s)
}

// PlainEnd returns the index of the first byte at or after i that a JSON string cannot hold as
// it is (a control character, '"' or '\\'), or len(s): the end of a run of text that needs no
// decoding. Bytes of multi-byte UTF-8 sequences belong to the run.
func PlainEnd[T ~string | ~[]byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := plain8(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

// asciiEnd is PlainEnd that stops at the bytes of multi-byte UTF-8 sequences too (needsLook).
func asciiEnd[T ~string | ~[]byte](s T, i int) int {
	for ; i+8 <= len(s); i += 8 {
		if m := special8(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(s) && !needsLook[s[i]] {
		i++
	}
	return i
}
