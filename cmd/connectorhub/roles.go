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

// privilegeHelp lists what --privilege takes, for the help texts.
const privilegeHelp = `Privileges: Create, Read, Write, Delete, Assign, Share, ActOnBehalfOfAnotherUser (or their
Dataverse names, prvReadconnector…). Depths: None, User, BusinessUnit, ParentChildBusinessUnits,
Organization (or Dataverse's Basic, Local, Deep, Global). Both ignore case.
ActOnBehalfOfAnotherUser is None or Organization.`

func newRolesCmd() *cobra.Command {
	var in installation
	cmd := &cobra.Command{
		Use:   "roles",
		Short: "List, create and change security roles",
		Long: `Manage the security roles of the installation in --data. A role gives each privilege on
connectors a depth; users and teams hold roles (connectorhub users add-role, teams add-role).

The four built-in roles ("System Administrator", "System Customizer", "Environment Maker",
"Basic User") cannot be changed or deleted; custom roles give the Business Unit and
Parent: Child Business Units depths a use (docs/security.md). A role's name must not be, or
imitate, another role's: names equal once spaces, invisible characters, character width and
case are folded are refused.

` + operatorHelp + `

` + privilegeHelp,
		Example: `  connectorhub roles list
  connectorhub roles create "Unit Reader" --privilege Read:BusinessUnit`,
	}
	in.register(cmd.PersistentFlags(), "./connectorhub-data")
	cmd.AddCommand(newRolesListCmd(&in), newRolesCreateCmd(&in), newRolesSetCmd(&in), newRolesDeleteCmd(&in))
	return cmd
}

// roleView is a role as `roles list -o json` writes it: privileges by name.
type roleView struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	BusinessUnit string            `json:"businessUnit"`
	BuiltIn      bool              `json:"builtIn"`
	Privileges   map[string]string `json:"privileges"`
}

func newRolesListCmd(in *installation) *cobra.Command {
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List roles with the depth of each privilege",
		Example: "  connectorhub roles list\n  connectorhub roles list -o json",
		Args:    cobra.NoArgs,
		RunE: withData(in, func(cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			ctx := cmd.Context()
			roles, err := db.ListRoles(ctx)
			if err != nil {
				return err
			}
			units := map[string]string{}
			views := make([]roleView, 0, len(roles))
			for _, r := range roles {
				if _, ok := units[r.BusinessUnitID]; !ok {
					bu, err := db.FindBusinessUnitByID(ctx, r.BusinessUnitID)
					if err != nil {
						return err
					}
					units[r.BusinessUnitID] = bu.Name
				}
				v := roleView{ID: r.ID, Name: r.Name, BusinessUnit: units[r.BusinessUnitID], BuiltIn: connectorhub.BuiltinRole(r.Name) != nil, Privileges: map[string]string{}}
				for i, d := range r.Privileges {
					v.Privileges[connectorhub.Privilege(i).String()] = d.String()
				}
				views = append(views, v)
			}
			if out.records() {
				return out.writeRecords(cmd.OutOrStdout(), views)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprint(tw, "NAME\tBUSINESS UNIT")
			for p := connectorhub.PrivCreate; p <= connectorhub.PrivActOnBehalf; p++ {
				fmt.Fprint(tw, "\t"+strings.ToUpper(p.String()))
			}
			fmt.Fprintln(tw)
			for i, r := range roles {
				fmt.Fprintf(tw, "%s\t%s", r.Name, views[i].BusinessUnit)
				for _, d := range r.Privileges {
					fmt.Fprint(tw, "\t"+d.String())
				}
				fmt.Fprintln(tw)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

// parsePrivilegeFlags reads the --privilege values, refusing the first bad one.
func parsePrivilegeFlags(values []string) (map[connectorhub.Privilege]connectorhub.Depth, error) {
	depths := map[connectorhub.Privilege]connectorhub.Depth{}
	for _, v := range values {
		p, d, err := connectorhub.ParsePrivilegeDepth(v)
		if err != nil {
			return nil, fmt.Errorf("--privilege %s", connectorhub.ErrorMessage(err))
		}
		depths[p] = d
	}
	return depths, nil
}

func newRolesCreateCmd(in *installation) *cobra.Command {
	var privileges []string
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a custom role and print its id",
		Long: `Create a custom role in the root business unit with the privileges given (None for those not
given) and print its id.

` + privilegeHelp,
		Example: `  connectorhub roles create "Sales Reader" --privilege Read:BusinessUnit
  connectorhub roles create "Regional Maker" --privilege Create:User --privilege Read:ParentChildBusinessUnits \
    --privilege Write:User --privilege Delete:User --privilege Share:User`,
		Args: cobra.ExactArgs(1),
		RunE: withAdmin(in, func(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			depths, err := parsePrivilegeFlags(privileges)
			if err != nil {
				return err
			}
			r := &connectorhub.Role{Name: args[0], Privileges: connectorhub.PrivilegeChange{Depths: depths}.Apply(connectorhub.Privileges{})}
			if err := db.AddRole(ctx, r); err != nil {
				return cliError(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), r.ID)
			return nil
		}),
	}
	cmd.Flags().StringArrayVar(&privileges, "privilege", nil, "PRIVILEGE:DEPTH to give (repeatable)")
	return cmd
}

func newRolesSetCmd(in *installation) *cobra.Command {
	var privileges []string
	cmd := &cobra.Command{
		Use:   "set NAME --privilege PRIVILEGE:DEPTH...",
		Short: "Change the depths of a custom role's privileges",
		Long: `Set the depth of each privilege given; the others keep theirs (Read:None takes Read away).
Its holders have the new depths on their next request.

` + privilegeHelp,
		Example: `  connectorhub roles set "Sales Reader" --privilege Read:ParentChildBusinessUnits
  connectorhub roles set "Sales Reader" --privilege share:none`,
		Args: cobra.ExactArgs(1),
		RunE: withAdmin(in, func(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			if len(privileges) == 0 {
				return fmt.Errorf("give at least one --privilege PRIVILEGE:DEPTH")
			}
			depths, err := parsePrivilegeFlags(privileges)
			if err != nil {
				return err
			}
			r, err := findRole(ctx, db, args[0])
			if err != nil {
				return err
			}
			return cliError(db.ChangeRolePrivileges(ctx, r.ID, connectorhub.PrivilegeChange{Depths: depths}))
		}),
	}
	cmd.Flags().StringArrayVar(&privileges, "privilege", nil, "PRIVILEGE:DEPTH to set (repeatable)")
	return cmd
}

func newRolesDeleteCmd(in *installation) *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Short:   "Delete a custom role that no user or team holds",
		Example: `  connectorhub roles delete "Sales Reader"`,
		Args:    cobra.ExactArgs(1),
		RunE: withAdmin(in, func(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB, args []string) error {
			r, err := findRole(ctx, db, args[0])
			if err != nil {
				return err
			}
			return cliError(db.DeleteRole(ctx, r.ID, connectorhub.Precondition{}))
		}),
	}
}

func findRole(ctx context.Context, db *sqlstore.DB, name string) (*connectorhub.Role, error) {
	r, err := db.FindRoleByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("no role named %q", name)
	}
	return r, nil
}

// cliError turns the domain's error into its message alone: the code means nothing on a
// command line.
func cliError(err error) error {
	if err == nil || connectorhub.ErrorCode(err) == connectorhub.ECodeUnexpected {
		return err
	}
	return fmt.Errorf("%s", connectorhub.ErrorMessage(err))
}
