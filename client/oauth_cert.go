package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"
	"time"
)

// assertionLifetime is how long a client assertion is valid: long enough for clock skew,
// short enough that a captured assertion is soon worthless.
const assertionLifetime = 10 * time.Minute

// ClientCertificate is the credential of the certificate flow: the certificate registered on
// the app and its private key.
type ClientCertificate struct {
	Certificate *x509.Certificate
	Key         crypto.Signer // an RSA private key, the certificate's
	PSS         bool          // sign assertions with PS256 rather than RS256
}

// NewClientCertificateSource returns the client credentials flow with a certificate: each
// token request carries a fresh client assertion (RFC 7523), a JWT signed with the key, so
// that no shared secret exists.
func NewClientCertificateSource(cfg OAuthConfig, cc ClientCertificate) (*OAuthTokenSource, error) {
	e, err := cfg.endpoints("")
	if err != nil {
		return nil, err
	}
	if cc.Certificate == nil || cc.Key == nil {
		return nil, errors.New("oauth: a certificate and its private key are required")
	}
	pub, ok := cc.Key.Public().(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("oauth: the certificate's key must be an RSA key")
	}
	if !pub.Equal(cc.Certificate.PublicKey) {
		return nil, errors.New("oauth: the private key is not the certificate's")
	}
	return newOAuthTokenSource(e.now, func(ctx context.Context) (*AccessToken, error) {
		assertion, err := clientAssertion(cc, e.clientID, e.tokenURL, e.now())
		if err != nil {
			return nil, err
		}
		form := url.Values{
			"grant_type":            {"client_credentials"},
			"client_id":             {e.clientID},
			"client_assertion_type": {ClientAssertionType},
			"client_assertion":      {assertion},
			"scope":                 {strings.Join(e.scopes, " ")},
		}
		return e.requestToken(ctx, form, assertion)
	}), nil
}

// clientAssertion signs the JWT that proves possession of the certificate's key; Entra finds
// the certificate by its thumbprint (x5t#S256, and x5t, the SHA-1 one, for older authorities).
func clientAssertion(cc ClientCertificate, clientID, audience string, now time.Time) (string, error) {
	sha1sum := sha1.Sum(cc.Certificate.Raw)
	sha256sum := sha256.Sum256(cc.Certificate.Raw)
	alg := "RS256"
	if cc.PSS {
		alg = "PS256"
	}
	header := map[string]string{
		"alg":      alg,
		"typ":      "JWT",
		"x5t":      base64.RawURLEncoding.EncodeToString(sha1sum[:]),
		"x5t#S256": base64.RawURLEncoding.EncodeToString(sha256sum[:]),
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("oauth: %w", err)
	}
	claims := map[string]any{
		"aud": audience,
		"iss": clientID,
		"sub": clientID,
		"jti": hex.EncodeToString(jti),
		"nbf": now.Unix(),
		"iat": now.Unix(),
		"exp": now.Add(assertionLifetime).Unix(),
	}
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(signed))
	var opts crypto.SignerOpts = crypto.SHA256
	if cc.PSS {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := cc.Key.Sign(rand.Reader, digest[:], opts)
	if err != nil {
		return "", fmt.Errorf("oauth: signing the client assertion: %w", err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// ParseCertificatePEM reads a certificate and its RSA private key from PEM data, in one file
// as Azure and openssl write them: CERTIFICATE blocks (a chain is fine; the one whose public key
// is the key's is taken) and an RSA PRIVATE KEY (PKCS#1), PRIVATE KEY (PKCS#8) or
// ENCRYPTED PRIVATE KEY (PKCS#8 with PBES2, decrypted with password) block.
func ParseCertificatePEM(data []byte, password []byte) (ClientCertificate, error) {
	var certs []*x509.Certificate
	var key crypto.Signer
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return ClientCertificate{}, fmt.Errorf("oauth: certificate: %w", err)
			}
			certs = append(certs, c)
		case "RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			if key != nil {
				return ClientCertificate{}, errors.New("oauth: the PEM data has more than one private key")
			}
			k, err := parsePrivateKey(block, password)
			if err != nil {
				return ClientCertificate{}, err
			}
			key = k
		}
	}
	if key == nil {
		return ClientCertificate{}, errors.New("oauth: the PEM data has no private key (RSA PRIVATE KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY)")
	}
	if len(certs) == 0 {
		return ClientCertificate{}, errors.New("oauth: the PEM data has no CERTIFICATE")
	}
	for _, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(key.Public()) {
			return ClientCertificate{Certificate: c, Key: key}, nil
		}
	}
	return ClientCertificate{}, errors.New("oauth: no certificate in the PEM data is the private key's")
}

