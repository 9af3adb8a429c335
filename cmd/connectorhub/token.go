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
	"github.com/connectorhub/connectorhub/sqlite"
)

func newTokenCmd() *cobra.Command {
	var (
		dataDir string
		email   string
		roles   []string
		ttl     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a bearer token of the local issuer",
		Long: `Print one line: a bearer token of the local issuer for a user of the installation in --data.

Without --user the token is the bootstrap System Administrator's. With --user, the user with that
e-mail address is created when absent, with the roles given (Basic User when none is given;
--role none for no role at all); the roles given are added to an existing user. The server may be
running: the database is shared safely.

Roles: "System Administrator", "System Customizer", "Environment Maker", "Basic User".`,
		Example: `  curl -H "Authorization: Bearer $(connectorhub token)" http://127.0.0.1:8080/api/data/v9.2/WhoAmI
  connectorhub token --user maker@example.com --role "Environment Maker" --ttl 8h
  connectorhub token --data /var/lib/connectorhub --user auditor@example.com --role none`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if ttl <= 0 {
				return errors.New("--ttl must be positive")
			}
			tok, err := localToken(cmd.Context(), dataDir, email, roles, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "./connectorhub-data", "directory of the installation")
	cmd.Flags().StringVar(&email, "user", "", "e-mail address of the user (default: the bootstrap System Administrator)")
	cmd.Flags().StringArrayVar(&roles, "role", nil, `role of the user (repeatable); "none" for none`)
	cmd.Flags().DurationVar(&ttl, "ttl", time.Hour, "how long the token is valid")
	return cmd
}

// localToken opens the installation, finds or creates the user and signs a token.
func localToken(ctx context.Context, dataDir, email string, roles []string, ttl time.Duration) (string, error) {
	db, admin, err := openData(ctx, dataDir)
	if err != nil {
		return "", err
	}
	defer db.Close()
	iss, err := auth.LoadOrCreateIssuer(dataDir)
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
	return iss.Token(userID, ttl)
}

// ensureUser returns the user with that e-mail address, creating it when absent, and gives
// it the roles (Basic User for a new user given none; "none" for no role).
func ensureUser(ctx context.Context, db *sqlite.DB, email string, roles []string) (string, error) {
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
		u = &connectorhub.SystemUser{FullName: email, Email: email}
		if err := db.CreateSystemUser(ctx, u); err != nil {
			return "", err
		}
	}
	for _, id := range ids {
		if err := db.AssignRole(ctx, u.ID, id); err != nil {
			return "", err
		}
	}
	return u.ID, nil
}
