package solutionzip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xsiNamespace is the namespace Dataverse declares on <ImportExportXml> for xsi:nil.
const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// xmlWriter writes an indented XML file the way Dataverse's exports look: two spaces per
// level, empty elements as <x />, attributes in the order given. The first value that XML
// cannot carry (text that is not UTF-8, a control character, a bad name) is kept as err,
// named by the element, and everything after it is ignored.
type xmlWriter struct {
	file  string
	b     bytes.Buffer
	open  []string
	err   error
	inner bool // the current element has children: its end tag goes on its own line
}

// fail records the first error.
func (w *xmlWriter) fail(format string, args ...any) {
	w.failAt("", format, args...)
}

// failAt records the first error, at the child element elem of the current one ("" for the
// current one).
func (w *xmlWriter) failAt(elem, format string, args ...any) {
	if w.err == nil {
		path := w.path()
		if elem != "" {
			path += "<" + elem + ">"
		}
		w.err = errorf(ErrInvalid, w.file, path, format, args...)
	}
}

func (w *xmlWriter) path() string {
	var b strings.Builder
	for _, n := range w.open {
		b.WriteString("<" + n + ">")
	}
	return b.String()
}

func (w *xmlWriter) indent() {
	w.b.WriteString(strings.Repeat("  ", len(w.open)))
}

// start writes a start tag on its own line.
func (w *xmlWriter) start(name string, attrs ...Attr) {
	w.indent()
	w.tag(name, attrs)
	w.b.WriteString(">\n")
	w.open = append(w.open, name)
}

// end closes the innermost element.
func (w *xmlWriter) end() {
	name := w.open[len(w.open)-1]
	w.open = w.open[:len(w.open)-1]
	w.indent()
	w.b.WriteString("</" + name + ">\n")
}

// empty writes <name attrs />.
func (w *xmlWriter) empty(name string, attrs ...Attr) {
	w.indent()
	w.tag(name, attrs)
	w.b.WriteString(" />\n")
}

// leaf writes <name>text</name>, or <name /> for "".
func (w *xmlWriter) leaf(name, text string, attrs ...Attr) {
	if text == "" {
		w.empty(name, attrs...)
		return
	}
	w.indent()
	w.tag(name, attrs)
	w.b.WriteString(">")
	w.text(name, text)
	w.b.WriteString("</" + name + ">\n")
}

// nilLeaf writes <name>text</name>, or <name xsi:nil="true"></name> for "", as Dataverse
// writes null columns.
func (w *xmlWriter) nilLeaf(name, text string, isNil bool) {
	w.indent()
	if isNil {
		w.tag(name, []Attr{{"xsi:nil", "true"}})
	} else {
		w.tag(name, nil)
	}
	w.b.WriteString(">")
	w.text(name, text)
	w.b.WriteString("</" + name + ">\n")
}

// raw writes an element kept verbatim, checking that it is one well-formed element named
// el.Name.
func (w *xmlWriter) raw(el Element) {
	if w.err != nil {
		return
	}
	if !validName(el.Name) {
		w.fail("the kept element name %q is not an XML name", el.Name)
		return
	}
	if err := checkElement(el); err != nil {
		w.fail("the kept <%s> element cannot be written: %s", el.Name, err)
		return
	}
	w.indent()
	w.b.WriteString(el.XML)
	w.b.WriteString("\n")
}

func (w *xmlWriter) tag(name string, attrs []Attr) {
	if !validName(name) {
		w.fail("%q is not an XML name", name)
	}
	w.b.WriteString("<" + name)
	for _, a := range attrs {
		if !validName(a.Name) {
			w.fail("the attribute name %q is not an XML name", a.Name)
		}
		w.b.WriteString(" " + a.Name + `="`)
		w.escape(name, "the attribute "+a.Name, a.Value, true)
		w.b.WriteString(`"`)
	}
}

func (w *xmlWriter) text(name, s string) { w.escape(name, "the text", s, false) }

// escape writes s as element text or an attribute value. Element text keeps its line feeds
// and tabs; a carriage return is written &#xD; so that reading gives it back (XML turns a
// literal CR LF into LF). Attribute values escape every white space character but the space,
// which XML would otherwise turn into spaces.
func (w *xmlWriter) escape(elem, what, s string, attr bool) {
	if !utf8.ValidString(s) {
		w.failAt(elem, "%s is not valid UTF-8", what)
		return
	}
	last := 0
	for i, r := range s {
		var esc string
		switch r {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		case '"':
			if attr {
				esc = "&quot;"
			}
		case '\n':
			if attr {
				esc = "&#xA;"
			}
		case '\t':
			if attr {
				esc = "&#x9;"
			}
		default:
			if !isXMLChar(r) {
				w.failAt(elem, "%s holds the character U+%04X, which XML cannot carry", what, r)
				return
			}
		}
		if esc == "" {
			continue
		}
		w.b.WriteString(s[last:i])
		w.b.WriteString(esc)
		last = i + utf8.RuneLen(r)
	}
	w.b.WriteString(s[last:])
}

// isXMLChar reports whether XML 1.0 allows r in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// validName accepts the element and attribute names this package writes: an optional
// prefix and a local name of letters, digits, '_', '-' and '.', starting with a letter or '_'.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.SplitN(s, ":", 2) {
		if part == "" {
			return false
		}
		for i, r := range part {
			switch {
			case r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z':
			case i > 0 && (r == '-' || r == '.' || '0' <= r && r <= '9'):
			case r > 0x7f && r != utf8.RuneError && isXMLChar(r) && !isSpace(r):
			default:
				return false
			}
		}
	}
	return true
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// checkElement checks that a kept element is exactly one well-formed element named el.Name,
// from its start tag to its end tag, within the default limits (Read made it from a file
// within its limits, or the caller built it).
func checkElement(el Element) error {
	if !strings.HasPrefix(el.XML, "<") {
		return errors.New("its XML must start with its start tag")
	}
	d, err := newXMLDoc("", []byte(el.XML), DefaultLimits)
	if err != nil {
		return err
	}
	t, _, err := d.next()
	if err != nil {
		return err
	}
	se, ok := t.(xml.StartElement)
	if !ok {
		return errors.New("its XML must start with its start tag")
	}
	if se.Name.Local != el.Name {
		return fmt.Errorf("its XML is <%s>, not <%s>", se.Name.Local, el.Name)
	}
	if _, err := d.skip(0); err != nil {
		return err
	}
	if int(d.dec.InputOffset()) != len(el.XML) {
		return errors.New("its XML holds more than the element")
	}
	return nil
}

func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

var itoaText = strconv.Itoa
