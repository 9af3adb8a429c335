// Package auth verifies bearer tokens: those of the local issuer, whose key lives in the data
// directory, and those of any OIDC issuer (such as Microsoft Entra ID), whose keys come from
// discovery and JWKS.
package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// LocalIssuer names the local issuer in the iss claim of its tokens.
const LocalIssuer = "urn:connectorhub:local"

// LocalAudience is the aud claim of local tokens.
const LocalAudience = "urn:connectorhub:api"

// keyFile is the local signing key's file in the data directory.
const keyFile = "signing-key.pem"

// Issuer signs tokens with an ECDSA P-256 key kept in the data directory.
type Issuer struct {
	key   *ecdsa.PrivateKey
	keyID string
}

// LoadOrCreateIssuer reads the signing key of dir, creating it (file mode 0600) on first use.
func LoadOrCreateIssuer(dir string) (*Issuer, error) {
	path := filepath.Join(dir, keyFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return createIssuer(dir, path)
	} else if err != nil {
		return nil, err
	}
	iss, err := ParseIssuer(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return iss, nil
}

// ParseIssuer reads an issuer from its PEM-encoded EC private key (what NewIssuerKey returns):
// for installations that keep the key in their database rather than in a data directory.
func ParseIssuer(data []byte) (*Issuer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	return newIssuer(key)
}

// NewIssuerKey returns a new signing key, PEM-encoded, for ParseIssuer.
func NewIssuerKey() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func createIssuer(dir, path string) (*Issuer, error) {
	data, err := NewIssuerKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once must not overwrite each other's key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateIssuer(dir)
	} else if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return ParseIssuer(data)
}

func newIssuer(key *ecdsa.PrivateKey) (*Issuer, error) {
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(pub)
	return &Issuer{key: key, keyID: base64.RawURLEncoding.EncodeToString(sum[:12])}, nil
}

// Token returns a signed token for the user with that systemuserid, valid for ttl.
func (i *Issuer) Token(userID string, ttl time.Duration) (string, error) {
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Issuer:    LocalIssuer,
		Subject:   userID,
		Audience:  jwt.ClaimStrings{LocalAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	})
	t.Header["kid"] = i.keyID
	return t.SignedString(i.key)
}

// PublicKey is the key that verifies the issuer's tokens.
func (i *Issuer) PublicKey() *ecdsa.PublicKey { return &i.key.PublicKey }
