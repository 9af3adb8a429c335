package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
)

func newTeamsCmd() *cobra.Command {
	var in installation
	cmd := &cobra.Command{
		Use:   "teams",
		Short: "Manage teams, their members and their roles",
		Long: `Manage the teams of the installation in --data. A team can own connectors; its members hold
the privileges of the roles the team holds, and what is shared with the team.

` + operatorHelp,
		Example: `  connectorhub teams create "Connector Owners" --role "Environment Maker"
  connectorhub teams add-member "Connector Owners" maker@example.com`,
	}
	in.register(cmd.PersistentFlags(), "./connectorhub-data")
	cmd.AddCommand(newTeamsListCmd(&in), newTeamsCreateCmd(&in),
		newTeamsMemberCmd(&in, true), newTeamsMemberCmd(&in, false), newTeamsRoleCmd(&in))
	return cmd
}

func newTeamsListCmd(in *installation) *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List teams with their members and roles",
		Example: "  connectorhub teams list -o json",
		Args:    cobra.NoArgs,
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			teams, err := db.ListTeams(cmd.Context())
			if err != nil {
				return err
			}
			if out.records() {
				return out.writeRecords(cmd.OutOrStdout(), teams)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMEMBERS\tROLES")
			for _, t := range teams {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Members, ", "), strings.Join(t.Roles, ", "))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

func newTeamsCreateCmd(in *installation) *cobra.Command {
	var roles []string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a team and print its id",
		Long: `Create a team in the root business unit, with the roles given, and print its id. Its name is
checked as the Web API checks it: not empty, at most 160 characters, unique regardless of case.`,
		Example: `  connectorhub teams create "Connector Makers" --role "Environment Maker"`,
		Args:    cobra.ExactArgs(1),
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			ctx := cmd.Context()
			ids, err := roleIDs(ctx, db, roles)
			if err != nil {
				return err
			}
			t := &connectorhub.Team{Name: args[0]}
			if err := db.CreateTeam(ctx, t); err != nil {
				return cliError(err)
			}
			for _, id := range ids {
				if err := db.AssignTeamRole(ctx, t.ID, id); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.ID)
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role to give the team (repeatable)")
	return cmd
}

// newTeamsMemberCmd is `teams add-member` (add) or `teams remove-member`.
func newTeamsMemberCmd(in *installation, add bool) *cobra.Command {
	verb, short := "add-member", "Add a user to a team"
	if !add {
		verb, short = "remove-member", "Take a user out of a team"
	}
	return &cobra.Command{
		Use:     verb + " TEAM EMAIL",
		Short:   short,
		Example: "  connectorhub teams " + verb + ` "Connector Makers" ada@example.com`,
		Args:    cobra.ExactArgs(2),
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			ctx := cmd.Context()
			t, err := findTeam(cmd, db, args[0])
			if err != nil {
				return err
			}
			u, err := db.FindSystemUserByEmail(ctx, args[1])
			if err != nil {
				return fmt.Errorf("no user with the e-mail address %s", args[1])
			}
			if add {
				return cliError(db.AddTeamMember(ctx, t.ID, u.ID))
			}
			return cliError(db.RemoveTeamMember(ctx, t.ID, u.ID))
		}),
	}
}

func newTeamsRoleCmd(in *installation) *cobra.Command {
	return &cobra.Command{
		Use:     "add-role TEAM ROLE",
		Short:   "Give a team a role; its members hold its privileges",
		Example: `  connectorhub teams add-role "Connector Makers" "Environment Maker"`,
		Args:    cobra.ExactArgs(2),
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			t, err := findTeam(cmd, db, args[0])
			if err != nil {
				return err
			}
			ids, err := roleIDs(cmd.Context(), db, args[1:])
			if err != nil {
				return err
			}
			return db.AssignTeamRole(cmd.Context(), t.ID, ids[0])
		}),
	}
}

func findTeam(cmd *cobra.Command, db *sqlstore.DB, name string) (*connectorhub.Team, error) {
	t, err := db.FindTeamByName(cmd.Context(), name)
	if err != nil {
		return nil, fmt.Errorf("no team named %q", name)
	}
	return t, nil
}
