package jsontext_test

import (
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// stringEndByByte and plainEndByByte are the byte-at-a-time scans the word-at-a-time ones
// replace.
func stringEndByByte(s []byte, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			return i
		case '\\':
			i++
		}
	}
	return len(s)
}

func plainEndByByte(s []byte, i int) int {
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

// TestScansEveryByteEverywhere puts each byte value at each place of two eight-byte blocks,
// with a second special byte (or none) after it, and starts the scans at each of the first
// eight places: the word-at-a-time path meets every byte in every lane, below and above
// another, and the byte-at-a-time tail meets it too.
func TestScansEveryByteEverywhere(t *testing.T) {
	for c := range 256 {
		for at := range 16 {
			for _, then := range []string{"", `"`, `\`, "\x01", "\xc3\xa9", `\"`} {
				b := []byte(strings.Repeat("a", 20))
				b[at] = byte(c)
				s := append(append(append([]byte{}, b[:at+1]...), then...), b[at+1:]...)
				for from := range 8 {
					if got, want := jsontext.StringEnd(s, from), stringEndByByte(s, from); got != want {
						t.Fatalf("StringEnd(%q, %d) = %d, want %d", s, from, got, want)
					}
					if got, want := jsontext.StringEnd(string(s), from), stringEndByByte(s, from); got != want {
						t.Fatalf("StringEnd(string %q, %d) = %d, want %d", s, from, got, want)
					}
					if got, want := jsontext.PlainEnd(s, from), plainEndByByte(s, from); got != want {
						t.Fatalf("PlainEnd(%q, %d) = %d, want %d", s, from, got, want)
					}
				}
			}
		}
	}
}

// TestStringEnd: escapes at the ends of words and of the text.
func TestStringEnd(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
	}{
		{``, 0},
		{`"`, 0},
		{`abc`, 3},
		{`\`, 1},
		{`\"`, 2},
		{`\\"`, 2},
		{`abcdefg\"`, 9},
		{`abcdefg\"x"`, 10},
		{`abcdefgh\\\"\\"`, 14},
		{`abcdefghijklmno\`, 16},
		{`abcdefghijklmno\"`, 17},
	} {
		if got := jsontext.StringEnd(c.s, 0); got != c.want {
			t.Errorf("StringEnd(%q) = %d, want %d", c.s, got, c.want)
		}
	}
}

// BenchmarkScans: a definition as the body carries it, a JSON string with a \" every few
// bytes, and prose.
func BenchmarkScans(b *testing.B) {
	def := string(jsontext.AppendQuote(nil, strings.Repeat(`{"swagger":"2.0","info":{"title":"Contoso orders","description":"Reads and writes orders."},"paths":{}}`, 180)))
	prose := strings.Repeat("Reads and writes the orders of the Contoso shop, with their lines and customers. ", 250)
	for _, c := range []struct{ name, text string }{{"Definition", def[1:]}, {"Prose", prose}} {
		data := []byte(c.text)
		b.Run("StringEnd/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				jsontext.StringEnd(data, 0)
			}
		})
		b.Run("PlainEnd/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				for i := 0; i < len(data); i++ {
					i = jsontext.PlainEnd(data, i)
				}
			}
		})
	}
}
