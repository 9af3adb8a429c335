package odata

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SkipToken is the keyset position behind a $skiptoken: where the next page
// starts. It is encoded as a Dataverse paging cookie,
//
//	<cookie pagenumber="2" pagingcookie="%3ccookie%20page%3d%221%22%3e…" istracking="False" signature="…" />
//
// whose inner cookie (URL-encoded in pagingcookie) is
//
//	<cookie page="1"><modifiedon last="2024-01-31T10:00:00Z" type="time" desc="true" /><connectorid last="{GUID}" first="{GUID}" /></cookie>
//
// The signature attribute, an HMAC-SHA256 of everything before it, makes the
// token tamper-evident; clients are told not to modify nextLink URLs anyway.
type SkipToken struct {
	// PageNumber is the number of the page the token fetches (2 or more).
	PageNumber int
	// Sort holds the last row's values of the $orderby keys, in order.
	Sort []SortValue
	// KeyColumn is the primary key column, the final tie-breaker.
	KeyColumn string
	// LastKey is the last row's key; FirstKey the first row's (zero if unknown).
	LastKey, FirstKey GUID
}

// SortValue is one $orderby key of the last row on a page.
type SortValue struct {
	// Column is the $orderby path as PropertyPath.String prints it.
	Column string
	Desc   bool
	// Value is string, int, int64, float64, bool, time.Time, GUID or nil.
	Value any
}

// maxSkipTokenLen bounds the work done on a token from the URL.
const maxSkipTokenLen = 32 << 10

const skipTokenMACContext = "connectorhub.skiptoken.v1\n"

// EncodeSkipToken returns the $skiptoken value for t, signed with key. The
// caller URL-encodes it into the nextLink. Errors are programming errors: an
// empty key, a page number below 2, a bad column name or an unsupported
// value type.
func EncodeSkipToken(key []byte, t SkipToken) (string, error) {
	if len(key) == 0 {
		return "", errors.New("odata: empty skiptoken key")
	}
	if t.PageNumber < 2 {
		return "", fmt.Errorf("odata: skiptoken page number %d, want 2 or more", t.PageNumber)
	}
	keyElem, ok := columnElement(t.KeyColumn)
	if !ok || strings.Contains(keyElem, ".") {
		return "", fmt.Errorf("odata: bad skiptoken key column %q", t.KeyColumn)
	}
	var inner strings.Builder
	fmt.Fprintf(&inner, `<cookie page="%d">`, t.PageNumber-1)
	for _, s := range t.Sort {
		elem, ok := columnElement(s.Column)
		if !ok {
			return "", fmt.Errorf("odata: bad skiptoken sort column %q", s.Column)
		}
		typ, text, err := encodeSortValue(s.Value)
		if err != nil {
			return "", fmt.Errorf("odata: skiptoken column %s: %w", s.Column, err)
		}
		inner.WriteString("<" + elem)
		if typ != "null" {
			inner.WriteString(` last="` + xmlAttr(text) + `"`)
		}
		inner.WriteString(` type="` + typ + `"`)
		if s.Desc {
			inner.WriteString(` desc="true"`)
		}
		inner.WriteString(" />")
	}
	inner.WriteString("<" + keyElem + ` last="` + t.LastKey.braced() + `"`)
	if t.FirstKey != (GUID{}) {
		inner.WriteString(` first="` + t.FirstKey.braced() + `"`)
	}
	inner.WriteString(" /></cookie>")

	prefix := `<cookie pagenumber="` + strconv.Itoa(t.PageNumber) + `" pagingcookie="` +
		percentEncode(inner.String()) + `" istracking="False"`
	return prefix + ` signature="` + skipTokenMAC(key, prefix) + `" />`, nil
}

// DecodeSkipToken verifies and decodes a $skiptoken produced by
// EncodeSkipToken with the same key. It returns an *Error (HTTP 400) when the
// token was modified, signed with another key, or was issued for a different
// $orderby or key column than the current request's.
func DecodeSkipToken(key []byte, token string, orderBy OrderBy, keyColumn string) (SkipToken, error) {
	if len(key) == 0 {
		return SkipToken{}, errors.New("odata: empty skiptoken key")
	}
	invalid := &Error{Option: "$skiptoken", Input: token, Pos: -1, Msg: "The $skiptoken is invalid or has been modified"}
	if len(token) > maxSkipTokenLen {
		return SkipToken{}, invalid
	}
	page, paging, prefix, sig, ok := splitOuterCookie(token)
	if !ok || !hmac.Equal([]byte(sig), []byte(skipTokenMAC(key, prefix))) {
		return SkipToken{}, invalid
	}
	// From here on the content is ours; the checks below guard against bugs
	// and a leaked key rather than against ordinary clients.
	t, err := parseInnerCookie(paging)
	if err != nil || t.PageNumber != page {
		return SkipToken{}, invalid
	}
	if t.KeyColumn != keyColumn || len(t.Sort) != len(orderBy) {
		return SkipToken{}, skipTokenMismatch(token)
	}
	for i, o := range orderBy {
		if t.Sort[i].Column != o.Path.String() || t.Sort[i].Desc != o.Desc {
			return SkipToken{}, skipTokenMismatch(token)
		}
	}
	return t, nil
}

func skipTokenMismatch(token string) error {
	return &Error{Option: "$skiptoken", Input: token, Pos: -1, Msg: "The $skiptoken does not match the $orderby of this request"}
}

