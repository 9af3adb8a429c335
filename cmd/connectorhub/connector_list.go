package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/client"
)

func newConnectorListCmd() *cobra.Command {
	var (
		t       target
		filter  string
		sel     []string
		orderBy []string
		top     int
		page    int
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the connectors of an environment",
		Long: `List the connectors of the connector table, following every page of the answer.

The table shows connectorid, name, displayname and modifiedon. -o json prints an array of
records with the Web API's property names: without --select, the columns other than the large
ones (the definition, connection parameters, policies, script and icon); with --select, the
columns named. --filter, --orderby and --top are the OData query options $filter, $orderby and
$top, as the server reads them (see docs/query.md); Dataverse ignores $top when
--page-size is set.`,
		Example: `  connectorhub connector list
  connectorhub connector list --filter "startswith(name,'new_')" --orderby "modifiedon desc" --top 10
  connectorhub connector list --select name,openapidefinition -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if top < 0 || page < 0 || page > 5000 {
				return usagef("--top must not be negative, --page-size must be 0 to 5000")
			}
			ctx := cmd.Context()
			c, err := t.connectorClient(ctx)
			if err != nil {
				return failed(err)
			}
			opts := &client.ListOptions{Filter: filter, Select: sel, OrderBy: orderBy, Top: top, MaxPageSize: page}
			switch {
			case len(opts.Select) == 0:
				opts.Select = connectorSummaryColumns
			case out == "table":
				opts.Select = withColumns(opts.Select, "connectorid", "name", "displayname", "modifiedon")
			}
			conns := []*client.Connector{}
			for conn, err := range c.ListConnectors(ctx, opts) {
				if err != nil {
					return failed(err)
				}
				conns = append(conns, conn)
			}
			if out.records() {
				recs, err := selectedOnly(conns, opts.Select)
				if err != nil {
					return failed(err)
				}
				return failed(writeConnectorRecords(cmd.OutOrStdout(), out, recs))
			}
			return failed(writeConnectorTable(cmd.OutOrStdout(), conns))
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().StringVar(&filter, "filter", "", "$filter, e.g. \"displayname eq 'Petstore'\"")
	cmd.Flags().StringSliceVar(&sel, "select", nil, "$select: the columns to read (comma-separated)")
	cmd.Flags().StringSliceVar(&orderBy, "orderby", nil, "$orderby, e.g. \"modifiedon desc\" (comma-separated)")
	cmd.Flags().IntVar(&top, "top", 0, "$top: at most this many connectors (0: all)")
	cmd.Flags().IntVar(&page, "page-size", 0, "connectors per request (Prefer: odata.maxpagesize; 0: the server's default, 5000); every page is read")
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

// writeConnectorTable prints connectors as a table of connectorid, name, displayname and
// modifiedon.
func writeConnectorTable(w io.Writer, conns []*client.Connector) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTORID\tNAME\tDISPLAYNAME\tMODIFIEDON")
	for _, c := range conns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ConnectorID, c.Name, c.DisplayName, connectorTime(c, true))
	}
	return tw.Flush()
}

// withColumns returns sel with the columns it lacks appended.
func withColumns(sel []string, cols ...string) []string {
	out := append([]string(nil), sel...)
	for _, c := range cols {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
