package odata

import (
	"crypto/hmac"

	"strconv"
	"strings"
	"time"
)

// DeltaToken is where a change-tracking read continues: the database's row version when the
// previous answer was read, and when that was (a token older than the deletions the server
// remembers is refused).
type DeltaToken struct {
	Version int64
	Issued  time.Time
}

// EncodeDeltaToken signs t with key: "<version>!<unix seconds>!<mac>". Dataverse's tokens are
// opaque to clients ("<version>!<date>" in its examples), and so is this one.
func EncodeDeltaToken(key []byte, t DeltaToken) string {
	prefix := strconv.FormatInt(t.Version, 10) + "!" + strconv.FormatInt(t.Issued.Unix(), 10)
	return prefix + "!" + skipTokenMAC(key, "delta:"+prefix)
}

// DecodeDeltaToken checks a token's signature and reads it; an *Error for one that was not
// made by EncodeDeltaToken with key.
func DecodeDeltaToken(key []byte, token string) (DeltaToken, error) {
	bad := &Error{Option: "$deltatoken", Pos: -1, Msg: "The $deltatoken is not valid: use the @odata.deltaLink of an earlier answer as it is"}
	i := strings.LastIndexByte(token, '!')
	if i < 0 || len(token) > 200 {
		return DeltaToken{}, bad
	}
	prefix, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(skipTokenMAC(key, "delta:"+prefix))) {
		return DeltaToken{}, bad
	}
	v, at, ok := strings.Cut(prefix, "!")
	version, err1 := strconv.ParseInt(v, 10, 64)
	secs, err2 := strconv.ParseInt(at, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return DeltaToken{}, bad
	}
	return DeltaToken{Version: version, Issued: time.Unix(secs, 0).UTC()}, nil
}
