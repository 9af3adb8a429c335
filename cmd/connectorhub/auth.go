package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/connectorhub/connectorhub/client"
)

func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Create, list, select and delete auth profiles",
		Long: `Manage auth profiles: named credentials for an environment, used by every command that talks
to a server when it is given no --token (or $CONNECTORHUB_TOKEN). A command uses --profile NAME,
else the selected profile; without one, --data mints a local token.

A profile signs in with Microsoft Entra ID (or another authority with the same endpoints) in one
of three ways:
  clientSecret  client credentials; the secret is read from the environment variable named by
                --client-secret-env each time the profile is used
  certificate   client credentials with a client assertion signed by the certificate's key
                (--certificate: a PEM file with the certificate and its RSA key)
  deviceCode    a user signs in in a browser with a code; refresh tokens renew the token

Profiles are kept in profiles.json under the user's configuration directory ($` + configDirEnv + `
overrides it), which holds no secret; device code refresh tokens are kept beside it in
tokens.json (mode 0600).`,
		Example: `  connectorhub auth create --name prod --env https://contoso.crm.dynamics.com \
    --tenant contoso.onmicrosoft.com --client-id 11111111-2222-3333-4444-555555555555 \
    --client-secret-env CONTOSO_CLIENT_SECRET
  connectorhub auth list
  connectorhub auth select prod
  connectorhub connector list --profile prod`,
	}
	cmd.AddCommand(newAuthCreateCmd(), newAuthListCmd(), newAuthSelectCmd(), newAuthDeleteCmd())
	return cmd
}

// profileNameRE is what a profile name may be: it is typed on command lines and used as a key.
var profileNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// envVarRE is the name of an environment variable; a value that is not one is likely the
// secret itself, given by mistake, and must not be stored.
var envVarRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func newAuthCreateCmd() *cobra.Command {
	var (
		p          profile
		deviceCode bool
	)
	cmd := &cobra.Command{
		Use:   "create --name NAME --env URL [credentials]",
		Short: "Create an auth profile (the first one is selected)",
		Long: `Create an auth profile for an environment. Credentials:

  --tenant T --client-id C --client-secret-env VAR
      client credentials with a client secret, read from $VAR whenever the profile is used;
      the secret itself is never written anywhere
  --tenant T --client-id C --certificate FILE.pem [--certificate-password-env VAR]
      client credentials with a certificate: FILE.pem holds the certificate and its RSA
      private key (PKCS#1, PKCS#8, or encrypted PKCS#8 with the password in $VAR)
  --client-id C [--tenant T] [--device-code]
      a user signs in in a browser with a code printed on stderr (the app registration must
      allow public client flows); the tenant defaults to organizations

The scope defaults to <environment>/.default and the authority to
https://login.microsoftonline.com/<tenant>; --authority with a path (e.g.
https://login.microsoftonline.us/<tenant>) is used as it is. The first profile created is
selected.`,
		Example: `  connectorhub auth create --name prod --env https://contoso.crm.dynamics.com \
    --tenant contoso.onmicrosoft.com --client-id 11111111-2222-3333-4444-555555555555 \
    --client-secret-env CONTOSO_CLIENT_SECRET
  connectorhub auth create --name ci --env https://contoso.crm.dynamics.com \
    --tenant contoso.onmicrosoft.com --client-id 11111111-2222-3333-4444-555555555555 \
    --certificate ~/.config/connectorhub/ci.pem --certificate-password-env CI_CERT_PASSWORD
  connectorhub auth create --name me --env https://contoso.crm.dynamics.com \
    --client-id 11111111-2222-3333-4444-555555555555 --device-code`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := completeProfile(&p, deviceCode, cmd.ErrOrStderr()); err != nil {
				return err
			}
			pf, err := loadProfiles()
			if err != nil {
				return err
			}
			if old := pf.find(p.Name); old != nil {
				return fmt.Errorf("an auth profile named %q exists: delete it first (connectorhub auth delete %s)", old.Name, old.Name)
			}
			pf.Profiles = append(pf.Profiles, p)
			first := pf.Selected == ""
			if first {
				pf.Selected = p.Name
			}
			// A refresh token left by an earlier profile of this name belongs to that one.
			if err := forgetRefreshToken(p.Name); err != nil {
				return err
			}
			if err := pf.save(); err != nil {
				return err
			}
			note := ""
			if first {
				note = " and selected it"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created auth profile %s (%s, %s)%s.\n", p.Name, p.Kind, p.Environment, note)
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&p.Name, "name", "", "the profile's name (letters, digits, '.', '_', '-')")
	fs.StringVar(&p.Environment, "environment", "", "the environment's root URL, e.g. https://org.crm.dynamics.com (also --env, -env)")
	fs.StringVar(&p.Tenant, "tenant", "", "the Entra tenant (id or domain)")
	fs.StringVar(&p.ClientID, "client-id", "", "the application (client) id of the app registration")
	fs.StringVar(&p.ClientSecretEnv, "client-secret-env", "", "the NAME of the environment variable that holds the client secret")
	fs.StringVar(&p.Certificate, "certificate", "", "a PEM file with the certificate and its RSA private key")
	fs.StringVar(&p.CertificatePasswordEnv, "certificate-password-env", "", "the NAME of the environment variable that holds the private key's password")
	fs.BoolVar(&deviceCode, "device-code", false, "sign a user in with a device code (the default without a secret or certificate)")
	fs.StringVar(&p.Authority, "authority", "", "the authority URL (default https://login.microsoftonline.com/<tenant>)")
	fs.StringArrayVar(&p.Scopes, "scope", nil, "a scope to ask for (repeatable; default <environment>/.default)")
	// --env is what the issue and pac users type; one flag underneath.
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == "env" {
			name = "environment"
		}
		return pflag.NormalizedName(name)
	})
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("environment")
	return cmd
}

