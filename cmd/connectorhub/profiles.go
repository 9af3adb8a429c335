package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/connectorhub/connectorhub/client"
)

// Auth profiles: named credentials for an environment, kept in profiles.json under the user's
// configuration directory. The file holds no secret: a client secret is named by the
// environment variable that holds it and a certificate by its file, so the file can be read,
// backed up or shown without giving anything away. Device code refresh tokens, which are
// secrets, live apart in tokens.json (mode 0600), so that deleting that file signs out.

// configDirEnv overrides the configuration directory; tests and CI point it at their own.
const configDirEnv = "CONNECTORHUB_CONFIG_DIR"

// The kinds of profile: how its tokens are obtained.
const (
	kindClientSecret = "clientSecret" // client credentials with a secret from an environment variable
	kindCertificate  = "certificate"  // client credentials with a certificate's client assertion
	kindDeviceCode   = "deviceCode"   // a user signs in with a device code; refresh tokens renew it
)

// profileFileVersion is written into profiles.json so that a later format can be told apart.
const profileFileVersion = 1

// profile is one entry of profiles.json.
type profile struct {
	Name                   string   `json:"name"`
	Environment            string   `json:"environment"`
	Kind                   string   `json:"kind"`
	Tenant                 string   `json:"tenant,omitempty"`
	ClientID               string   `json:"clientId,omitempty"`
	ClientSecretEnv        string   `json:"clientSecretEnv,omitempty"`        // the variable's name, never its value
	Certificate            string   `json:"certificate,omitempty"`            // an absolute path to the PEM file
	CertificatePasswordEnv string   `json:"certificatePasswordEnv,omitempty"` // the variable's name, never its value
	Authority              string   `json:"authority,omitempty"`              // empty: Microsoft Entra ID
	Scopes                 []string `json:"scopes,omitempty"`                 // empty: <environment>/.default
}

// profileFile is profiles.json.
type profileFile struct {
	Version  int       `json:"version"`
	Selected string    `json:"selected,omitempty"`
	Profiles []profile `json:"profiles"`
}

// configDir is where profiles.json and tokens.json live.
func configDir() (string, error) {
	if d := os.Getenv(configDirEnv); d != "" {
		return d, nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for auth profiles (set $%s): %w", configDirEnv, err)
	}
	return filepath.Join(d, "connectorhub"), nil
}

// loadProfiles reads profiles.json; a missing file is an empty one.
func loadProfiles() (*profileFile, error) {
	dir, err := configDir()
	if err != nil {
		return nil, err
	}
	pf := &profileFile{Version: profileFileVersion}
	if err := readConfigJSON(filepath.Join(dir, "profiles.json"), pf); err != nil {
		return nil, err
	}
	if pf.Version > profileFileVersion {
		return nil, fmt.Errorf("%s is of version %d, newer than this connectorhub reads (%d)", filepath.Join(dir, "profiles.json"), pf.Version, profileFileVersion)
	}
	return pf, nil
}

// save writes profiles.json atomically.
func (pf *profileFile) save() error {
	dir, err := configDir()
	if err != nil {
		return err
	}
	pf.Version = profileFileVersion
	if pf.Profiles == nil {
		pf.Profiles = []profile{}
	}
	return writeConfigJSON(dir, "profiles.json", pf)
}

// find returns the profile named name (names compare without regard to case), or nil.
func (pf *profileFile) find(name string) *profile {
	for i := range pf.Profiles {
		if strings.EqualFold(pf.Profiles[i].Name, name) {
			return &pf.Profiles[i]
		}
	}
	return nil
}

// readConfigJSON decodes path into v; a missing file leaves v as it is.
func readConfigJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeConfigJSON writes v to dir/name with mode 0600 (writeFileAtomic). dir is made 0700
// when it does not exist.
func writeConfigJSON(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, name), append(data, '\n'))
}

// writeFileAtomic writes data to path with mode 0600, through a temporary file in the same
// directory renamed over the old one, so that a reader (another connectorhub) never sees half
// a file and a crash leaves the old one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// tokenCache is tokens.json: the refresh tokens of device code profiles, by profile name,
// each with the client and authority it was issued to, so that a profile re-created with
// other settings does not use a stale one.
type tokenCache struct {
	Version       int                      `json:"version"`
	RefreshTokens map[string]cachedRefresh `json:"refreshTokens"`
}

type cachedRefresh struct {
	ClientID     string    `json:"clientId"`
	Authority    string    `json:"authority"`
	RefreshToken string    `json:"refreshToken"`
	Saved        time.Time `json:"saved"`
}

// tokenCacheMu serialises this process's writes of tokens.json.
var tokenCacheMu sync.Mutex

// updateTokenCache reads tokens.json, lets change edit it, and writes it back.
func updateTokenCache(change func(c *tokenCache)) error {
	tokenCacheMu.Lock()
	defer tokenCacheMu.Unlock()
	dir, err := configDir()
	if err != nil {
		return err
	}
	c := &tokenCache{}
	if err := readConfigJSON(filepath.Join(dir, "tokens.json"), c); err != nil {
		return err
	}
	if c.RefreshTokens == nil {
		c.RefreshTokens = map[string]cachedRefresh{}
	}
	change(c)
	c.Version = profileFileVersion
	return writeConfigJSON(dir, "tokens.json", c)
}

