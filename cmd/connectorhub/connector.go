package main

import "github.com/spf13/cobra"

// newConnectorCmd is the parent of the commands that work on connectors.
func newConnectorCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connector",
		Short: "Work with connectors: list, get, create, update, delete, download, init, validate",
		Long: `Work with the connectors of any Dataverse-compatible environment (--environment; this
server on 127.0.0.1:8080 by default), from the folder layout of paconn and pac
(apiDefinition.swagger.json, apiProperties.json, icon.png, script.csx), with pac's verbs and
flags; and validate definitions offline.`,
		Example: `  connectorhub connector init petstore --connection-template ApiKey
  connectorhub connector create -df petstore/apiDefinition.swagger.json -pf petstore/apiProperties.json
  connectorhub connector list --filter "startswith(name,'new_')" -o json
  connectorhub connector download new_petstore --outputDirectory ./petstore`,
	}
	cmd.AddCommand(connectorSubcommands()...)
	return cmd
}