func skipTokenMAC(key []byte, prefix string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(skipTokenMACContext))
	m.Write([]byte(prefix))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// splitOuterCookie parses the outer cookie strictly: the exact shape
// EncodeSkipToken writes, so that no byte can change without failing here or
// in the MAC check.
func splitOuterCookie(token string) (page int, paging, prefix, sig string, ok bool) {
	rest, ok := strings.CutPrefix(token, `<cookie pagenumber="`)
	if !ok {
		return
	}
	num, rest, ok := strings.Cut(rest, `" pagingcookie="`)
	if !ok {
		return
	}
	paging, rest, ok = strings.Cut(rest, `" istracking="False" signature="`)
	if !ok {
		return
	}
	sig, ok = strings.CutSuffix(rest, `" />`)
	if !ok || strings.ContainsAny(sig, `" `) {
		return 0, "", "", "", false
	}
	page, err := strconv.Atoi(num)
	if err != nil || strconv.Itoa(page) != num {
		return 0, "", "", "", false
	}
	prefix = token[:len(token)-len(` signature="`)-len(sig)-len(`" />`)]
	return page, paging, prefix, sig, true
}

// innerCookie and innerElem mirror the inner paging cookie for encoding/xml.
type innerCookie struct {
	XMLName xml.Name    `xml:"cookie"`
	Page    int         `xml:"page,attr"`
	Elems   []innerElem `xml:",any"`
}

type innerElem struct {
	XMLName xml.Name
	Last    *string `xml:"last,attr"`
	First   *string `xml:"first,attr"`
	Type    string  `xml:"type,attr"`
	Desc    bool    `xml:"desc,attr"`
}

func parseInnerCookie(paging string) (SkipToken, error) {
	raw, err := url.PathUnescape(paging)
	if err != nil {
		return SkipToken{}, err
	}
	var c innerCookie
	if err := xml.Unmarshal([]byte(raw), &c); err != nil {
		return SkipToken{}, err
	}
	if len(c.Elems) == 0 || c.Page < 1 {
		return SkipToken{}, errors.New("odata: empty paging cookie")
	}
	t := SkipToken{PageNumber: c.Page + 1}
	for _, e := range c.Elems[:len(c.Elems)-1] {
		v, err := decodeSortValue(e.Type, e.Last)
		if err != nil {
			return SkipToken{}, err
		}
		t.Sort = append(t.Sort, SortValue{Column: strings.ReplaceAll(e.XMLName.Local, ".", "/"), Desc: e.Desc, Value: v})
	}
	k := c.Elems[len(c.Elems)-1]
	if k.Last == nil {
		return SkipToken{}, errors.New("odata: paging cookie without key")
	}
	t.KeyColumn = k.XMLName.Local
	if t.LastKey, err = ParseGUID(*k.Last); err != nil {
		return SkipToken{}, err
	}
	if k.First != nil {
		if t.FirstKey, err = ParseGUID(*k.First); err != nil {
			return SkipToken{}, err
		}
	}
	return t, nil
}

// columnElement turns an $orderby path into an XML element name: segments
// are identifiers, so '/' can be written as '.' without ambiguity.
func columnElement(col string) (string, bool) {
	segs := strings.Split(col, "/")
	for _, s := range segs {
		if !isName(s) {
			return "", false
		}
	}
	return strings.Join(segs, "."), true
}

// encodeSortValue returns the type tag and text of a sort value.
func encodeSortValue(v any) (typ, text string, err error) {
	switch v := v.(type) {
	case nil:
		return "null", "", nil
	case string:
		if !xmlSafe(v) {
			// Attribute values cannot hold every string (control characters,
			// invalid UTF-8); base64 keeps such values exact.
			return "base64", base64.StdEncoding.EncodeToString([]byte(v)), nil
		}
		return "string", v, nil
	case int:
		return "int", strconv.Itoa(v), nil
	case int64:
		return "int64", strconv.FormatInt(v, 10), nil
	case float64:
		return "float", strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return "bool", strconv.FormatBool(v), nil
	case time.Time:
		return "time", v.Format(time.RFC3339Nano), nil
	case GUID:
		return "guid", v.braced(), nil
	}
	return "", "", fmt.Errorf("unsupported sort value type %T", v)
}

func decodeSortValue(typ string, last *string) (any, error) {
	if typ == "null" {
		if last != nil {
			return nil, errors.New("odata: null sort value with text")
		}
		return nil, nil
	}
	if last == nil {
		return nil, errors.New("odata: sort value without text")
	}
	s := *last
	switch typ {
	case "string":
		return s, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		return string(b), err
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && (n > math.MaxInt || n < math.MinInt) {
			err = strconv.ErrRange
		}
		return int(n), err
	case "int64":
		return strconv.ParseInt(s, 10, 64)
	case "float":
		return strconv.ParseFloat(s, 64)
	case "bool":
		return strconv.ParseBool(s)
	case "time":
		return time.Parse(time.RFC3339Nano, s)
	case "guid":
		return ParseGUID(s)
	}
	return nil, fmt.Errorf("odata: unknown sort value type %q", typ)
}

// xmlSafe reports whether s survives an XML attribute round trip.
func xmlSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF || r >= 0xD800 && r < 0xE000 {
			return false
		}
	}
	return true
}

// xmlAttr escapes an attribute value.
func xmlAttr(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// percentEncode escapes every byte but unreserved ones, with lowercase hex
// as in Dataverse's cookies.
func percentEncode(s string) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isNameChar(c) || c == '-' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
