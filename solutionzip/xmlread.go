package solutionzip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

var utf8BOM = []byte("\xef\xbb\xbf")

// xmlDoc reads one XML file token by token, within the limits: every token counted, the
// nesting bounded, end tags matched, DTDs refused (encoding/xml expands no entity but the
// five predefined ones, and a DOCTYPE has no business in a solution file).
type xmlDoc struct {
	file   string
	data   []byte // the file without its byte-order mark: offsets index it
	dec    *xml.Decoder
	lim    Limits
	tokens int
	stack  []xml.Name
	closed bool // the root element has ended
}

// newXMLDoc starts reading data, which may begin with a byte-order mark and an XML
// declaration, or neither.
func newXMLDoc(file string, data []byte, lim Limits) (*xmlDoc, error) {
	if !utf8.Valid(data) {
		return nil, errorf(ErrMalformed, file, "", "the file is not valid UTF-8 (at byte %d)", invalidUTF8At(data))
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	return &xmlDoc{file: file, data: data, dec: dec, lim: lim}, nil
}

// invalidUTF8At returns the offset of the first byte that is not valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// line returns the decoder's current line, for messages.
func (d *xmlDoc) line() int {
	l, _ := d.dec.InputPos()
	return l
}

// errorf returns an error of the document at the current element path.
func (d *xmlDoc) errorf(kind Kind, format string, args ...any) *Error {
	return errorf(kind, d.file, d.path(), "line %d: %s", d.line(), fmt.Sprintf(format, args...))
}

// path names the open elements, such as "<ImportExportXml><Connectors><Connector>".
func (d *xmlDoc) path() string {
	var b strings.Builder
	for _, n := range d.stack {
		b.WriteString("<" + n.Local + ">")
	}
	return b.String()
}

// next returns the next token and the offset in d.data where it starts; io.EOF after the
// root element's end and trailing space, comments and processing instructions.
func (d *xmlDoc) next() (xml.Token, int, error) {
	start := int(d.dec.InputOffset())
	t, err := d.dec.RawToken()
	if err == io.EOF {
		if len(d.stack) > 0 {
			return nil, 0, d.errorf(ErrMalformed, "the file ends inside <%s>", d.stack[len(d.stack)-1].Local)
		}
		if !d.closed {
			return nil, 0, errorf(ErrMalformed, d.file, "", "the file holds no XML element")
		}
		return nil, 0, io.EOF
	}
	if err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return nil, 0, errorf(ErrMalformed, d.file, d.path(), "line %d: not well-formed XML: %s", se.Line, se.Msg)
		}
		return nil, 0, d.errorf(ErrMalformed, "not well-formed XML: %v", err)
	}
	d.tokens++
	if d.tokens > d.lim.MaxXMLTokens {
		return nil, 0, d.errorf(ErrTooLarge, "more than %d XML tokens", d.lim.MaxXMLTokens)
	}
	switch t := t.(type) {
	case xml.StartElement:
		if d.closed {
			return nil, 0, d.errorf(ErrMalformed, "a second root element <%s> after the first one", t.Name.Local)
		}
		if len(d.stack) >= d.lim.MaxXMLDepth {
			return nil, 0, d.errorf(ErrTooLarge, "elements nest deeper than %d levels", d.lim.MaxXMLDepth)
		}
		d.stack = append(d.stack, t.Name)
	case xml.EndElement:
		if len(d.stack) == 0 {
			return nil, 0, d.errorf(ErrMalformed, "an end tag </%s> without its start tag", qname(t.Name))
		}
		if top := d.stack[len(d.stack)-1]; top != t.Name {
			return nil, 0, d.errorf(ErrMalformed, "the end tag </%s> does not match <%s>", qname(t.Name), qname(top))
		}
		d.stack = d.stack[:len(d.stack)-1]
		if len(d.stack) == 0 {
			d.closed = true
		}
	case xml.Directive:
		return nil, 0, d.errorf(ErrMalformed, "a DTD or other <!…> declaration, which solution files do not use and this reader refuses")
	case xml.CharData:
		if len(d.stack) == 0 && len(bytes.TrimSpace(t)) > 0 {
			return nil, 0, d.errorf(ErrMalformed, "text outside the root element")
		}
	}
	return t, start, nil
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// root returns the root element's start tag; the root must be named want (compared without
// regard to case).
func (d *xmlDoc) root(want string) (xml.StartElement, error) {
	for {
		t, _, err := d.next()
		if err == io.EOF {
			return xml.StartElement{}, errorf(ErrMalformed, d.file, "", "the file holds no XML element")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		if se, ok := t.(xml.StartElement); ok {
			if !strings.EqualFold(se.Name.Local, want) {
				return se, errorf(ErrMalformed, d.file, "", "the root element is <%s>, not <%s>", qname(se.Name), want)
			}
			return se, nil
		}
	}
}

// end reads what follows the root element: only space, comments and processing instructions.
func (d *xmlDoc) end() error {
	for {
		_, _, err := d.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// node is an element read whole: small parts of a file (a <Connector>, the manifest).
type node struct {
	name  string // local name
	attrs []xml.Attr
	text  string // the text directly inside, CDATA included
	kids  []*node
	raw   []byte // the outer XML, a slice of the file
	line  int
}

// element reads the element whose start tag next returned (at offset start) to its end.
func (d *xmlDoc) element(se xml.StartElement, start int) (*node, error) {
	n := &node{name: se.Name.Local, attrs: copyAttrs(se.Attr), line: d.line()}
	var text []byte
	for {
		t, off, err := d.next()
		if err != nil {
			if err == io.EOF {
				err = d.errorf(ErrMalformed, "the file ends inside <%s>", n.name)
			}
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			kid, err := d.element(t, off)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			n.text = string(text)
			n.raw = d.data[start:int(d.dec.InputOffset())]
			return n, nil
		}
	}
}

// skip reads past the element whose start tag next returned (at offset start), and returns
// its outer XML.
func (d *xmlDoc) skip(start int) ([]byte, error) {
	depth := 1
	for depth > 0 {
		t, _, err := d.next()
		if err != nil {
			if err == io.EOF {
				err = d.errorf(ErrMalformed, "the file ends inside an element")
			}
			return nil, err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return d.data[start:int(d.dec.InputOffset())], nil
}

func copyAttrs(as []xml.Attr) []xml.Attr {
	if len(as) == 0 {
		return nil
	}
	return append([]xml.Attr(nil), as...)
}

// attr returns the value of the attribute with that local name (without regard to case,
// any prefix) and whether it is there.
func (n *node) attr(local string) (string, bool) {
	return attrOf(n.attrs, local)
}

func attrOf(as []xml.Attr, local string) (string, bool) {
	for _, a := range as {
		if a.Name.Space != "xmlns" && strings.EqualFold(a.Name.Local, local) {
			return a.Value, true
		}
	}
	return "", false
}

// isNil reports whether the element carries xsi:nil="true".
func (n *node) isNil() bool {
	for _, a := range n.attrs {
		if a.Name.Space != "" && a.Name.Space != "xmlns" && a.Name.Local == "nil" && strings.TrimSpace(a.Value) == "true" {
			return true
		}
	}
	return false
}

// element returns the kept form of n.
func (n *node) element() Element {
	return Element{Name: n.name, XML: string(n.raw)}
}

// isXSINamespace reports whether an attribute declares the xsi prefix, which Write always
// declares itself.
func isXSINamespace(a xml.Attr) bool {
	return a.Name.Space == "xmlns" && a.Name.Local == "xsi"
}

// keptAttrs converts attributes to Attrs, leaving out the xsi declaration.
func keptAttrs(as []xml.Attr) []Attr {
	var out []Attr
	for _, a := range as {
		if isXSINamespace(a) {
			continue
		}
		out = append(out, Attr{Name: qname(a.Name), Value: a.Value})
	}
	return out
}

// isEmptyElement reports whether an element's XML holds nothing: no child element and
// only white space.
func isEmptyElement(x string) bool {
	dec := xml.NewDecoder(strings.NewReader(x))
	depth := 0
	for {
		t, err := dec.RawToken()
		if err != nil {
			return err == io.EOF
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			if depth > 1 {
				return false
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}
