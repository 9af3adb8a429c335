package odata

import (
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func mustOrderBy(tb testing.TB, s string) OrderBy {
	tb.Helper()
	o, err := ParseOrderBy(s, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

func sampleToken() SkipToken {
	return SkipToken{
		PageNumber: 3,
		Sort: []SortValue{
			{Column: "modifiedon", Desc: true, Value: time.Date(2024, 1, 31, 10, 0, 0, 500, time.UTC)},
			{Column: "ownerid/fullname", Value: `Ann "O'Brian" <&>`},
		},
		KeyColumn: "connectorid",
		LastKey:   mustGUID("d5026a4d-d01c-ed11-b83e-000d3a572421"),
		FirstKey:  mustGUID("49b0be2e-d01c-ed11-b83e-000d3a572421"),
	}
}

func TestSkipTokenShape(t *testing.T) {
	tok, err := EncodeSkipToken(testKey, sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, `<cookie pagenumber="3" pagingcookie="%3ccookie%20page%3d%222%22%3e%3cmodifiedon%20last%3d%22`) ||
		!strings.Contains(tok, `%3cconnectorid%20last%3d%22%7bD5026A4D-D01C-ED11-B83E-000D3A572421%7d%22%20first%3d%22%7b49B0BE2E-D01C-ED11-B83E-000D3A572421%7d%22%20%2f%3e%3c%2fcookie%3e" istracking="False" signature="`) ||
		!strings.HasSuffix(tok, `" />`) {
		t.Errorf("unexpected token shape: %s", tok)
	}
	inner, err := url.PathUnescape(strings.Split(tok, `"`)[3])
	if err != nil {
		t.Fatal(err)
	}
	const wantInner = `<cookie page="2"><modifiedon last="2024-01-31T10:00:00.0000005Z" type="time" desc="true" />` +
		`<ownerid.fullname last="Ann &#34;O&#39;Brian&#34; &lt;&amp;&gt;" type="string" />` +
		`<connectorid last="{D5026A4D-D01C-ED11-B83E-000D3A572421}" first="{49B0BE2E-D01C-ED11-B83E-000D3A572421}" /></cookie>`
	if inner != wantInner {
		t.Errorf("inner cookie\n got %s\nwant %s", inner, wantInner)
	}
}

func TestSkipTokenRoundTrip(t *testing.T) {
	values := map[string]any{
		"String":      "hello, world",
		"EmptyString": "",
		"Unicode":     "Grüße 😀",
		"Control":     "a\x00b\x01c",
		"InvalidUTF8": "a\xffb",
		"Newlines":    " lead\ttab\r\nnewline ",
		"Int":         42,
		"IntMin":      math.MinInt,
		"Int64":       int64(math.MaxInt64),
		"Float":       3.25,
		"FloatTiny":   5e-324,
		"FloatInf":    math.Inf(-1),
		"BoolTrue":    true,
		"BoolFalse":   false,
		"Time":        time.Date(2024, 1, 31, 10, 0, 0, 123456789, time.FixedZone("", 2*3600)),
		"GUID":        mustGUID("00000000-0000-0000-0000-000000000005"),
		"Null":        nil,
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			in := SkipToken{PageNumber: 2, Sort: []SortValue{{Column: "col", Value: v}}, KeyColumn: "connectorid",
				LastKey: mustGUID("00000000-0000-0000-0000-0000000000ff")}
			tok, err := EncodeSkipToken(testKey, in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := DecodeSkipToken(testKey, tok, mustOrderBy(t, "col"), "connectorid")
			if err != nil {
				t.Fatalf("decode %s: %v", tok, err)
			}
			if diff := cmp.Diff(in, out); diff != "" {
				t.Errorf("round trip (-in +out):\n%s", diff)
			}
			if _, isTime := v.(time.Time); isTime {
				return
			}
			// Types must come back exactly, not just equal values.
			if diff := cmp.Diff(v, out.Sort[0].Value); diff != "" {
				t.Errorf("value type changed: %T → %T", v, out.Sort[0].Value)
			}
		})
	}
}

func TestSkipTokenMultipleKeys(t *testing.T) {
	in := sampleToken()
	tok, err := EncodeSkipToken(testKey, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeSkipToken(testKey, tok, mustOrderBy(t, "modifiedon desc, ownerid/fullname"), "connectorid")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestSkipTokenTampering(t *testing.T) {
	tok, err := EncodeSkipToken(testKey, sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	orderBy := mustOrderBy(t, "modifiedon desc,ownerid/fullname")
	if _, err := DecodeSkipToken(testKey, tok, orderBy, "connectorid"); err != nil {
		t.Fatal(err)
	}
	// Every byte, changed to a few different values, must be detected.
	for i := 0; i < len(tok); i++ {
		for _, delta := range []byte{1, 2, 0x20, 0x80} {
			b := []byte(tok)
			b[i] ^= delta
			_, err := DecodeSkipToken(testKey, string(b), orderBy, "connectorid")
			if err == nil {
				t.Fatalf("byte %d ^ %#x (%q) not detected", i, delta, tok[i])
			}
			mustODataError(t, err)
		}
	}
	for _, bad := range []string{"", tok[:len(tok)-1], tok + " ", " " + tok, tok + tok, strings.ToUpper(tok),
		strings.Replace(tok, `pagenumber="3"`, `pagenumber="2"`, 1)} {
		if _, err := DecodeSkipToken(testKey, bad, orderBy, "connectorid"); err == nil {
			t.Errorf("modified token %q accepted", bad)
		}
	}
}

func TestSkipTokenWrongKey(t *testing.T) {
	tok, err := EncodeSkipToken(testKey, sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	_, err = DecodeSkipToken([]byte("another key"), tok, mustOrderBy(t, "modifiedon desc,ownerid/fullname"), "connectorid")
	if oe := mustODataError(t, err); oe.Option != "$skiptoken" || oe.Error() != "The $skiptoken is invalid or has been modified." {
		t.Errorf("got %v", err)
	}
}

func TestSkipTokenOrderByMismatch(t *testing.T) {
	tok, err := EncodeSkipToken(testKey, sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	for _, ob := range []string{"modifiedon desc", "modifiedon,ownerid/fullname", "ownerid/fullname,modifiedon desc",
		"modifiedon desc,ownerid/fullname,name", "modifiedon desc,name"} {
		_, err := DecodeSkipToken(testKey, tok, mustOrderBy(t, ob), "connectorid")
		if oe := mustODataError(t, err); oe.Msg != "The $skiptoken does not match the $orderby of this request" {
			t.Errorf("orderby %q: got %v", ob, err)
		}
	}
	if _, err := DecodeSkipToken(testKey, tok, nil, "connectorid"); err == nil {
		t.Error("empty orderby accepted")
	}
	if _, err := DecodeSkipToken(testKey, tok, mustOrderBy(t, "modifiedon desc,ownerid/fullname"), "systemuserid"); err == nil {
		t.Error("wrong key column accepted")
	}
}

func TestEncodeSkipTokenErrors(t *testing.T) {
	good := sampleToken()
	tests := map[string]func(*SkipToken){
		"PageOne":       func(s *SkipToken) { s.PageNumber = 1 },
		"BadKeyColumn":  func(s *SkipToken) { s.KeyColumn = "a/b" },
		"BadSortColumn": func(s *SkipToken) { s.Sort[0].Column = "a b" },
		"BadValueType":  func(s *SkipToken) { s.Sort[0].Value = int32(1) },
	}
	for name, mutate := range tests {
		s := good
		s.Sort = append([]SortValue(nil), good.Sort...)
		mutate(&s)
		if _, err := EncodeSkipToken(testKey, s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := EncodeSkipToken(nil, good); err == nil {
		t.Error("empty key: no error")
	}
	if _, err := DecodeSkipToken(nil, "x", nil, "connectorid"); err == nil {
		t.Error("decode with empty key: no error")
	}
}
