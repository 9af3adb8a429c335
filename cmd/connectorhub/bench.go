package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/loadtest"
)

func newBenchCmd() *cobra.Command {
	var (
		cfg       loadtest.Config
		url       string
		token     string
		dataDir   string
		scenarios string
		out       = outputFlag("table")
	)
	var names []string
	for _, s := range loadtest.Scenarios() {
		names = append(names, fmt.Sprintf("  %-21s %s", s.Name, s.Description))
	}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a deployment's throughput and latency under load",
		Long: `Load a Dataverse-compatible Web API and report, per scenario, the requests made, req/s,
p50/p95/p99 latency and the errors by status code.

The target is either --url (any deployment: this server, or a real Dataverse environment,
within its service protection limits) with --token or $CONNECTORHUB_TOKEN, or --data DIR, for
which the bench starts ` + "`connectorhub serve`" + ` itself on a free loopback port with the service
protection limits lifted, mints a token with ` + "`connectorhub token`" + `, and reports the server's CPU
seconds per 1000 requests and its peak RSS; the server is stopped at the end.

First --records connectors are created through the Web API (named bench_<run id>_s<n>, with
definitions of --definition-size bytes); then each scenario runs --repeat times for --duration
with --connections workers, each on its own keep-alive connection, making one request after
another; the report gives the median of the runs. At the end, and on Ctrl-C, the records the
run created are deleted (unless --keep).

--baseline also drives a bare net/http server on loopback that answers with a body of each
scenario's average response size, with the same connections and duration, and prints each
scenario's req/s as a ratio of it: the machine's HTTP limit, for comparing figures of
different machines.

Scenarios (--scenario a,b,… or all):
` + strings.Join(names, "\n") + `

-o json prints one object with stable field names; the table is for people. Progress goes to
standard error.`,
		Example: `  connectorhub bench --data $(mktemp -d) --scenario get,list-eq --duration 5s --records 1000
  connectorhub bench --data $(mktemp -d) --records 10000 --definition-size 20000 --connections 2 \
    --duration 10s --repeat 3 --baseline --scenario all
  CONNECTORHUB_TOKEN=$(az account get-access-token --resource https://org.crm.dynamics.com --query accessToken -o tsv) \
    connectorhub bench --url https://org.crm.dynamics.com --records 500 --scenario get,list-eq -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case url != "" && dataDir != "":
				return errors.New("give --url or --data, not both")
			case url == "" && dataDir == "":
				return errors.New("give --url (with --token) for a running deployment, or --data DIR to start a local server")
			case cfg.DefinitionSize > 1_000_000:
				return errors.New("--definition-size: at most 1000000 (the openapidefinition column's limit)")
			}
			var err error
			if cfg.Scenarios, err = loadtest.SelectScenarios(scenarios); err != nil {
				return fmt.Errorf("--scenario: %w", err)
			}
			cfg.Progress = cmd.ErrOrStderr()
			ctx := cmd.Context()
			if dataDir != "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("finding this program to start its server: %w", err)
				}
				fmt.Fprintf(cfg.Progress, "starting %s serve --data %s\n", exe, dataDir)
				srv, err := loadtest.StartLocalServer(ctx, exe, dataDir, loadtest.LiftedLimits...)
				if err != nil {
					return err
				}
				defer srv.Stop(30 * time.Second)
				cfg.URL, cfg.Token, cfg.ServerPid = srv.URL, srv.Token, srv.Pid()
			} else {
				cfg.URL, cfg.Token = url, token
				if cfg.Token == "" {
					cfg.Token = strings.TrimSpace(os.Getenv("CONNECTORHUB_TOKEN"))
				}
				if cfg.Token == "" {
					return errors.New("--url needs a bearer token: --token or $CONNECTORHUB_TOKEN")
				}
			}
			rep, err := loadtest.Bench(ctx, cfg)
			if rep != nil {
				var werr error
				if out.records() {
					werr = out.writeRecords(cmd.OutOrStdout(), rep)
				} else {
					werr = rep.WriteTable(cmd.OutOrStdout())
				}
				if err == nil {
					err = werr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "", "the environment's root URL, e.g. https://org.crm.dynamics.com or http://127.0.0.1:8080")
	f.StringVar(&token, "token", "", "the bearer token for --url (default: $CONNECTORHUB_TOKEN)")
	f.StringVar(&dataDir, "data", "", "start a local server (connectorhub serve) on this data directory and measure it")
	f.StringVar(&scenarios, "scenario", "all", "comma-separated scenarios, or all")
	f.IntVar(&cfg.Connections, "connections", 2, "workers, each on its own keep-alive connection")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of one run")
	f.Int64Var(&cfg.MaxRequests, "max-requests", 0, "also stop a run after this many requests (0: no cap)")
	f.IntVar(&cfg.Records, "records", 10000, "connectors seeded before the runs")
	f.IntVar(&cfg.DefinitionSize, "definition-size", 20000, "bytes of each openapidefinition, seeded or created")
	f.IntVar(&cfg.Repeat, "repeat", 3, "runs of each scenario; the report gives their median")
	f.BoolVar(&cfg.Baseline, "baseline", false, "also measure a bare net/http server answering bodies of the same sizes, and print the ratios")
	f.BoolVar(&cfg.Keep, "keep", false, "leave the records the run created in place")
	f.DurationVar(&cfg.RequestTimeout, "timeout", time.Minute, "timeout of one HTTP request")
	f.VarP(&out, "output", "o", "table or json")
	return cmd
}
