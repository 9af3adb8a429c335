package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/sqlite"
)

func newUsersCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the users of an installation and their roles",
		Long: `Manage the users (systemusers) of the installation in --data and the security roles they hold.

Roles: "System Administrator", "System Customizer", "Environment Maker", "Basic User"
(docs/security.md lists what each grants).`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data", "./connectorhub-data", "directory of the installation")
	cmd.AddCommand(newUsersListCmd(&dataDir), newUsersCreateCmd(&dataDir), newUsersRoleCmd(&dataDir, true), newUsersRoleCmd(&dataDir, false))
	return cmd
}

func newUsersListCmd(dataDir *string) *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List users with their roles",
		Example: "  connectorhub users list\n  connectorhub users list -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, _, err := openData(cmd.Context(), *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			users, err := db.ListSystemUsers(cmd.Context())
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSONTo(cmd.OutOrStdout(), users)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLES")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.ID, u.Email, u.FullName, strings.Join(u.Roles, ", "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().VarP(&out, "output", "o", "table or json")
	return cmd
}

func newUsersCreateCmd(dataDir *string) *cobra.Command {
	var name, oid string
	var roles []string
	cmd := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Create a user",
		Long: `Create a user with the roles given (none when no --role is given). --oid links the user to
its Microsoft Entra ID (or other OIDC) object id, the oid claim of its tokens.`,
		Example: `  connectorhub users create ada@example.com --name "Ada Lovelace" --role "Environment Maker"
  connectorhub users create grace@example.com --oid 6a1e…-… --role "Basic User"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, _, err := openData(ctx, *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			if oid != "" {
				var ok bool
				if oid, ok = connectorhub.ParseGUID(oid); !ok {
					return fmt.Errorf("--oid %q: not a GUID", oid)
				}
			}
			if name == "" {
				name = args[0]
			}
			var roleIDs []string
			for _, r := range roles {
				role, err := db.FindRoleByName(ctx, r)
				if err != nil {
					return fmt.Errorf("--role %q: no such role", r)
				}
				roleIDs = append(roleIDs, role.ID)
			}
			if _, err := db.FindSystemUserByEmail(ctx, args[0]); err == nil {
				return fmt.Errorf("a user with the e-mail address %s exists", args[0])
			}
			u := &connectorhub.SystemUser{FullName: name, Email: args[0], AADObjectID: oid}
			if err := db.CreateSystemUser(ctx, u); err != nil {
				return err
			}
			for _, id := range roleIDs {
				if err := db.AssignRole(ctx, u.ID, id); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), u.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "full name (default: the e-mail address)")
	cmd.Flags().StringVar(&oid, "oid", "", "Entra object id (the oid claim)")
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role to give (repeatable)")
	return cmd
}

// newUsersRoleCmd is `users add-role` (add) or `users remove-role`.
func newUsersRoleCmd(dataDir *string, add bool) *cobra.Command {
	use, short := "add-role EMAIL ROLE", "Give a user a role"
	if !add {
		use, short = "remove-role EMAIL ROLE", "Take a role from a user"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Example: fmt.Sprintf("  connectorhub users %s ada@example.com \"System Customizer\"", strings.Fields(use)[0]),
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, _, err := openData(ctx, *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			u, role, err := userAndRole(cmd, db, args[0], args[1])
			if err != nil {
				return err
			}
			if add {
				return db.AssignRole(ctx, u.ID, role.ID)
			}
			return db.RemoveRole(ctx, u.ID, role.ID)
		},
	}
}

func userAndRole(cmd *cobra.Command, db *sqlite.DB, email, roleName string) (*connectorhub.SystemUser, *connectorhub.Role, error) {
	u, err := db.FindSystemUserByEmail(cmd.Context(), email)
	if err != nil {
		return nil, nil, fmt.Errorf("no user with the e-mail address %s", email)
	}
	role, err := db.FindRoleByName(cmd.Context(), roleName)
	if err != nil {
		return nil, nil, fmt.Errorf("no role named %q", roleName)
	}
	return u, role, nil
}