// completeProfile checks the flags of auth create and fills in the kind; warn receives
// what is not wrong but will fail later (a variable not set yet).
func completeProfile(p *profile, deviceCode bool, warn io.Writer) error {
	if !profileNameRE.MatchString(p.Name) {
		return fmt.Errorf("--name %q: a profile name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", p.Name)
	}
	p.Environment = strings.TrimRight(p.Environment, "/")
	if _, err := client.New(p.Environment); err != nil {
		return fmt.Errorf("--environment: %w", err)
	}
	switch {
	case p.ClientSecretEnv != "" && p.Certificate != "":
		return errors.New("give --client-secret-env or --certificate, not both")
	case deviceCode && (p.ClientSecretEnv != "" || p.Certificate != ""):
		return errors.New("--device-code signs a user in: it takes no --client-secret-env or --certificate")
	case p.CertificatePasswordEnv != "" && p.Certificate == "":
		return errors.New("--certificate-password-env goes with --certificate")
	case p.ClientSecretEnv != "":
		p.Kind = kindClientSecret
	case p.Certificate != "":
		p.Kind = kindCertificate
	default:
		p.Kind = kindDeviceCode
	}
	if p.ClientID == "" {
		return fmt.Errorf("--client-id is required: the application (client) id of the app registration")
	}
	defaultTenant := ""
	if p.Kind == kindDeviceCode {
		defaultTenant = "organizations"
	}
	if _, err := client.ResolveAuthority(p.Authority, p.Tenant, defaultTenant); err != nil {
		if p.Tenant == "" && defaultTenant == "" {
			return errors.New("--tenant is required for client credentials (or an --authority URL that names the tenant)")
		}
		return fmt.Errorf("--authority: %w", err)
	}
	for _, s := range p.Scopes {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\n") {
			return fmt.Errorf("--scope %q: one scope per flag, without spaces", s)
		}
	}
	for _, v := range []struct{ flag, name string }{{"--client-secret-env", p.ClientSecretEnv}, {"--certificate-password-env", p.CertificatePasswordEnv}} {
		if v.name != "" && !envVarRE.MatchString(v.name) {
			// Not quoted: it may be the secret itself.
			return fmt.Errorf("%s takes the NAME of an environment variable (letters, digits, '_'), not the secret itself", v.flag)
		}
	}
	if p.ClientSecretEnv != "" && os.Getenv(p.ClientSecretEnv) == "" {
		fmt.Fprintf(warn, "note: $%s is not set; set it to the client secret before using the profile\n", p.ClientSecretEnv)
	}
	if p.Certificate != "" {
		abs, err := filepath.Abs(p.Certificate)
		if err != nil {
			return err
		}
		p.Certificate = abs // the profile is used from any working directory
		if p.CertificatePasswordEnv != "" && os.Getenv(p.CertificatePasswordEnv) == "" {
			if _, err := os.Stat(abs); err != nil {
				return fmt.Errorf("--certificate: %w", err)
			}
			fmt.Fprintf(warn, "note: $%s is not set; set it to the key's password before using the profile\n", p.CertificatePasswordEnv)
		} else if _, err := loadProfileCertificate(abs, p.CertificatePasswordEnv); err != nil {
			return fmt.Errorf("--certificate: %w", err)
		}
	}
	return nil
}

