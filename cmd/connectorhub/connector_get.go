package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
)

// connFailure is an error of a connector verb that talks to a server (the server refused, a
// file could not be read): the process exits with status 1.
type connFailure struct{ err error }

func (e connFailure) Error() string { return e.err.Error() }
func (e connFailure) Unwrap() error { return e.err }

// ExitCode makes the process exit with status 1.
func (e connFailure) ExitCode() int { return 1 }

// connUsage is a misuse of a connector verb (a flag that cannot work, a missing argument): the
// process exits with status 2.
type connUsage struct{ err error }

func (e connUsage) Error() string { return e.err.Error() }
func (e connUsage) Unwrap() error { return e.err }

// ExitCode makes the process exit with status 2.
func (e connUsage) ExitCode() int { return 2 }

// failed wraps err, when not nil, as a connFailure unless it already asks for an exit status.
func failed(err error) error {
	var ec exitCoder
	if err == nil || errors.As(err, &ec) {
		return err
	}
	return connFailure{err}
}

// usagef is a connUsage with a formatted message.
func usagef(format string, args ...any) error { return connUsage{fmt.Errorf(format, args...)} }

// connectorSummaryColumns are the columns list and get read for a table: every column but the
// large text ones (the definition, parameters, policies, script) and the icon.
var connectorSummaryColumns = []string{
	"connectorid", "name", "displayname", "description", "connectortype", "capabilities",
	"iconbrandcolor", "connectorinternalid", "statecode", "statuscode", "createdon", "modifiedon",
	"_ownerid_value",
}

// resolveConnector reads the connector arg names: a GUID is its connectorid, anything else its
// name (compared by the server without regard to case). A missing one is an error saying so.
func resolveConnector(ctx context.Context, c *client.Client, arg string, sel []string) (*client.Connector, error) {
	if id, ok := connectorhub.ParseGUID(arg); ok {
		conn, err := c.GetConnector(ctx, id, &client.GetOptions{Select: sel})
		var apiErr *client.Error
		if errors.As(err, &apiErr) && apiErr.Status == 404 {
			return nil, connFailure{fmt.Errorf("no connector with the id %s (%w)", id, err)}
		}
		return conn, failed(err)
	}
	var found []*client.Connector
	for conn, err := range c.ListConnectors(ctx, &client.ListOptions{Filter: "name eq " + client.Quote(arg), Select: sel}) {
		if err != nil {
			return nil, failed(err)
		}
		found = append(found, conn)
	}
	switch len(found) {
	case 0:
		return nil, connFailure{fmt.Errorf("no connector named %q (connectorhub connector list shows them)", arg)}
	case 1:
		return found[0], nil
	}
	return nil, connFailure{fmt.Errorf("%d connectors are named %q: give the connectorid", len(found), arg)}
}

// writeConnectorRecords prints v as writeConnectorJSON does, or as YAML with the same names.
func writeConnectorRecords(w io.Writer, out outputFlag, v any) error {
	if out == "yaml" {
		return writeYAMLTo(w, v)
	}
	return writeConnectorJSON(w, v)
}

// writeConnectorJSON prints v as 2-space indented JSON, without HTML escaping.
func writeConnectorJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// connectorTime formats a date-time column as the Web API writes it, "" when unset.
func connectorTime(c *client.Connector, modified bool) string {
	t := c.CreatedOn
	if modified {
		t = c.ModifiedOn
	}
	if t.IsZero() {
		return ""
	}
	return connectorhub.FormatTime(t)
}

// writeConnectorDetails prints one record as "column: value" lines, the large columns as
// their sizes.
func writeConnectorDetails(w io.Writer, c *client.Connector) error {
	label := func(labels map[int]string, v int) string {
		if l, ok := labels[v]; ok {
			return fmt.Sprintf("%d (%s)", v, l)
		}
		return fmt.Sprint(v)
	}
	caps := c.Capabilities
	if names, err := connectordir.CapabilityNames(c.Capabilities); err == nil && caps != "" {
		caps = fmt.Sprintf("%s (%s)", caps, strings.Join(names, ", "))
	}
	size := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return fmt.Sprintf("%d characters", len([]rune(s)))
	}
	for _, row := range [][2]string{
		{"connectorid", c.ConnectorID},
		{"name", c.Name},
		{"displayname", c.DisplayName},
		{"description", c.Description},
		{"connectortype", label(connectorhub.ConnectorTypeLabels, c.ConnectorType)},
		{"capabilities", caps},
		{"iconbrandcolor", c.IconBrandColor},
		{"connectorinternalid", c.ConnectorInternalID},
		{"statecode", label(connectorhub.StateCodeLabels, c.StateCode)},
		{"statuscode", label(connectorhub.StatusCodeLabels, c.StatusCode)},
		{"createdon", connectorTime(c, false)},
		{"modifiedon", connectorTime(c, true)},
		{"_ownerid_value", c.OwnerID},
		{"openapidefinition", size(c.OpenAPIDefinition)},
		{"connectionparameters", size(c.ConnectionParameters)},
		{"connectionparametersets", size(c.ConnectionParameterSets)},
		{"policytemplateinstances", size(c.PolicyTemplateInstances)},
		{"scriptoperations", size(c.ScriptOperations)},
		{"customcodeblobcontent", size(c.CustomCodeBlobContent)},
	} {
		line := fmt.Sprintf("%-25s %s", row[0]+":", strings.ReplaceAll(row[1], "\n", " "))
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func newConnectorGetCmd() *cobra.Command {
	var t target
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "get ID|NAME",
		Short: "Show one connector",
		Long: `Show one connector of the connector table. ID|NAME is its connectorid (a GUID) or its name
(the logical name, such as new_myconnector; the server compares names without regard to case).

The text output lists the columns, with the sizes of the large ones (the definition, the
connection parameters, the script); -o json prints the whole record with the Web API's
property names.`,
		Example: `  connectorhub connector get new_petstore
  connectorhub connector get 5c1a4c3e-8f0e-5d5a-9a51-2f3b4c5d6e7f -o json
  connectorhub connector get new_petstore --environment https://org.crm.dynamics.com --profile work`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			conn, err := resolveConnector(ctx, c, args[0], nil) // every column: the table shows sizes
			if err != nil {
				return err
			}
			if out.records() {
				return failed(writeConnectorRecords(cmd.OutOrStdout(), out, conn))
			}
			return failed(writeConnectorDetails(cmd.OutOrStdout(), conn))
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

// selectedOnly returns records as JSON objects with only the members sel names (and the key
// and ETag, which always come), so that columns not read do not print as zeros; sel nil keeps
// every member.
func selectedOnly(conns []*client.Connector, sel []string) ([]map[string]any, error) {
	keep := map[string]bool{"@odata.etag": true, "connectorid": true}
	for _, s := range sel {
		keep[strings.TrimSpace(s)] = true
	}
	out := make([]map[string]any, 0, len(conns))
	for _, c := range conns {
		data, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		if sel != nil {
			for k := range m {
				if !keep[k] {
					delete(m, k)
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}
