package odata

import (
	"encoding/hex"
	"errors"
	"strings"
)

// GUID is an Edm.Guid value. It is defined here (rather than importing a
// UUID package) to keep the package on the standard library.
type GUID [16]byte

var errBadGUID = errors.New("odata: malformed GUID")

// ParseGUID parses the hyphenated form, optionally in braces
// ("{D5026A4D-D01C-ED11-B83E-000D3A572421}"), in either case.
func ParseGUID(s string) (GUID, error) {
	var g GUID
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return g, errBadGUID
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36]
	if _, err := hex.Decode(g[:], []byte(h)); err != nil {
		return g, errBadGUID
	}
	return g, nil
}

// String returns the lowercase hyphenated form used in Dataverse JSON.
func (g GUID) String() string {
	h := hex.EncodeToString(g[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// braced returns the upper-case braced form used in Dataverse paging cookies.
func (g GUID) braced() string { return "{" + strings.ToUpper(g.String()) + "}" }
