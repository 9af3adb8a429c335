package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

func newUsersCmd() *cobra.Command {
	var in installation
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Manage the users of an installation and their roles",
		Long: `Manage the users (systemusers) of the installation in --data, the security roles they hold,
and whether they may sign in.

Roles: "System Administrator", "System Customizer", "Environment Maker", "Basic User"
(docs/security.md lists what each grants), and the custom roles of connectorhub roles list.

` + operatorHelp,
		Example: `  connectorhub users list
  connectorhub users create maker@example.com --role "Environment Maker"
  connectorhub users disable maker@example.com`,
	}
	in.register(cmd.PersistentFlags(), "./connectorhub-data")
	cmd.AddCommand(newUsersListCmd(&in), newUsersCreateCmd(&in), newUsersRoleCmd(&in, true), newUsersRoleCmd(&in, false),
		newUsersDisableCmd(&in, true), newUsersDisableCmd(&in, false))
	return cmd
}

// operatorHelp says, in the help of the users, teams and roles commands, which rules bind them.
const operatorHelp = `These commands act as the installation's operator, on its data directory: whoever can write
it is the local root. They are not bound by the rules that limit Web API callers (to give only
privileges one holds, to act only on principals no stronger than oneself), with one exception:
no command disables the last enabled System Administrator, or the bootstrap one
(admin@connectorhub.local, the way back in), or takes the System Administrator role from them.`

func newUsersListCmd(in *installation) *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List users with their roles",
		Example: "  connectorhub users list\n  connectorhub users list -o json",
		Args:    cobra.NoArgs,
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			users, err := db.ListSystemUsers(cmd.Context())
			if err != nil {
				return err
			}
			if out.records() {
				return out.writeRecords(cmd.OutOrStdout(), users)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tSTATE\tROLES")
			for _, u := range users {
				state := "enabled"
				if u.Disabled {
					state = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.FullName, state, strings.Join(u.Roles, ", "))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

func newUsersCreateCmd(in *installation) *cobra.Command {
	var name, oid string
	var roles []string
	cmd := &cobra.Command{
		Use:   "create EMAIL",
		Short: "Create a user",
		Long: `Create a user with the roles given (none when no --role is given) and print its id. --oid
links the user to its Microsoft Entra ID (or other OIDC) object id, the oid claim of its tokens.`,
		Example: `  connectorhub users create ada@example.com --name "Ada Lovelace" --role "Environment Maker"
  connectorhub users create grace@example.com --oid 6a1e0b7c-0f5d-4c8e-9a51-2f3b4c5d6e7f --role "Basic User"`,
		Args: cobra.ExactArgs(1),
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			ctx, email := cmd.Context(), args[0]
			if oid != "" {
				guid, ok := connectorhub.ParseGUID(oid)
				if !ok {
					return fmt.Errorf("--oid %q: not a GUID", oid)
				}
				oid = guid
			}
			if name == "" {
				name = email
			}
			ids, err := roleIDs(ctx, db, roles)
			if err != nil {
				return err
			}
			if _, err := db.FindSystemUserByEmail(ctx, email); err == nil {
				return fmt.Errorf("a user with the e-mail address %s exists", email)
			}
			// The user comes with its roles, in one transaction.
			u := &connectorhub.SystemUser{FullName: name, Email: email, AADObjectID: oid, RoleIDs: ids}
			if err := db.CreateSystemUser(ctx, u); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), u.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "full name (default: the e-mail address)")
	cmd.Flags().StringVar(&oid, "oid", "", "Entra object id (the oid claim)")
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role to give (repeatable)")
	return cmd
}

// newUsersRoleCmd is `users add-role` (add) or `users remove-role`.
func newUsersRoleCmd(in *installation, add bool) *cobra.Command {
	verb, short := "add-role", "Give a user a role"
	if !add {
		verb, short = "remove-role", "Take a role from a user"
	}
	return &cobra.Command{
		Use:     verb + " EMAIL ROLE",
		Short:   short,
		Example: "  connectorhub users " + verb + ` ada@example.com "System Customizer"`,
		Args:    cobra.ExactArgs(2),
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			ctx := cmd.Context()
			u, err := db.FindSystemUserByEmail(ctx, args[0])
			if err != nil {
				return fmt.Errorf("no user with the e-mail address %s", args[0])
			}
			ids, err := roleIDs(ctx, db, args[1:])
			if err != nil {
				return err
			}
			if add {
				return cliError(db.AssignRole(ctx, u.ID, ids[0]))
			}
			return cliError(db.RemoveRole(ctx, u.ID, ids[0]))
		}),
	}
}

// newUsersDisableCmd is `users disable` (disable) or `users enable`.
func newUsersDisableCmd(in *installation, disable bool) *cobra.Command {
	verb, short := "disable", "Stop a user from signing in; its records, roles and teams stay"
	if !disable {
		verb, short = "enable", "Let a disabled user sign in again"
	}
	return &cobra.Command{
		Use:   verb + " EMAIL",
		Short: short,
		Long: short + `. The server refuses a disabled user's tokens, and
impersonation of it, with 401, from the next request on. The bootstrap System Administrator,
and the last enabled one, cannot be disabled.`,
		Example: "  connectorhub users " + verb + " ada@example.com",
		Args:    cobra.ExactArgs(1),
		RunE: withAdmin(in, func(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			u, err := db.FindSystemUserByEmail(ctx, args[0])
			if err != nil {
				return fmt.Errorf("no user with the e-mail address %s", args[0])
			}
			return cliError(db.UpdateSystemUser(ctx, u.ID, connectorhub.SystemUserUpdate{Disabled: &disable}, connectorhub.Precondition{}))
		}),
	}
}
