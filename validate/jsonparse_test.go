package validate

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		want    any
		lenient []string // kinds of the liberties taken, in order
	}{
		{"Strict", `{"a": [1, "x", true, null, {"b": -2.5e3}]}`,
			map[string]any{"a": []any{json.Number("1"), "x", true, nil, map[string]any{"b": json.Number("-2.5e3")}}}, nil},
		{"BOM", "\xEF\xBB\xBF{}", map[string]any{}, nil},
		{"Escapes", `"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`, "a\"\\/\b\f\n\r\té😀", nil},
		{"LoneSurrogate", `"\ud83d!"`, "\uFFFD!", nil},
		{"SurrogateThenEscape", `"\ud83d\u0041\ude00"`, "\uFFFDA\uFFFD", nil},
		{"LineComment", "{// note\n\"a\": 1}", map[string]any{"a": json.Number("1")}, []string{"comment"}},
		{"BlockComment", `[1 /* two */]`, []any{json.Number("1")}, []string{"comment"}},
		{"TrailingCommaObject", `{"a": 1,}`, map[string]any{"a": json.Number("1")}, []string{"trailing comma"}},
		{"TrailingCommaArray", `[1, 2, ]`, []any{json.Number("1"), json.Number("2")}, []string{"trailing comma"}},
		{"UnicodeSpace", "{\u2003\"a\": 1}", map[string]any{"a": json.Number("1")}, []string{"non-ASCII white space"}},
		{"ControlCharacter", "\"a\tb\"", "a\tb", []string{"control character in string"}},
		{"DuplicateLastWins", `{"a": 1, "a": 2}`, map[string]any{"a": json.Number("2")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lenient, _, err := parseJSON([]byte(tt.text))
			if err != nil {
				t.Fatalf("parseJSON: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			var kinds []string
			for _, l := range lenient {
				kinds = append(kinds, l.kind)
			}
			if diff := cmp.Diff(tt.lenient, kinds); diff != "" {
				t.Errorf("liberties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, text string
		off        int
		msg        string
	}{
		{"Empty", "  ", 2, "empty"},
		{"MissingComma", `{"a": 1 "b": 2}`, 8, "a ',' or '}' was expected"},
		{"MismatchedBracket", `{"a": [1}`, 8, "a ',' or ']' was expected"},
		{"TrailingText", `{} }`, 3, "after the end of the top-level value"},
		{"Unterminated", `{"a": "x`, 6, "unterminated string"},
		{"BadEscape", `"\x"`, 1, "invalid escape"},
		{"BadUnicodeEscape", `"\u12x4"`, 3, "invalid \\u escape"},
		{"BackslashAtEnd", `"\`, 2, "unterminated string"},
		{"BadNumber", `[1.]`, 3, "invalid number"},
		{"BareWord", `{"a": yes}`, 6, "a value was expected"},
		{"UnclosedObject", `{"a": 1`, 7, "not closed"},
		{"UnterminatedComment", `{} /* x`, 3, "unterminated comment"},
		{"TooDeep", strings.Repeat("[", maxDepth+1), maxDepth, "nesting deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := parseJSON([]byte(tt.text))
			se, ok := err.(*syntaxError)
			if !ok {
				t.Fatalf("got %v, want a syntax error", err)
			}
			if se.off != tt.off || !strings.Contains(se.msg, tt.msg) {
				t.Errorf("got offset %d %q, want offset %d containing %q", se.off, se.msg, tt.off, tt.msg)
			}
		})
	}
}

func TestParseJSONDuplicates(t *testing.T) {
	_, _, dups, err := parseJSON([]byte(`{"a": {"b~/": 1, "b~/": 2}, "c": [{"d": 1, "d": 1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []dupKey{{"/a/b~0~1", 17}, {"/c/0/d", 43}}
	if diff := cmp.Diff(want, dups, cmp.AllowUnexported(dupKey{})); diff != "" {
		t.Errorf("duplicates (-want +got):\n%s", diff)
	}
}

func TestLocate(t *testing.T) {
	text := "\xEF\xBB\xBF{\n  \"a/b\": {\"m~n\": [10, 20]},\n  \"é\": \"x\", \"dup\": 1,\n  \"dup\": {\"k\": true}\n}"
	tests := []struct {
		pointer   string
		line, col int
	}{
		{"", 1, 1},
		{"/a~1b", 2, 3},
		{"/a~1b/m~0n", 2, 11},
		{"/a~1b/m~0n/1", 2, 23},
		{"/é", 3, 3},
		{"/dup", 4, 3},    // the later duplicate, the one that counts
		{"/dup/k", 4, 11}, // inside the later duplicate
		{"/missing", 0, 0},
	}
	want := map[string]bool{}
	for _, tt := range tests {
		want[tt.pointer] = true
	}
	found := locate([]byte(text), want)
	ls := newLines([]byte(text))
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			off, ok := found[tt.pointer]
			if !ok {
				if tt.line != 0 {
					t.Fatalf("pointer %q not found", tt.pointer)
				}
				return
			}
			line, col := ls.position(off)
			if line != tt.line || col != tt.col {
				t.Errorf("got %d:%d, want %d:%d", line, col, tt.line, tt.col)
			}
		})
	}
}

func TestPointers(t *testing.T) {
	tokens := []string{"paths", "/a/{b}", "x~y", ""}
	p := pointerOf(tokens)
	if want := "/paths/~1a~1{b}/x~0y/"; p != want {
		t.Errorf("pointerOf: got %q, want %q", p, want)
	}
	if diff := cmp.Diff(tokens, splitPointer(p)); diff != "" {
		t.Errorf("splitPointer (-want +got):\n%s", diff)
	}
	if got := lastToken("/a/b~1c"); got != "b/c" {
		t.Errorf("lastToken: got %q, want %q", got, "b/c")
	}
}

func TestLinesPosition(t *testing.T) {
	text := []byte("ab\nçd\r\nx")
	tests := []struct{ off, line, col int }{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {5, 2, 2}, {8, 3, 1}, {100, 3, 2}, {-1, 0, 0}}
	ls := newLines(text)
	for _, tt := range tests {
		if line, col := ls.position(tt.off); line != tt.line || col != tt.col {
			t.Errorf("position(%d): got %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}

// TestPointerEscapes: ptr and pointerOf escape "~" and "/" as RFC 6901 says, and
// splitPointer reads back the tokens.
func TestPointerEscapes(t *testing.T) {
	for _, c := range []struct {
		base   string
		tokens []string
		want   string
	}{
		{"", nil, ""},
		{"", []string{""}, "/"},
		{"", []string{"paths", "/pets/{id}", "get"}, "/paths/~1pets~1{id}/get"},
		{"/definitions", []string{"a~b", "~1", "é/~"}, "/definitions/a~0b/~01/é~1~0"},
		{"/x", []string{"//", "~~"}, "/x/~1~1/~0~0"},
	} {
		got := ptr(c.base, c.tokens...)
		if got != c.want {
			t.Errorf("ptr(%q, %q) = %q, want %q", c.base, c.tokens, got, c.want)
		}
		if c.base == "" && pointerOf(c.tokens) != c.want {
			t.Errorf("pointerOf(%q) = %q, want %q", c.tokens, pointerOf(c.tokens), c.want)
		}
		back := splitPointer(got)
		if want := append(splitPointer(c.base), c.tokens...); !slices.Equal(back, want) && len(want) > 0 {
			t.Errorf("splitPointer(%q) = %q, want %q", got, back, want)
		}
	}
}
