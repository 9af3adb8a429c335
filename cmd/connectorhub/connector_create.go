package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
)

// iconRefusal is the error of --icon-file: the Web API refuses iconblob.
var iconRefusal = errors.New("--icon-file: the icon cannot be set through the Dataverse Web API; it travels in solution zips (set it in the maker portal, or import a solution)")

// connectorFiles are the file flags of create and update, pac's.
type connectorFiles struct {
	definition, properties, icon, script, settings string
	solution                                       string
}

func (f *connectorFiles) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.definition, "api-definition-file", "", "the Swagger 2.0 definition, apiDefinition.swagger.json (pac's -df)")
	fs.StringVar(&f.properties, "api-properties-file", "", "apiProperties.json (pac's -pf)")
	fs.StringVar(&f.icon, "icon-file", "", "refused: the Web API cannot set the icon (pac's -if)")
	fs.StringVar(&f.script, "script-file", "", "script.csx, the custom code (pac's -sf)")
	fs.StringVar(&f.settings, "settings-file", "", "paconn's settings.json: its folder's files, and its connectorId, serve where the other flags are not given")
	fs.StringVar(&f.solution, "solution-unique-name", "", "add the connector to this unmanaged solution (pac's -sol)")
}

// folder reads the files the flags name into a connector folder whose Dir is the definition's
// folder (the derived name comes from it). --settings-file reads its folder first; the other
// flags replace its files.
func (f *connectorFiles) folder() (*connectordir.Folder, error) {
	if f.icon != "" {
		return nil, connUsage{iconRefusal}
	}
	if f.definition == "" && f.settings == "" {
		return nil, usagef("give --api-definition-file (-df), or --settings-file")
	}
	folder := &connectordir.Folder{}
	if f.settings != "" {
		if filepath.Base(f.settings) != connectordir.SettingsFile {
			return nil, usagef("--settings-file must name a file called %s", connectordir.SettingsFile)
		}
		var err error
		if folder, err = connectordir.Read(filepath.Dir(f.settings)); err != nil {
			return nil, failed(err)
		}
	}
	read := func(path string, dst *[]byte) error {
		if path == "" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return failed(err)
		}
		*dst = data
		return nil
	}
	if f.definition != "" {
		folder.Dir = filepath.Dir(f.definition)
	}
	for _, file := range []struct {
		path string
		dst  *[]byte
	}{{f.definition, &folder.Definition}, {f.properties, &folder.Properties}, {f.script, &folder.Script}} {
		if err := read(file.path, file.dst); err != nil {
			return nil, err
		}
	}
	return folder, nil
}

// solutionPrefix checks that the solution exists and returns its publisher's customization
// prefix.
func solutionPrefix(ctx context.Context, c *client.Client, unique string) (string, error) {
	// Encoded as the client encodes its own queries: spaces as %20, quotes and $ as they are.
	path := "solutions?$filter=" + client.QueryEscape("uniquename eq "+client.Quote(unique)) +
		"&$select=uniquename&$expand=" + client.QueryEscape("publisherid($select=customizationprefix)")
	var body struct {
		Value []struct {
			UniqueName string `json:"uniquename"`
			Publisher  *struct {
				Prefix string `json:"customizationprefix"`
			} `json:"publisherid"`
		} `json:"value"`
	}
	if _, err := c.Do(ctx, http.MethodGet, path, nil, &body, nil); err != nil {
		var apiErr *client.Error
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
			return "", connFailure{fmt.Errorf("--solution-unique-name %s: the server has no solutions table (%w), so leave the flag out", unique, err)}
		}
		return "", failed(fmt.Errorf("looking up the solution %s: %w", unique, err))
	}
	if len(body.Value) == 0 {
		return "", connFailure{fmt.Errorf("--solution-unique-name: no solution with the unique name %q", unique)}
	}
	if p := body.Value[0].Publisher; p != nil {
		return p.Prefix, nil
	}
	return "", nil
}

