package validate

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"
)

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// pointerOf builds an RFC 6901 JSON pointer from reference tokens.
func pointerOf(tokens []string) string {
	return ptr("", tokens...)
}

// ptr appends reference tokens to a pointer. The rules build a pointer for every schema and
// operation they visit, so it is written in one allocation.
func ptr(base string, tokens ...string) string {
	n := len(base)
	for _, t := range tokens {
		n += 1 + len(t) + strings.Count(t, "~") + strings.Count(t, "/")
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(base)
	for _, t := range tokens {
		b.WriteByte('/')
		for len(t) > 0 {
			i := strings.IndexAny(t, "~/")
			if i < 0 {
				b.WriteString(t)
				break
			}
			b.WriteString(t[:i])
			if t[i] == '~' {
				b.WriteString("~0")
			} else {
				b.WriteString("~1")
			}
			t = t[i+1:]
		}
	}
	return b.String()
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
	for i := 0; ; {
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			return l
		}
		i += j + 1
		l.starts = append(l.starts, i)
	}
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

// positions returns the line and column of each offset (see position), counting the code
// points of each line once however many offsets lie on it: a definition written on one line
// with thousands of findings would otherwise be counted over once per finding.
func (l *lines) positions(offs []int) map[int][2]int {
	sorted := make([]int, 0, len(offs))
	for _, o := range offs {
		if o >= 0 {
			sorted = append(sorted, o)
		}
	}
	sort.Ints(sorted)
	out := make(map[int][2]int, len(sorted))
	bom := len(l.text) >= 3 && string(l.text[:3]) == "\xEF\xBB\xBF"
	lastLine, lastOff, lastCol := -1, 0, 0
	for _, off := range sorted {
		if _, done := out[off]; done {
			continue
		}
		o := min(off, len(l.text))
		i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > o }) - 1
		start := l.starts[i]
		if i == 0 && bom && o >= 3 {
			start = 3
		}
		var line, col int
		if i+1 == lastLine && lastOff >= start && (lastOff == len(l.text) || utf8.RuneStart(l.text[lastOff])) {
			// On the line of the previous offset: count from there.
			line, col = lastLine, lastCol+utf8.RuneCount(l.text[lastOff:o])
		} else {
			line, col = l.position(o)
		}
		out[off] = [2]int{line, col}
		lastLine, lastOff, lastCol = line, o, col
	}
	return out
}

// lastToken returns the unescaped last reference token of a pointer.
func lastToken(p string) string {
	t := splitPointer(p)
	if len(t) == 0 {
		return ""
	}
	return t[len(t)-1]
}
