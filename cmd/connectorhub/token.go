package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

func newTokenCmd() *cobra.Command {
	var (
		in      installation
		email   string
		roles   []string
		ttl     time.Duration
		maxLife time.Duration
		revoke  bool
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a bearer token of the local issuer",
		Long: `Print one line: a bearer token of the local issuer for a user of the installation in --data
(or in the PostgreSQL database of --database: every server on it accepts the token).

Without --user the token is the bootstrap System Administrator's. With --user, the user with that
e-mail address is created when absent, with the roles given (Basic User when none is given;
--role none for no role at all); the roles given are added to an existing user. The server may be
running: the database is shared safely.

--ttl may not exceed --max-token-lifetime (24h unless the server was given another
serve --max-token-lifetime: give the same here); the server refuses longer local tokens.

--revoke prints no token: it revokes every token of the user (--user, or the bootstrap
administrator) issued until now, local or from an OIDC issuer; the server refuses them from its
next request on. Tokens made afterwards are valid.

Roles: "System Administrator", "System Customizer", "Environment Maker", "Basic User".`,
		Example: `  curl -H "Authorization: Bearer $(connectorhub token)" http://127.0.0.1:8080/api/data/v9.2/WhoAmI
  connectorhub token --user maker@example.com --role "Environment Maker" --ttl 8h
  connectorhub token --data /var/lib/connectorhub --user auditor@example.com --role none
  connectorhub token --revoke --user maker@example.com
  connectorhub token --database postgres://connectorhub@db.internal/connectorhub --user ci@example.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if revoke {
				if len(roles) > 0 || cmd.Flags().Changed("ttl") {
					return usagef("--revoke makes no token: it takes --user alone")
				}
				u, err := revokeTokens(cmd.Context(), &in, email)
				if err != nil {
					return failed(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Tokens of %s issued before %s are refused.\n", u.Email, u.TokensValidAfter.UTC().Format(time.RFC3339))
				return nil
			}
			if ttl <= 0 {
				return errors.New("--ttl must be positive")
			}
			if ttl > maxLife {
				return fmt.Errorf("--ttl %s is longer than the maximum token lifetime %s, and the server would refuse the token; a server started with a longer serve --max-token-lifetime takes the same --max-token-lifetime here", ttl, maxLife)
			}
			tok, err := localToken(cmd.Context(), &in, email, roles, ttl)
			if err != nil {
				return failed(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	in.register(cmd.Flags(), "./connectorhub-data")
	cmd.Flags().StringVar(&email, "user", "", "e-mail address of the user (default: the bootstrap System Administrator)")
	cmd.Flags().StringArrayVar(&roles, "role", nil, `role of the user (repeatable); "none" for none`)
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "how long the token is valid")
	cmd.Flags().DurationVar(&maxLife, "max-token-lifetime", auth.DefaultMaxLocalLifetime, "the server's serve --max-token-lifetime: the longest --ttl")
	cmd.Flags().BoolVar(&revoke, "revoke", false, "revoke the user's tokens issued until now instead of printing one")
	return cmd
}

// localToken opens the installation, finds or creates the user and signs a token.
func localToken(ctx context.Context, in *installation, email string, roles []string, ttl time.Duration) (string, error) {
	db, admin, err := openData(ctx, in)
	if err != nil {
		return "", err
	}
	defer db.Close()
	iss, err := in.issuer(ctx, db)
	if err != nil {
		return "", err
	}
	userID := admin.ID
	if email != "" {
		if userID, err = ensureUser(ctx, db, email, roles); err != nil {
			return "", err
		}
	} else if len(roles) > 0 {
		return "", errors.New("--role needs --user: the bootstrap administrator's roles are fixed")
	}
	u, err := db.FindSystemUserByID(ctx, userID)
	if err != nil {
		return "", err
	}
	// Right after --revoke, a token of the revocation's second would be refused (iat has whole
	// seconds): wait for the next one rather than print it.
	if wait := time.Until(u.TokensValidAfter); wait > 0 && wait <= 2*time.Second {
		time.Sleep(wait)
	}
	return iss.Token(userID, ttl)
}

// revokeTokens makes the server refuse the tokens issued until now of the user with that
// e-mail address (the bootstrap administrator for ""), and returns the user.
func revokeTokens(ctx context.Context, in *installation, email string) (*connectorhub.SystemUser, error) {
	db, u, err := openData(ctx, in)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if email != "" {
		if u, err = db.FindSystemUserByEmail(ctx, email); connectorhub.ErrorCode(err) == connectorhub.ECodeNotFound {
			return nil, fmt.Errorf("--user %s: no user has this e-mail address", email)
		} else if err != nil {
			return nil, err
		}
	}
	if err := db.RevokeSystemUserTokens(ctx, u.ID, time.Now()); err != nil {
		return nil, err
	}
	return db.FindSystemUserByID(ctx, u.ID)
}

// ensureUser returns the user with that e-mail address, creating it when absent, and gives
// it the roles (Basic User for a new user given none; "none" for no role).
func ensureUser(ctx context.Context, db *sqlstore.DB, email string, roles []string) (string, error) {
	if !strings.Contains(email, "@") {
		return "", fmt.Errorf("--user %q: give an e-mail address", email)
	}
	var names []string
	for _, name := range roles {
		if !strings.EqualFold(name, "none") {
			names = append(names, name)
		}
	}
	u, err := db.FindSystemUserByEmail(ctx, email)
	isNew := connectorhub.ErrorCode(err) == connectorhub.ECodeNotFound
	if isNew && len(roles) == 0 {
		names = []string{connectorhub.RoleBasicUser}
	} else if err != nil && !isNew {
		return "", err
	}
	if !isNew && u.Disabled {
		// The server would refuse the token: say so now rather than print one that fails.
		return "", fmt.Errorf("--user %s is disabled; enable it with connectorhub users enable %s", email, email)
	}
	// Roles are resolved before the user is created, so a misspelt one creates nothing.
	ids, err := roleIDs(ctx, db, names)
	if err != nil {
		return "", fmt.Errorf("--role: %w", err)
	}
	if isNew {
		// The user comes with its roles, in one transaction.
		u = &connectorhub.SystemUser{FullName: email, Email: email, RoleIDs: ids}
		if err := db.CreateSystemUser(ctx, u); err != nil {
			return "", err
		}
		return u.ID, nil
	}
	for _, id := range ids {
		if err := db.AssignRole(ctx, u.ID, id); err != nil {
			return "", err
		}
	}
	return u.ID, nil
}