// parsePrivateKey reads one RSA private key block.
func parsePrivateKey(block *pem.Block, password []byte) (crypto.Signer, error) {
	if _, ok := block.Headers["DEK-Info"]; ok {
		// Legacy OpenSSL encryption is insecure (MD5 key derivation) and deprecated in Go.
		return nil, errors.New("oauth: legacy encrypted PEM keys are not supported: convert with openssl pkcs8 -topk8 -v2 aes-256-cbc")
	}
	der := block.Bytes
	if block.Type == "ENCRYPTED PRIVATE KEY" {
		if len(password) == 0 {
			return nil, errors.New("oauth: the private key is encrypted and no password was given")
		}
		var err error
		if der, err = decryptPKCS8(der, password); err != nil {
			return nil, err
		}
	}
	var k any
	var err error
	if block.Type == "RSA PRIVATE KEY" {
		k, err = x509.ParsePKCS1PrivateKey(der)
	} else {
		k, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil && block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("oauth: encrypted private key: wrong password, or a corrupt key")
	}
	if err != nil {
		return nil, fmt.Errorf("oauth: private key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("oauth: the private key is a %T; client assertions need an RSA key", k)
	}
	return rk, nil
}

var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// encryptedPrivateKeyInfo and the PBES2 structures are those of RFC 5208 and RFC 8018.
type encryptedPrivateKeyInfo struct {
	Algorithm     pkixAlgorithm
	EncryptedData []byte
}

type pkixAlgorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type pbes2Params struct {
	KeyDerivationFunc pkixAlgorithm
	EncryptionScheme  pkixAlgorithm
}

type pbkdf2Params struct {
	Salt      []byte
	Iteration int
	KeyLength int           `asn1:"optional"`
	PRF       pkixAlgorithm `asn1:"optional"`
}

// decryptPKCS8 decrypts an ENCRYPTED PRIVATE KEY of PBES2 with PBKDF2 and AES-CBC or
// 3DES-CBC, what openssl (pkcs8 -topk8, req -newkey) writes; the result is PKCS#8 DER.
func decryptPKCS8(der, password []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: %w", err)
	}
	if !info.Algorithm.Algorithm.Equal(oidPBES2) {
		return nil, fmt.Errorf("oauth: encrypted private key: scheme %v is not supported (only PBES2: openssl pkcs8 -topk8 -v2 aes-256-cbc)", info.Algorithm.Algorithm)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: PBES2 parameters: %w", err)
	}
	if !params.KeyDerivationFunc.Algorithm.Equal(oidPBKDF2) {
		return nil, fmt.Errorf("oauth: encrypted private key: key derivation %v is not supported (only PBKDF2)", params.KeyDerivationFunc.Algorithm)
	}
	var kdf pbkdf2Params
	if _, err := asn1.Unmarshal(params.KeyDerivationFunc.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: PBKDF2 parameters: %w", err)
	}
	var prf func() hash.Hash
	switch a := kdf.PRF.Algorithm; {
	case len(a) == 0 || a.Equal(oidHMACSHA1):
		prf = sha1.New
	case a.Equal(oidHMACSHA256):
		prf = sha256.New
	case a.Equal(oidHMACSHA384):
		prf = sha512.New384
	case a.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, fmt.Errorf("oauth: encrypted private key: PBKDF2 function %v is not supported", a)
	}
	var keyLen int
	var newCipher func([]byte) (cipher.Block, error)
	switch a := params.EncryptionScheme.Algorithm; {
	case a.Equal(oidAES128CBC):
		keyLen, newCipher = 16, aes.NewCipher
	case a.Equal(oidAES192CBC):
		keyLen, newCipher = 24, aes.NewCipher
	case a.Equal(oidAES256CBC):
		keyLen, newCipher = 32, aes.NewCipher
	case a.Equal(oidDESEDE3CBC):
		keyLen, newCipher = 24, des.NewTripleDESCipher
	default:
		return nil, fmt.Errorf("oauth: encrypted private key: cipher %v is not supported (AES-CBC or 3DES-CBC)", a)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: IV: %w", err)
	}
	if kdf.Iteration < 1 || kdf.Iteration > 10_000_000 {
		return nil, fmt.Errorf("oauth: encrypted private key: %d PBKDF2 iterations", kdf.Iteration)
	}
	key, err := pbkdf2.Key(prf, string(password), kdf.Salt, kdf.Iteration, keyLen)
	if err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: %w", err)
	}
	block, err := newCipher(key)
	if err != nil {
		return nil, fmt.Errorf("oauth: encrypted private key: %w", err)
	}
	data := info.EncryptedData
	if len(iv) != block.BlockSize() || len(data) == 0 || len(data)%block.BlockSize() != 0 {
		return nil, errors.New("oauth: encrypted private key: malformed ciphertext")
	}
	plain := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, data)
	// A wrong password shows as bad padding (or, by chance, as DER that does not parse).
	n := int(plain[len(plain)-1])
	if n == 0 || n > block.BlockSize() || !hmac.Equal(plain[len(plain)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("oauth: encrypted private key: wrong password")
	}
	return plain[:len(plain)-n], nil
}
