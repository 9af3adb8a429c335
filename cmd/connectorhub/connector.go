package main

import "github.com/spf13/cobra"

// newConnectorCmd is the parent of the commands that work on connectors.
func newConnectorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connector",
		Short: "Work with connectors: list, get, create, update, delete, download, init, validate",
	}
	cmd.AddCommand(connectorSubcommands()...)
	return cmd
}
