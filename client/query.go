package client

import (
	"strconv"
	"strings"
)

// Quote returns s as an OData string literal, in single quotes with its single quotes
// doubled, for $filter expressions:
//
//	Quote("O'Brien") == `'O''Brien'`
func Quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// query builds a query string in a fixed order, as Dataverse clients write them.
type query []string

// add appends key=value, the value escaped, unless value is "".
func (q *query) add(key, value string) {
	if value != "" {
		*q = append(*q, key+"="+escapeQueryValue(value))
	}
}

// String returns "?k=v&…", or "" when empty.
func (q query) String() string {
	if len(q) == 0 {
		return ""
	}
	return "?" + strings.Join(q, "&")
}

// QueryEscape percent-encodes a query option's value as the client's own requests do (spaces
// as %20, quotes, parentheses and $ kept), for paths given to Do:
//
//	"solutions?$filter=" + QueryEscape("uniquename eq "+Quote(name))
func QueryEscape(s string) string { return escapeQueryValue(s) }

// escapeQueryValue percent-encodes a query option's value the way Dataverse clients do:
// spaces as %20 (never "+"), and "&", "+", "#", "%", ";" and other bytes outside the
// characters OData expressions read well with (letters, digits, -_.~'()*,:/$@!=) as %XX.
func escapeQueryValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keepInQuery(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func keepInQuery(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_.~'()*,:/$@!=", c) >= 0
}

// preferences builds a Prefer header's value from its parts, comma-separated.
type preferences []string

func (p *preferences) maxPageSize(n int) {
	if n > 0 {
		*p = append(*p, "odata.maxpagesize="+strconv.Itoa(n))
	}
}

// includeAnnotations adds odata.include-annotations, quoting the value unless it is quoted.
func (p *preferences) includeAnnotations(v string) {
	if v == "" {
		return
	}
	if !strings.HasPrefix(v, `"`) {
		v = `"` + v + `"`
	}
	*p = append(*p, "odata.include-annotations="+v)
}

func (p *preferences) returnRepresentation() { *p = append(*p, "return=representation") }

// header is the Prefer header's value, "" when there is no preference.
func (p preferences) header() string { return strings.Join(p, ",") }
