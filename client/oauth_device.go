package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// defaultPollInterval is the wait between device code polls when the endpoint gives none (RFC 8628 §3.2).
const defaultPollInterval = 5 * time.Second

// slowDownStep is what slow_down adds to the poll interval (RFC 8628 §3.5).
const slowDownStep = 5 * time.Second

// DeviceCodeOptions are the device code flow's own settings.
type DeviceCodeOptions struct {
	// Prompt receives the sign-in message (the verification URI and the user code); default os.Stderr,
	// so that the message never mixes with a command's output.
	Prompt io.Writer
	// RefreshToken is a refresh token kept from an earlier run: it is tried before asking the
	// user to sign in again.
	RefreshToken string
	// OnRefreshToken is called with every new refresh token, under the source's lock, so that
	// the caller can keep it for the next run; nil keeps them in memory only.
	OnRefreshToken func(refreshToken string)
	// Sleep waits between polls (default: a timer that returns ctx.Err() when ctx is done first); for tests.
	Sleep func(ctx context.Context, d time.Duration) error
}

// oauthDeviceAnswer is the device authorization endpoint's answer (RFC 8628 §3.2); Entra's older
// endpoints spell verification_uri verification_url.
type oauthDeviceAnswer struct {
	DeviceCode      string       `json:"device_code"`
	UserCode        string       `json:"user_code"`
	VerificationURI string       `json:"verification_uri"`
	VerificationURL string       `json:"verification_url"`
	ExpiresIn       oauthSeconds `json:"expires_in"`
	Interval        oauthSeconds `json:"interval"`
	Message         string       `json:"message"`
}

// NewDeviceCodeSource returns the device authorization grant (RFC 8628) for a public client:
// the user signs in on another device while the source polls the token endpoint, and the
// refresh token it gets renews the access token afterwards without asking again. The tenant
// defaults to "organizations" (any work or school account).
func NewDeviceCodeSource(cfg OAuthConfig, opts DeviceCodeOptions) (*OAuthTokenSource, error) {
	e, err := cfg.endpoints("organizations")
	if err != nil {
		return nil, err
	}
	// offline_access asks for the refresh token; Entra accepts it beside a .default scope.
	scopes := slices.Clone(e.scopes)
	if !slices.Contains(scopes, "offline_access") {
		scopes = append(scopes, "offline_access")
	}
	if opts.Prompt == nil {
		opts.Prompt = os.Stderr
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepContext
	}
	refresh := opts.RefreshToken // guarded by the source's lock, as fetch is
	return newOAuthTokenSource(e.now, func(ctx context.Context) (*AccessToken, error) {
		var tok *AccessToken
		if refresh != "" {
			form := url.Values{
				"grant_type":    {"refresh_token"},
				"client_id":     {e.clientID},
				"refresh_token": {refresh},
				"scope":         {strings.Join(scopes, " ")},
			}
			t, err := e.requestToken(ctx, form, refresh)
			var oe *OAuthError
			switch {
			case err == nil:
				tok = t
			case errors.As(err, &oe) && oe.Code == "invalid_grant":
				// The refresh token expired or was revoked: the user signs in again.
			default:
				return nil, err
			}
		}
		if tok == nil {
			t, err := e.deviceCode(ctx, scopes, opts)
			if err != nil {
				return nil, err
			}
			tok = t
		}
		if tok.RefreshToken == "" {
			tok.RefreshToken = refresh // the endpoint may keep the old one valid without repeating it
		}
		if tok.RefreshToken != refresh {
			refresh = tok.RefreshToken
			if opts.OnRefreshToken != nil {
				opts.OnRefreshToken(refresh)
			}
		}
		return tok, nil
	}), nil
}

// deviceCode runs one device authorization: it asks for a code, shows the message and polls
// until the user signed in, declined, the code expired or ctx ended.
func (e *oauthEndpoints) deviceCode(ctx context.Context, scopes []string, opts DeviceCodeOptions) (*AccessToken, error) {
	var da oauthDeviceAnswer
	form := url.Values{"client_id": {e.clientID}, "scope": {strings.Join(scopes, " ")}}
	if err := e.post(ctx, e.deviceURL, form, &da); err != nil {
		return nil, err
	}
	if da.VerificationURI == "" {
		da.VerificationURI = da.VerificationURL
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" {
		return nil, fmt.Errorf("oauth: %s: the answer lacks device_code, user_code or verification_uri", e.deviceURL)
	}
	msg := da.Message
	if msg == "" {
		msg = fmt.Sprintf("To sign in, use a web browser to open the page %s and enter the code %s to authenticate.", da.VerificationURI, da.UserCode)
	}
	fmt.Fprintln(opts.Prompt, msg)

	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = defaultPollInterval
	}
	var deadline time.Time
	if da.ExpiresIn > 0 {
		deadline = e.now().Add(time.Duration(da.ExpiresIn) * time.Second)
	}
	poll := url.Values{
		"grant_type":  {DeviceCodeGrantType},
		"client_id":   {e.clientID},
		"device_code": {da.DeviceCode},
	}
	for {
		if err := opts.Sleep(ctx, interval); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !deadline.IsZero() && e.now().After(deadline) {
			return nil, fmt.Errorf("oauth: the device code expired before sign-in completed; run the command again")
		}
		tok, err := e.requestToken(ctx, poll, da.DeviceCode)
		var oe *OAuthError
		if err == nil || !errors.As(err, &oe) {
			return tok, err
		}
		switch oe.Code {
		case "authorization_pending":
			continue
		case "slow_down":
			interval += slowDownStep
		case "expired_token":
			return nil, fmt.Errorf("oauth: the device code expired before sign-in completed; run the command again: %w", err)
		case "access_denied":
			return nil, fmt.Errorf("oauth: sign-in was declined: %w", err)
		default:
			return nil, err
		}
	}
}
