package webapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectorhub/connectorhub/webapi"
)

// mustSelfSigned writes a self-signed certificate for 127.0.0.1 and its key as PEM files.
func mustSelfSigned(tb testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS: with a certificate the server speaks HTTPS and HTTP/2, and the URLs it writes say https.
func TestTLS(t *testing.T) {
	// Set before the server starts, so that its goroutines see it (for the race detector).
	webapi.SetBodyPace(t, time.Second, 32<<10) // short, yet long beside a busy machine's pauses
	s := MustOpenServer(t)
	s.Server.Close(context.Background())
	certFile, keyFile, pool := mustSelfSigned(t)
	srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
		Auth: s.Server.Auth, TLSCertFile: certFile, TLSKeyFile: keyFile}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close(context.Background())
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("URL %s", srv.URL())
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	req, _ := http.NewRequest("POST", srv.URL()+"/api/data/v9.2/connectors", strings.NewReader(body(1, nil)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.ProtoMajor != 2 || !strings.HasPrefix(resp.Header.Get("OData-EntityId"), "https://127.0.0.1:") {
		t.Errorf("got %d over %s, OData-EntityId %q; want 204 over HTTP/2 with an https URL", resp.StatusCode, resp.Proto, resp.Header.Get("OData-EntityId"))
	}
	// The pace of a body holds over HTTP/2 too, where the read deadline is the stream's: a
	// large body is served and the stream after it too, a stalled one is answered 408.
	stalled, sending := io.Pipe()
	defer sending.Close()
	go sending.Write([]byte("{"))
	def := `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{},"x-pad":"` + strings.Repeat("a", 500_000) + `"}`
	for i, tc := range []struct {
		body   io.Reader
		status int
	}{
		{strings.NewReader(body(2, map[string]any{"openapidefinition": def})), 204},
		{strings.NewReader(body(3, nil)), 204},
		{stalled, 408},
		{strings.NewReader(body(4, nil)), 204},
	} {
		req, _ := http.NewRequest("POST", srv.URL()+"/api/data/v9.2/connectors", tc.body)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.ProtoMajor != 2 {
			t.Errorf("request %d: got %d %s over %s, want %d over HTTP/2", i, resp.StatusCode, data, resp.Proto, tc.status)
		}
	}
	bad := &webapi.Server{Addr: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: certFile}
	if err := bad.Open(); err == nil {
		bad.Close(context.Background())
		t.Error("a key file that holds no key was accepted")
	}
}

// TestTrustedProxies: X-Forwarded-Proto and X-Forwarded-Host make the URLs the server writes
// when they come from a trusted proxy, and are ignored from anyone else.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    string
	}{
		{"Trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "https://connectors.example.com/api/data/v9.2/connectors("},
		{"NotTrusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "http://127.0.0.1:"},
		{"NoneTrusted", nil, "http://127.0.0.1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := MustOpenServer(t)
			s.Server.Close(context.Background())
			srv := &webapi.Server{Addr: "127.0.0.1:0", Connectors: s.DB, Principals: s.DB, Sharing: s.DB, Identities: s.DB,
				Auth: s.Server.Auth, TrustedProxies: tc.trusted}
			if err := srv.Open(); err != nil {
				t.Fatal(err)
			}
			defer srv.Close(context.Background())
			s.Server = srv
			r := s.do(t, "POST", "/api/data/v9.2/connectors", body(1, nil),
				"X-Forwarded-Proto: https", "X-Forwarded-Host: connectors.example.com", "Host: 127.0.0.1")
			if got := r.Header.Get("OData-EntityId"); !strings.HasPrefix(got, tc.want) {
				t.Errorf("OData-EntityId = %q, want it to start with %q", got, tc.want)
			}
		})
	}
}
