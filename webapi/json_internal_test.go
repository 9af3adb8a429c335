package webapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzJSONString: str writes JSON that decodes to what encoding/json's encoding of the same
// text decodes to (invalid UTF-8 as U+FFFD), whatever the bytes and wherever the eight-byte
// fast path starts and stops.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain text of some length", `{"a":"b\\c"}`, "tab\there\nnew\r\x00\x1f\x7f",
		"é ü 漢字 😀", "\u2028\u2029", "\xff\xfe invalid", strings.Repeat("abcdefgh", 5) + `"` + strings.Repeat("x", 9)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b jsonBuffer
		b.str(s)
		var got string
		if err := json.Unmarshal(b.bytes(), &got); err != nil {
			t.Fatalf("%q: not a JSON string: %v: %s", s, err, b.bytes())
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%q: decodes to %q, want %q", s, got, want)
		}
		if strings.ContainsAny(string(b.bytes()), "\u2028\u2029") {
			t.Fatalf("%q: U+2028 or U+2029 written unescaped", s)
		}
	})
}

// BenchmarkJSONString writes a 20 KB definition-like text.
func BenchmarkJSONString(b *testing.B) {
	s := strings.Repeat(`{"swagger":"2.0","info":{"title":"Contoso orders","description":"Reads and writes orders.\nSecond line."},"paths":{}}`, 180)
	b.SetBytes(int64(len(s)))
	var buf jsonBuffer
	for b.Loop() {
		buf.buf = buf.buf[:0]
		buf.str(s)
	}
}
