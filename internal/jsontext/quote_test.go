package jsontext_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/connectorhub/connectorhub/internal/jsontext"
)

// FuzzAppendQuote: AppendQuote writes JSON that decodes to what encoding/json's encoding of the same
// text decodes to (invalid UTF-8 as U+FFFD), whatever the bytes and wherever the eight-byte
// fast path starts and stops.
func FuzzAppendQuote(f *testing.F) {
	for _, s := range []string{"", "plain text of some length", `{"a":"b\\c"}`, "tab\there\nnew\r\x00\x1f\x7f",
		"é ü 漢字 😀", "\u2028\u2029", "\xff\xfe invalid", strings.Repeat("abcdefgh", 5) + `"` + strings.Repeat("x", 9)} {
		f.Add(s)
	}
	f.Fuzz(checkQuote)
}

// checkQuote checks AppendQuote's JSON for s against encoding/json's.
func checkQuote(t *testing.T, s string) {
	t.Helper()
	out := jsontext.AppendQuote(nil, s)
	var got string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%q: not a JSON string: %v: %s", s, err, out)
	}
	ref, _ := json.Marshal(s)
	var want string
	if err := json.Unmarshal(ref, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%q: decodes to %q, want %q", s, got, want)
	}
	if strings.ContainsAny(string(out), "\u2028\u2029") {
		t.Fatalf("%q: U+2028 or U+2029 written unescaped", s)
	}
}

// TestAppendQuoteEveryByteEverywhere puts each byte value at each place of an eight-byte
// block, and a second one after it, so that the eight-byte fast path meets every byte in
// every lane, below and above another special byte.
func TestAppendQuoteEveryByteEverywhere(t *testing.T) {
	for c := range 256 {
		for at := range 16 {
			for _, then := range []string{"", `"`, "\x01", "\xc3\xa9"} {
				b := []byte(strings.Repeat("a", 24))
				b[at] = byte(c)
				s := string(b[:at+1]) + then + string(b[at+1:])
				checkQuote(t, s)
			}
		}
	}
}

// BenchmarkAppendQuote writes 20 KB of a definition's JSON (a quote every few bytes) and of
// prose (long plain runs).
func BenchmarkAppendQuote(b *testing.B) {
	for _, c := range []struct{ name, text string }{
		{"Definition", strings.Repeat(`{"swagger":"2.0","info":{"title":"Contoso orders","description":"Reads and writes orders.\nSecond line."},"paths":{}}`, 180)},
		{"Prose", strings.Repeat("Reads and writes the orders of the Contoso shop, with their lines and customers. ", 250)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			var buf []byte
			for b.Loop() {
				buf = jsontext.AppendQuote(buf[:0], c.text)
			}
		})
	}
}
