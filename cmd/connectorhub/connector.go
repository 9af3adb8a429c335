package main

import "github.com/spf13/cobra"

// newConnectorCmd is the parent of the commands that work on connectors.
func newConnectorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connector",
		Short: "Work with connectors: validate definitions offline",
	}
	cmd.AddCommand(connectorSubcommands()...)
	return cmd
}
