package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
)

func TestParseSpans(t *testing.T) {
	src := `{"a": [1, "x\"y", {"b": null}], "c": true, "a": -1.5e3}`
	v, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := src[v.Members[0].Value.Start:v.Members[0].Value.End]; got != `[1, "x\"y", {"b": null}]` {
		t.Errorf("span of a: got %q", got)
	}
	if got := v.Members[0].Value.Elems[1].Str; got != `x"y` {
		t.Errorf("decoded string: got %q, want %q", got, `x"y`)
	}
	if got := src[v.Get("a").Start:v.Get("a").End]; got != "-1.5e3" {
		t.Errorf("Get returns the last duplicate: got %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `"abc`, `01`, `tru`, `{} x`, "\"a\x01\"", `{"a":1 "b":2}`} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("Parse(%q): got nil error", src)
		}
	}
}

func TestStripTrailingCommas(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,}`, `{"a":1 }`},
		{"{\"a\": [1,2,\n],\n}", "{\"a\": [1,2 \n] \n}"},
		{`{"a":"x,}"}`, `{"a":"x,}"}`},
		{`{"a":"\",}",}`, `{"a":"\",}" }`},
		{`[,]`, `[ ]`},
	}
	for _, tt := range tests {
		if got := string(StripTrailingCommas([]byte(tt.in))); got != tt.want {
			t.Errorf("StripTrailingCommas(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	got := Apply("abcdef", []Edit{{4, 5, "X"}, {0, 2, ""}})
	if got != "cdXf" {
		t.Errorf("got %q, want %q", got, "cdXf")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c"}]}`, `"x\u0041"`, `[true,false,null]`, `-0.1e-5`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("Parse(%q): err=%v but json.Valid=%v", data, err, valid)
		}
		if err == nil && (v.Start < 0 || v.End > len(data) || v.Start > v.End) {
			t.Fatalf("bad span %d..%d", v.Start, v.End)
		}
	})
}

func TestFoldKey(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"clientSecret", "CLIENTSECRET", true},
		{"clientSecret", "clientſecret", true}, // long s: EqualFold and .NET both match it
		{"token", "to\u212aen", true},          // Kelvin sign folds to k in Go
		{"clıentSecret", "clientSecret", true}, // dotless i: .NET upper-cases it to I
		{"type", "typé", false},
		{"value", "values", false},
		{"\xff", "\xfe", true}, // invalid UTF-8 reads as U+FFFD, as in EqualFold
	}
	for _, tt := range tests {
		if got := FoldKey(tt.a) == FoldKey(tt.b); got != tt.same {
			t.Errorf("FoldKey(%q) == FoldKey(%q): got %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
}

// TestFoldKeyCoversEqualFoldAndUpper checks every rune: whatever strings.EqualFold or
// upper-casing (.NET's OrdinalIgnoreCase) equates, FoldKey equates too.
func TestFoldKeyCoversEqualFoldAndUpper(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		fr := FoldKey(string(r))
		if up := unicode.ToUpper(r); FoldKey(string(up)) != fr {
			t.Errorf("%U and its upper case %U fold apart", r, up)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if FoldKey(string(f)) != fr {
				t.Errorf("%U and %U are EqualFold but fold apart", r, f)
			}
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{`{"a": 1, "b": {"c": [1, {"d": 2}]}}`, nil},
		{`{"a": 1, "A": 2}`, []string{"A"}},
		{`{"a": {"x": 1}, "b": [0, {"k": 1, "\u212a": 2}]}`, []string{"b", "1", "\u212a"}},
		{`{"p": {"clientS\u0065cret": 1, "ClientSecret": 2}}`, []string{"p", "ClientSecret"}},
		{`[{"a": 1}, {"a": 1}]`, nil}, // the same key in two objects is no duplicate
	}
	for _, tt := range tests {
		v, err := Parse([]byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		if got := v.DuplicateKey(); strings.Join(got, "/") != strings.Join(tt.want, "/") || (got == nil) != (tt.want == nil) {
			t.Errorf("DuplicateKey(%s): got %q, want %q", tt.src, got, tt.want)
		}
	}
}

func FuzzFoldKey(f *testing.F) {
	f.Add("clientSecret", "CLIENTſECRET")
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.EqualFold(a, b) && FoldKey(a) != FoldKey(b) {
			t.Fatalf("EqualFold(%q, %q) but FoldKey differs", a, b)
		}
	})
}
