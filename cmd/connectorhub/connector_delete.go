package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/client"
)

// isTerminal reports whether r is an interactive terminal; tests replace it.
var isTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newConnectorDeleteCmd() *cobra.Command {
	var (
		t   target
		yes bool
	)
	cmd := &cobra.Command{
		Use:   "delete ID|NAME",
		Short: "Delete a connector",
		Long: `Delete a row of the connector table. ID|NAME is its connectorid (a GUID) or its name.

On a terminal the command asks for confirmation unless --yes is given; without a terminal (a
script, CI) it refuses to delete without --yes, with exit status 2. pac has no delete verb.`,
		Example: `  connectorhub connector delete new_petstore
  connectorhub connector delete 5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if !yes && !isTerminal(in) {
				return usagef("not deleting %s without confirmation: give --yes (standard input is not a terminal)", args[0])
			}
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			conn, err := resolveConnector(ctx, c, args[0], []string{"connectorid", "name", "displayname"})
			if err != nil {
				return err
			}
			if !yes {
				fmt.Fprintf(cmd.ErrOrStderr(), "Delete connector %s (%s, %q)? [y/N] ", conn.Name, conn.ConnectorID, conn.DisplayName)
				answer, _ := bufio.NewReader(in).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return connFailure{fmt.Errorf("not deleted: %s", conn.Name)}
				}
			}
			if err := c.DeleteConnector(ctx, conn.ConnectorID, &client.DeleteOptions{IfMatch: conn.ETag}); err != nil {
				return failed(err)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Deleted connector %s (%s).\n", conn.Name, conn.ConnectorID)
			return failed(err)
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}
