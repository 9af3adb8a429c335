package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
)

func newConnectorDownloadCmd() *cobra.Command {
	var (
		t   target
		dir string
	)
	cmd := &cobra.Command{
		Use:   "download ID|NAME",
		Short: "Write a connector's files into a folder",
		Long: `Write a connector's files into a folder in the layout of paconn and pac: ID|NAME is its
connectorid (a GUID) or its name.

apiDefinition.swagger.json is the stored definition byte for byte; apiProperties.json is
pretty JSON (2-space indent, keys sorted, a trailing newline) of the connection parameters,
parameter sets, policies, script operations, icon brand colour and capabilities, so that a
second download writes the same bytes and a diff shows only real changes; script.csx is the
custom code and icon.png the icon, when the connector has them; settings.json holds the
connectorId, so that update --settings-file addresses the same record. Files that would be
empty are not written, and other files in the folder are left as they are; each file is
replaced atomically.

The folder is --outputDirectory (pac's spelling) or --output-directory, by default ./<name>.
pac's short form -o is not taken: -o is the output format in the other commands.`,
		Example: `  connectorhub connector download new_petstore
  connectorhub connector download 5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f --outputDirectory ./connectors/petstore`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			name, out, written, err := downloadConnector(ctx, c, args[0], dir)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Downloaded %s into %s: %s\n", name, filepath.Clean(out), strings.Join(written, ", "))
			return failed(err)
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().StringVar(&dir, "outputDirectory", "", "the folder to write (default ./<name>; pac's spelling, without its -o)")
	cmd.Flags().StringVar(&dir, "output-directory", "", "the same as --outputDirectory")
	return cmd
}

// downloadConnector is download's work: it reads the connector arg names (a connectorid or a
// name) with every column and writes its folder into dir (by default ./<name>). It returns
// the connector's name, the folder written and the names of the files written.
func downloadConnector(ctx context.Context, c *client.Client, arg, dir string) (name, out string, written []string, err error) {
	conn, err := resolveConnector(ctx, c, arg, nil)
	if err != nil {
		return "", "", nil, err
	}
	folder, err := connectordir.FromConnector(conn)
	if err != nil {
		return "", "", nil, failed(fmt.Errorf("connector %s: %w", conn.Name, err))
	}
	if folder.Definition == nil {
		return "", "", nil, connFailure{fmt.Errorf("connector %s has no openapidefinition to download", conn.Name)}
	}
	out = dir
	if out == "" {
		if !filepath.IsLocal(conn.Name) {
			return "", "", nil, usagef("the name %q is not a folder name: give --outputDirectory", conn.Name)
		}
		out = conn.Name
	}
	if err := folder.Write(out); err != nil {
		return "", "", nil, failed(err)
	}
	written = []string{connectordir.DefinitionFile, connectordir.PropertiesFile}
	if folder.Script != nil {
		written = append(written, connectordir.ScriptFile)
	}
	if folder.Icon != nil {
		written = append(written, connectordir.IconFile)
	}
	if folder.Settings != nil {
		written = append(written, connectordir.SettingsFile)
	}
	return conn.Name, out, written, nil
}
