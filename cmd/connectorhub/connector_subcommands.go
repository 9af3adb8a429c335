package main

import "github.com/spf13/cobra"

// connectorSubcommands lists the children of `connectorhub connector`.
func connectorSubcommands() []*cobra.Command {
	return []*cobra.Command{
		newConnectorListCmd(), newConnectorGetCmd(), newConnectorCreateCmd(), newConnectorUpdateCmd(),
		newConnectorDeleteCmd(), newConnectorDownloadCmd(), newConnectorInitCmd(), newConnectorValidateCmd(),
	}
}
