package connectorhub

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DeriveInternalID returns the connectorinternalid given to a connector created without one.
// It depends on the name alone, so the same connector has the same internal id in every
// installation and connection references keep working across environments:
//
//	shared_ + encode(name, lower-cased, at most 350 characters) + "-5f" + the first 16 hex digits of SHA-256(name)
//
// encode keeps a-z, 0-9 and '-' and writes any other byte as '-' and two lower-case hex digits
// ('_' → "-5f", ' ' → "-20"), the shape of the internal ids the maker portal shows. The hash
// is over the exact name, so names differing only in case or in the truncated tail stay distinct.
func DeriveInternalID(name string) string {
	const maxEncoded = 350 // 7 (shared_) + 350 + 3 (-5f) + 16 = 376 ≤ 400, the column's limit
	var b strings.Builder
	b.WriteString("shared_")
	n := 0
	for _, c := range []byte(strings.ToLower(name)) {
		var piece string
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
			piece = string(c)
		default:
			piece = "-" + hex.EncodeToString([]byte{c})
		}
		if n+len(piece) > maxEncoded {
			break
		}
		b.WriteString(piece)
		n += len(piece)
	}
	sum := sha256.Sum256([]byte(name))
	b.WriteString("-5f")
	b.WriteString(hex.EncodeToString(sum[:8]))
	return b.String()
}
