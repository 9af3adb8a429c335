package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkUnquote compares unquote with json.Unmarshal on the literal "data".
func checkUnquote(t *testing.T, data string) {
	t.Helper()
	raw := `"` + data + `"`
	var want string
	wantErr := json.Unmarshal([]byte(raw), &want)
	got, ok := unquote([]byte(raw))
	if ok != (wantErr == nil) || got != want {
		t.Errorf("unquote(%q) = %q, %v; json.Unmarshal gives %q, %v", raw, got, ok, want, wantErr)
	}
}

func TestUnquoteAsUnmarshal(t *testing.T) {
	for _, data := range []string{
		``, `plain`, `\"quoted\"`, `\\`, `\/`, `\b\f\n\r\t`, `\u00e9`, `\u00E9\u00e9`, `é`,
		`\ud83d\ude00`, `\ud83d`, `\ud83dx`, `\ud83d\u0041`, `\ude00`, `\ud83d\ud83d\ude00`,
		`\ud83d\uZZZZ`, `\u12`, `\u`, `\x`, `\'`, `\`, `a\`, "\x01", "\x1f", "tab\there", `"`, `a"b`,
		"\xff", "\xed\xa0\x80", "a\xc3", "\xc3\xa9", "\u2028", `\u0000`, "\x7f",
		strings.Repeat(`{\"swagger\":\"2.0\"}`, 100),
	} {
		checkUnquote(t, data)
	}
}

// TestParseEscapedString: the parser gives a string with escapes as Unmarshal reads it.
func TestParseEscapedString(t *testing.T) {
	v, err := Parse([]byte(`{"openapidefinition":"{\"swagger\":\"2.0\",\"x\":\"\u00e9\ud83d\ude00\"}"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Members[0].Value.Str; got != `{"swagger":"2.0","x":"é😀"}` {
		t.Errorf("got %q", got)
	}
}

func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`\"a\"`, `\ud83d\ude00`, `\ud83d`, "\xff", `\u00e9x`, `\n\t`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) { checkUnquote(t, data) })
}

func BenchmarkUnquote(b *testing.B) {
	def := strings.Repeat(`{\"type\":\"string\",\"description\":\"A field of the record\"},`, 400)
	raw := []byte(`"` + def + `"`)
	b.Run("unquote", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			unquote(raw)
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		var s string
		for b.Loop() {
			json.Unmarshal(raw, &s)
		}
	})
}
