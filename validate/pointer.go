package validate

import (
	"sort"
	"strings"
	"unicode/utf8"
)

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// pointerOf builds an RFC 6901 JSON pointer from reference tokens.
func pointerOf(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscaper.Replace(t))
	}
	return b.String()
}

// ptr appends reference tokens to a pointer.
func ptr(base string, tokens ...string) string {
	return base + pointerOf(tokens)
}

// splitPointer returns the unescaped reference tokens of a JSON pointer ("" or "/a/b").
func splitPointer(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = pointerUnescaper.Replace(s)
	}
	return parts
}

// lines maps byte offsets of a text to 1-based line and column numbers.
type lines struct {
	text   []byte
	starts []int // byte offset of the start of each line
}

func newLines(text []byte) *lines {
	l := &lines{text: text, starts: []int{0}}
	for i, c := range text {
		if c == '\n' {
			l.starts = append(l.starts, i+1)
		}
	}
	return l
}

// position returns the line and the column, counted in Unicode code points, of a byte offset.
func (l *lines) position(off int) (line, col int) {
	if off < 0 {
		return 0, 0
	}
	if off > len(l.text) {
		off = len(l.text)
	}
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	start := l.starts[i]
	if i == 0 && len(l.text) >= 3 && string(l.text[:3]) == "\xEF\xBB\xBF" && off >= 3 {
		start = 3 // a byte order mark is not a column
	}
	return i + 1, utf8.RuneCount(l.text[start:off]) + 1
}

// lastToken returns the unescaped last reference token of a pointer.
func lastToken(p string) string {
	t := splitPointer(p)
	if len(t) == 0 {
		return ""
	}
	return t[len(t)-1]
}