// profileView is a profile as `auth list -o json` writes it; the field names are stable.
type profileView struct {
	Name        string `json:"name"`
	Environment string `json:"environment"`
	Kind        string `json:"kind"`
	Tenant      string `json:"tenant"`
	ClientID    string `json:"clientId"`
	Selected    bool   `json:"selected"`
}

func newAuthListCmd() *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the auth profiles; * marks the selected one",
		Example: "  connectorhub auth list\n  connectorhub auth list -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, err := loadProfiles()
			if err != nil {
				return err
			}
			views := make([]profileView, 0, len(pf.Profiles))
			for _, p := range pf.Profiles {
				views = append(views, profileView{
					Name: p.Name, Environment: p.Environment, Kind: p.Kind, Tenant: p.Tenant, ClientID: p.ClientID,
					Selected: strings.EqualFold(p.Name, pf.Selected),
				})
			}
			if out.records() {
				return out.writeRecords(cmd.OutOrStdout(), views)
			}
			if len(views) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No auth profiles: create one with connectorhub auth create.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACTIVE\tNAME\tENVIRONMENT\tKIND\tTENANT\tCLIENT ID")
			for _, v := range views {
				mark := ""
				if v.Selected {
					mark = "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, v.Name, v.Environment, v.Kind, v.Tenant, v.ClientID)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

func newAuthSelectCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "select NAME",
		Short:   "Select the profile commands use when given no --profile",
		Example: "  connectorhub auth select prod",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, p, err := loadProfile(args[0])
			if err != nil {
				return err
			}
			pf.Selected = p.Name
			if err := pf.save(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Selected auth profile %s (%s).\n", p.Name, p.Environment)
			return nil
		},
	}
}

func newAuthDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a profile and its kept refresh token",
		Example: "  connectorhub auth delete prod",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, p, err := loadProfile(args[0])
			if err != nil {
				return err
			}
			name := p.Name
			wasSelected := strings.EqualFold(name, pf.Selected)
			kept := pf.Profiles[:0]
			for _, q := range pf.Profiles {
				if !strings.EqualFold(q.Name, name) {
					kept = append(kept, q)
				}
			}
			pf.Profiles = kept
			if wasSelected {
				pf.Selected = "" // choosing another for the user would send commands somewhere unasked
			}
			if err := pf.save(); err != nil {
				return err
			}
			if err := forgetRefreshToken(name); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Deleted auth profile %s.\n", name)
			if wasSelected && len(pf.Profiles) > 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No profile is selected now: connectorhub auth select NAME selects one.")
			}
			return nil
		},
	}
}

// loadProfile loads the profiles and finds the one named name; an error when there is none.
func loadProfile(name string) (*profileFile, *profile, error) {
	pf, err := loadProfiles()
	if err != nil {
		return nil, nil, err
	}
	p := pf.find(name)
	if p == nil {
		return nil, nil, fmt.Errorf("no auth profile named %q: connectorhub auth list shows them", name)
	}
	return pf, p, nil
}
