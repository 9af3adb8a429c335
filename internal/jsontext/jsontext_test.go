package jsontext

import (
	"encoding/json"
	"testing"
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