// printWritten prints the id of a connector a verb wrote, or with -o json or -o yaml its record.
func printWritten(ctx context.Context, w io.Writer, c *client.Client, id, out string) error {
	if !outputFlag(out).records() {
		_, err := fmt.Fprintln(w, id)
		return failed(err)
	}
	conn, err := c.GetConnector(ctx, id, &client.GetOptions{Select: connectorSummaryColumns})
	if err != nil {
		return failed(err)
	}
	return failed(writeConnectorRecords(w, outputFlag(out), conn))
}

func newConnectorCreateCmd() *cobra.Command {
	var (
		t      target
		files  connectorFiles
		prefix string
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a connector from its files",
		Long: `Create a row of the connector table from a connector's files, as pac connector create does,
and print its connectorid (-o json: the record).

The columns come from the files as docs/cli.md says: the definition is sent byte for byte,
its info.title is the display name and info.description the description (too long ones are
refused, never cut); apiProperties.json gives the connection parameters, policies, script
operations, icon brand colour and capabilities; script.csx the custom code.

The identity is derived, so that creating the same folder twice addresses the same record
(the second create fails with 412: use update or apply): name = <prefix>_<the definition's
folder name, lower-cased, letters and digits only>, connectorid = a UUID derived from the
name. A settings.json connectorId (--settings-file) gives the connectorid instead. The prefix
is --prefix, else the publisher prefix of --solution-unique-name's solution, else "new".

--icon-file is refused: the Dataverse Web API cannot set the icon. pac's short flags -df, -pf,
-if, -sf, -sol and -env are accepted.`,
		Example: `  connectorhub connector create -df ./petstore/apiDefinition.swagger.json -pf ./petstore/apiProperties.json
  connectorhub connector create --api-definition-file apiDefinition.swagger.json --script-file script.csx --prefix cr1a6
  connectorhub connector create --settings-file ./petstore/settings.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			folder, err := files.folder()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			if files.solution != "" {
				p, err := solutionPrefix(ctx, c, files.solution)
				if err != nil {
					return err
				}
				if prefix == "" {
					prefix = p
				}
			}
			cols, err := folder.Columns(connectordir.Options{Prefix: prefix})
			if err != nil {
				return failed(err)
			}
			warn(cmd, folder.Warnings)
			id, err := c.CreateConnector(ctx, cols, &client.CreateOptions{SolutionUniqueName: files.solution})
			if connectorhub.ErrorCode(err) == connectorhub.ECodeDuplicateKey {
				return connFailure{fmt.Errorf("a connector with the id %s or the name %s exists: update it with connectorhub connector update --connector-id %s (%w)", cols.ConnectorID, cols.Name, cols.ConnectorID, err)}
			}
			if err != nil {
				return failed(err)
			}
			return printWritten(ctx, cmd.OutOrStdout(), c, id, string(out))
		},
	}
	t.register(cmd.Flags())
	files.register(cmd.Flags())
	cmd.Flags().StringVar(&prefix, "prefix", "", `the customization prefix of the derived name (default: the solution publisher's, else "new")`)
	cmd.Flags().VarP(&out, "output", "o", "table (the id), json or yaml (the record)")
	return cmd
}

// pacConnectorShorts are pac connector's multi-letter short flags and their long forms.
var pacConnectorShorts = map[string]string{
	"-df": "--api-definition-file", "-pf": "--api-properties-file", "-if": "--icon-file",
	"-sf": "--script-file", "-sol": "--solution-unique-name", "-id": "--connector-id",
	"-ct": "--connection-template",
}

// pacFlag returns the long form of one of pac's short flags of shorts, -df X or -df=X, or ""
// for any other argument; pacFlags applies it (pac connector's to every command, pac
// solution's to the solution commands only, so that elsewhere -p c keeps its pflag meaning).
func pacFlag(shorts map[string]string, arg string) string {
	short, value, hasValue := strings.Cut(arg, "=")
	long, ok := shorts[short]
	if !ok {
		return ""
	}
	if hasValue {
		return long + "=" + value
	}
	return long
}