// cachedRefreshToken returns the kept refresh token of a device code profile, if it was
// issued to the profile's client by its authority.
func cachedRefreshToken(p *profile, authority string) string {
	dir, err := configDir()
	if err != nil {
		return ""
	}
	c := &tokenCache{}
	if readConfigJSON(filepath.Join(dir, "tokens.json"), c) != nil {
		return "" // an unreadable cache only means signing in again
	}
	r, ok := c.RefreshTokens[strings.ToLower(p.Name)]
	if !ok || r.ClientID != p.ClientID || r.Authority != authority {
		return ""
	}
	return r.RefreshToken
}

// forgetRefreshToken removes a profile's refresh token, when the profile goes or is replaced.
func forgetRefreshToken(name string) error {
	dir, err := configDir()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "tokens.json")); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return updateTokenCache(func(c *tokenCache) { delete(c.RefreshTokens, strings.ToLower(name)) })
}

// authPrompt receives the device code sign-in message; stderr, so that output stays clean.
var authPrompt io.Writer = os.Stderr

// deviceCodeSleep, when set, replaces the wait between device code polls; for tests.
var deviceCodeSleep func(ctx context.Context, d time.Duration) error

// profileSources keeps each profile's token source for the life of the process, so that its
// token is requested once, however many clients a command makes. The key is the profile's
// JSON: an edited profile gets a new source.
var profileSources = struct {
	sync.Mutex
	m map[string]client.TokenSource
}{m: map[string]client.TokenSource{}}

// profileSource resolves the auth profile named name, or the selected one when name is "":
// its environment and where its tokens come from. found is false when no profile applies.
func profileSource(ctx context.Context, name string) (env string, ts client.TokenSource, found bool, err error) {
	pf, err := loadProfiles()
	if err != nil {
		return "", nil, false, err
	}
	if name == "" {
		if pf.Selected == "" {
			return "", nil, false, nil
		}
		name = pf.Selected
	}
	p := pf.find(name)
	if p == nil {
		return "", nil, false, nil
	}
	key, err := json.Marshal(p)
	if err != nil {
		return "", nil, false, err
	}
	profileSources.Lock()
	defer profileSources.Unlock()
	if ts := profileSources.m[string(key)]; ts != nil {
		return p.Environment, ts, true, nil
	}
	ts, err = p.tokenSource()
	if err != nil {
		return "", nil, false, fmt.Errorf("auth profile %s: %w", p.Name, err)
	}
	profileSources.m[string(key)] = ts
	return p.Environment, ts, true, nil
}

// oauthConfig is the profile's OAuth configuration.
func (p *profile) oauthConfig() client.OAuthConfig {
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = []string{client.DefaultScope(p.Environment)}
	}
	return client.OAuthConfig{Authority: p.Authority, Tenant: p.Tenant, ClientID: p.ClientID, Scopes: scopes}
}

// tokenSource makes the profile's token source, reading its secret from the environment or
// its certificate from its file now, so that a missing one is reported before any request.
func (p *profile) tokenSource() (client.TokenSource, error) {
	cfg := p.oauthConfig()
	switch p.Kind {
	case kindClientSecret:
		secret := os.Getenv(p.ClientSecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("$%s, which holds the client secret, is not set", p.ClientSecretEnv)
		}
		return client.NewClientSecretSource(cfg, secret)
	case kindCertificate:
		cc, err := loadProfileCertificate(p.Certificate, p.CertificatePasswordEnv)
		if err != nil {
			return nil, err
		}
		return client.NewClientCertificateSource(cfg, cc)
	case kindDeviceCode:
		authority, err := client.ResolveAuthority(p.Authority, p.Tenant, "organizations")
		if err != nil {
			return nil, err
		}
		name, clientID := p.Name, p.ClientID
		return client.NewDeviceCodeSource(cfg, client.DeviceCodeOptions{
			Prompt:       authPrompt,
			RefreshToken: cachedRefreshToken(p, authority),
			Sleep:        deviceCodeSleep,
			OnRefreshToken: func(rt string) {
				err := updateTokenCache(func(c *tokenCache) {
					c.RefreshTokens[strings.ToLower(name)] = cachedRefresh{ClientID: clientID, Authority: authority, RefreshToken: rt, Saved: time.Now().UTC()}
				})
				if err != nil { // the token still serves this run; the next one signs in again
					fmt.Fprintf(authPrompt, "connectorhub: keeping the refresh token: %v\n", err)
				}
			},
		})
	}
	return nil, fmt.Errorf("unknown kind %q", p.Kind)
}

// loadProfileCertificate reads a certificate and its key from a PEM file, with the key's password
// from the environment variable passwordEnv when it is named.
func loadProfileCertificate(path, passwordEnv string) (client.ClientCertificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return client.ClientCertificate{}, err
	}
	var password []byte
	if passwordEnv != "" {
		password = []byte(os.Getenv(passwordEnv))
	}
	cc, err := client.ParseCertificatePEM(data, password)
	if err != nil {
		return client.ClientCertificate{}, fmt.Errorf("%s: %w", path, err)
	}
	return cc, nil
}
