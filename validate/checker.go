package validate

import (
	"fmt"
	"sort"
	"strings"
)

// pending is a finding before its position is known: off is a byte offset of the text, or -1
// when the pointer is to be located.
type pending struct {
	Finding
	off int
}

// checker collects the findings of one document.
type checker struct {
	opts       Options
	found      []pending
	schemaSeen map[string]bool // rule, pointer and message of the schema findings so far
	m          *meter          // counts the steps of the passes; nil counts nothing
	dropped    map[*Rule]int   // findings past maxFindings, by rule
}

// maxFindings is the most findings a report lists; the others are counted, one finding a rule.
// The most in a published connector is about 1,100; a hostile definition can make millions
// (each call of an operation missing each of its parameters, say), which would cost
// gigabytes.
const maxFindings = 10_000

// add records a finding of rule r at pointer; it drops certification findings unless asked for.
func (c *checker) add(r *Rule, pointer, format string, args ...any) {
	c.addAt(r, pointer, -1, format, args...)
}

// addAt is add with a known byte offset.
func (c *checker) addAt(r *Rule, pointer string, off int, format string, args ...any) {
	if r.Certification && !c.opts.Certification {
		return
	}
	if len(c.found) >= maxFindings {
		if c.dropped == nil {
			c.dropped = map[*Rule]int{}
		}
		c.dropped[r]++
		return
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	c.found = append(c.found, pending{r.finding(pointer, msg), off})
}

// finding returns a finding of rule r.
func (r *Rule) finding(pointer, msg string) Finding {
	return Finding{Rule: r.ID, Severity: r.Severity, Certification: r.Certification, Pointer: pointer, Message: msg, Hint: r.Hint}
}

// countDropped adds, for each rule with findings past maxFindings, one finding at the root that
// counts them: the report keeps the rule and its severity (an error stays an error).
func (c *checker) countDropped() {
	rules := make([]*Rule, 0, len(c.dropped))
	for r := range c.dropped {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	for _, r := range rules {
		msg := fmt.Sprintf("%d more findings of this rule are not listed: a report lists at most %d", c.dropped[r], maxFindings)
		c.found = append(c.found, pending{r.finding("", msg), -1})
	}
	c.dropped = nil
}

// report places every finding in text and returns them sorted. Findings whose pointer does not
// exist in the text (a missing member, say) are placed at the nearest existing parent.
func (c *checker) report(text []byte, parsed bool) Report {
	c.countDropped()
	want := make(map[string]bool)
	for _, p := range c.found {
		if p.off < 0 {
			for q := p.Pointer; ; q = parentPointer(q) {
				want[q] = true
				if q == "" {
					break
				}
			}
		}
	}
	var offsets map[string]int
	if parsed && len(want) > 0 {
		offsets = locate(text, want)
	}
	offs := make([]int, len(c.found))
	for i, p := range c.found {
		off := p.off
		if off < 0 {
			for q := p.Pointer; ; q = parentPointer(q) {
				if o, ok := offsets[q]; ok {
					off = o
					break
				}
				if q == "" {
					break
				}
			}
		}
		offs[i] = off
	}
	pos := newLines(text).positions(offs)
	out := make([]Finding, 0, len(c.found))
	for i, p := range c.found {
		f := p.Finding
		if offs[i] >= 0 {
			f.Line, f.Column = pos[offs[i]][0], pos[offs[i]][1]
		}
		out = append(out, f)
	}
	sortFindings(out)
	return Report{Findings: dedupe(out)}
}

// dedupe drops findings identical in rule, pointer and message (a schema reached through two
// paths can report the same problem twice), and findings of a rule at a place where the same
// rule has a more severe finding (the published schema's warning beside the core check's
// error).
func dedupe(fs []Finding) []Finding {
	worst := make(map[string]Severity, len(fs))
	for _, f := range fs {
		k := f.Rule + "\x00" + f.Pointer
		if s, ok := worst[k]; !ok || f.Severity < s {
			worst[k] = f.Severity
		}
	}
	seen := make(map[string]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		k := f.Rule + "\x00" + f.Pointer
		if f.Severity != worst[k] || seen[k+"\x00"+f.Message] {
			continue
		}
		seen[k+"\x00"+f.Message] = true
		out = append(out, f)
	}
	return out
}

func parentPointer(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// sortedKeys returns the keys of m in order, so that findings come out deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Small accessors over the generic JSON tree.

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func arr(v any) []any {
	a, _ := v.([]any)
	return a
}

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}
