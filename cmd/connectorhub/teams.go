package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
)

func newTeamsCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "teams",
		Short: "Manage teams, their members and their roles",
		Long: `Manage the teams of the installation in --data. A team can own connectors; its members hold
the privileges of the roles the team holds, and what is shared with the team.`,
	}
	cmd.PersistentFlags().StringVar(&dataDir, "data", "./connectorhub-data", "directory of the installation")
	cmd.AddCommand(newTeamsListCmd(&dataDir), newTeamsCreateCmd(&dataDir),
		newTeamsMemberCmd(&dataDir, true), newTeamsMemberCmd(&dataDir, false), newTeamsRoleCmd(&dataDir))
	return cmd
}

func newTeamsListCmd(dataDir *string) *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List teams with their members and roles",
		Example: "  connectorhub teams list -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, _, err := openData(cmd.Context(), *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			teams, err := db.ListTeams(cmd.Context())
			if err != nil {
				return err
			}
			if out == "json" {
				return writeJSONTo(cmd.OutOrStdout(), teams)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tMEMBERS\tROLES")
			for _, t := range teams {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Members, ", "), strings.Join(t.Roles, ", "))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().VarP(&out, "output", "o", "table or json")
	return cmd
}

func newTeamsCreateCmd(dataDir *string) *cobra.Command {
	var roles []string
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "Create a team",
		Example: `  connectorhub teams create "Connector Makers" --role "Environment Maker"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, _, err := openData(ctx, *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := db.FindTeamByName(ctx, args[0]); err == nil {
				return fmt.Errorf("a team named %q exists", args[0])
			}
			var roleIDs []string
			for _, r := range roles {
				role, err := db.FindRoleByName(ctx, r)
				if err != nil {
					return fmt.Errorf("--role %q: no such role", r)
				}
				roleIDs = append(roleIDs, role.ID)
			}
			t := &connectorhub.Team{Name: args[0]}
			if err := db.CreateTeam(ctx, t); err != nil {
				return err
			}
			for _, id := range roleIDs {
				if err := db.AssignTeamRole(ctx, t.ID, id); err != nil {
					return err
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), t.ID)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&roles, "role", nil, "role to give the team (repeatable)")
	return cmd
}

// newTeamsMemberCmd is `teams add-member` (add) or `teams remove-member`.
func newTeamsMemberCmd(dataDir *string, add bool) *cobra.Command {
	use, short := "add-member TEAM EMAIL", "Add a user to a team"
	if !add {
		use, short = "remove-member TEAM EMAIL", "Take a user out of a team"
	}
	return &cobra.Command{
		Use:     use,
		Short:   short,
		Example: fmt.Sprintf("  connectorhub teams %s \"Connector Makers\" ada@example.com", strings.Fields(use)[0]),
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, _, err := openData(ctx, *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.FindTeamByName(ctx, args[0])
			if err != nil {
				return fmt.Errorf("no team named %q", args[0])
			}
			u, err := db.FindSystemUserByEmail(ctx, args[1])
			if err != nil {
				return fmt.Errorf("no user with the e-mail address %s", args[1])
			}
			if add {
				return db.AddTeamMember(ctx, t.ID, u.ID)
			}
			return db.RemoveTeamMember(ctx, t.ID, u.ID)
		},
	}
}

func newTeamsRoleCmd(dataDir *string) *cobra.Command {
	return &cobra.Command{
		Use:     "add-role TEAM ROLE",
		Short:   "Give a team a role; its members hold its privileges",
		Example: `  connectorhub teams add-role "Connector Makers" "Environment Maker"`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, _, err := openData(ctx, *dataDir)
			if err != nil {
				return err
			}
			defer db.Close()
			t, err := db.FindTeamByName(ctx, args[0])
			if err != nil {
				return fmt.Errorf("no team named %q", args[0])
			}
			role, err := db.FindRoleByName(ctx, args[1])
			if err != nil {
				return fmt.Errorf("no role named %q", args[1])
			}
			return db.AssignTeamRole(ctx, t.ID, role.ID)
		},
	}
}
