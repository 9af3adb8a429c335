// Command connectorhub serves, validates and manages Power Platform custom connectors.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	// SIGINT and SIGTERM cancel the context; commands shut down gracefully on it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	root.SetArgs(pacFlags(os.Args[1:]))
	if err := root.ExecuteContext(ctx); err != nil {
		os.Exit(exitCode(err))
	}
}

// exitCoder is an error that asks for a specific process exit status (validate uses 1 for findings).
type exitCoder interface{ ExitCode() int }

func exitCode(err error) int {
	if ec, ok := err.(exitCoder); ok {
		return ec.ExitCode()
	}
	return 2
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "connectorhub",
		Short: "A Dataverse-compatible registry, validator and CLI for Power Platform custom connectors",
		Long: `ConnectorHub serves the Dataverse Web API for custom connectors (the connector table),
validates connector definitions offline, and manages the users, teams, roles and tokens of a
local installation, and manages connectors on any Dataverse-compatible endpoint (this server or
a Microsoft Dataverse environment) from their folders, with pac's verbs and a GitOps plan/apply.

Exit codes: 0 ok, 1 error, 2 usage, 3 partial failure of a batch (plan, apply), 130 interrupted.`,
		Example: `  connectorhub serve
  connectorhub token
  connectorhub connector list
  connectorhub plan connectors/ && connectorhub apply connectors/`,
		SilenceUsage: true,
	}
	root.SetErrPrefix("connectorhub:")
	root.AddCommand(newServeCmd(), newTokenCmd(), newUsersCmd(), newTeamsCmd(), newRolesCmd(), newConnectorCmd(), newPlanCmd(), newApplyCmd(), newAuthCmd(), newBenchCmd())
	root.AddCommand(newMigrateCmd(), newSolutionCmd())
	return root
}
