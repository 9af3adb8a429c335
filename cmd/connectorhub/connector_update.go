package main

import (
	"fmt"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
)

func newConnectorUpdateCmd() *cobra.Command {
	var (
		t     target
		files connectorFiles
		id    string
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Update a connector from its files",
		Long: `Update an existing row of the connector table from a connector's files, as pac connector
update does, and print its connectorid (-o json: the record). The update never creates: a
missing connector is an error (404).

The definition sets openapidefinition, displayname and description (cleared when the
definition has no info.description). apiProperties.json, when given, sets all of
connectionparameters, connectionparametersets, policytemplateinstances, scriptoperations,
iconbrandcolor and capabilities: those it lacks are cleared. script.csx, when given, sets
customcodeblobcontent; without it the script is left as it is. name and connectorid never
change.

--connector-id (pac's -id) is the connectorid, a GUID; a settings.json connectorId
(--settings-file) serves when it is not given. --icon-file is refused: the Dataverse Web API
cannot set the icon.`,
		Example: `  connectorhub connector update -id 5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f -df apiDefinition.swagger.json -pf apiProperties.json
  connectorhub connector update --settings-file ./petstore/settings.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			folder, err := files.folder()
			if err != nil {
				return err
			}
			if id == "" && folder.Settings != nil {
				id = folder.Settings.ConnectorID
			}
			if id == "" {
				return usagef("give --connector-id (-id), the connector's connectorid")
			}
			guid, ok := connectorhub.ParseGUID(id)
			if !ok {
				return usagef("--connector-id %q is not a GUID (connectorhub connector get NAME shows the id)", id)
			}
			cols, err := folder.Columns(connectordir.Options{})
			if err != nil {
				return failed(err)
			}
			warn(cmd, folder.Warnings)
			u := &client.ConnectorUpdate{
				OpenAPIDefinition: &cols.OpenAPIDefinition,
				DisplayName:       &cols.DisplayName,
				Description:       &cols.Description,
			}
			if folder.Properties != nil {
				u.ConnectionParameters = &cols.ConnectionParameters
				u.ConnectionParameterSets = &cols.ConnectionParameterSets
				u.PolicyTemplateInstances = &cols.PolicyTemplateInstances
				u.ScriptOperations = &cols.ScriptOperations
				u.IconBrandColor = &cols.IconBrandColor
				u.Capabilities = &cols.Capabilities
			}
			if folder.Script != nil {
				u.CustomCodeBlobContent = &cols.CustomCodeBlobContent
			}
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			if files.solution != "" {
				if _, err := solutionPrefix(ctx, c, files.solution); err != nil {
					return err
				}
			}
			res, err := c.UpdateConnector(ctx, guid, u, &client.UpdateOptions{SolutionUniqueName: files.solution})
			if connectorhub.ErrorCode(err) == connectorhub.ECodeNotFound {
				return connFailure{fmt.Errorf("no connector with the id %s: create it with connectorhub connector create (%w)", guid, err)}
			}
			if err != nil {
				return failed(err)
			}
			return printWritten(ctx, cmd.OutOrStdout(), c, res.ID, string(out))
		},
	}
	t.register(cmd.Flags())
	files.register(cmd.Flags())
	cmd.Flags().StringVar(&id, "connector-id", "", "the connectorid of the connector to update, a GUID (pac's -id)")
	cmd.Flags().VarP(&out, "output", "o", "table (the id), json or yaml (the record)")
	return cmd
}
