package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/loadtest"
	"github.com/connectorhub/connectorhub/postgres"
)

func newBenchCmd() *cobra.Command {
	var (
		cfg            loadtest.Config
		url            string
		token          string
		dataDir        string
		database       string
		replicas       int
		scenarios      string
		definitionFile string
		out            = outputFlag("table")
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
within its service protection limits) with --token or $CONNECTORHUB_TOKEN, or --data DIR
(SQLite) or --database postgres://… (PostgreSQL), for which the bench starts ` + "`connectorhub serve`" + `
itself on a free loopback port with the service protection limits lifted, mints a token with
` + "`connectorhub token`" + `, and reports the server's CPU seconds per 1000 requests and its peak RSS; the
server is stopped at the end. $CONNECTORHUB_DATABASE is not read: --data means SQLite.

--replicas N starts N servers on the one database (each on its own loopback port) and spreads
the connections over them through a relay on loopback, round-robin, each connection kept to one
server, as a TCP load balancer does; seeding and cleanup go through it too. The per-scenario
CPU seconds and peak RSS are then the servers' summed (the peaks added: a bound of what they held
at once), and each server's CPU seconds and peak RSS since its start, and the connections it was
given, are reported after the table ("servers" in JSON). PostgreSQL's own processes are not
counted. --replicas with --data runs several processes on one
SQLite file: allowed, to compare with PostgreSQL (writes then queue on the file's lock), but not
a deployment the documentation describes.

First --records connectors are created through the Web API (named bench_<run id>_s<n>, with
definitions of --definition-size bytes, a valid Swagger 2.0 document padded with prose, or the
one --definition names, a real connector's, with its info.title made each record's own so that
no two are the same); then each scenario runs --repeat times for --duration
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
  connectorhub bench --data $(mktemp -d) --definition MyConnector/apiDefinition.swagger.json \
    --records 1000 --scenario create,patch --duration 10s
  connectorhub bench --database 'postgres://postgres@127.0.0.1:5432/bench?sslmode=disable' --replicas 2 \
    --connections 4 --scenario get,mixed --records 1000 --duration 5s
  CONNECTORHUB_TOKEN=$(az account get-access-token --resource https://org.crm.dynamics.com --query accessToken -o tsv) \
    connectorhub bench --url https://org.crm.dynamics.com --records 500 --scenario get,list-eq -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case url != "" && dataDir != "":
				return errors.New("give --url or --data, not both")
			case url != "" && database != "":
				return errors.New("give --url or --database, not both")
			case dataDir != "" && database != "":
				return errors.New("give --data (SQLite) or --database (PostgreSQL), not both: on PostgreSQL a server keeps nothing in a data directory")
			case url == "" && dataDir == "" && database == "":
				return errors.New("give --url (with --token) for a running deployment, or --data DIR or --database URL to start local servers")
			case database != "" && !postgres.IsURL(database):
				return errors.New("--database: want a postgres:// or postgresql:// URL")
			case replicas < 1:
				return errors.New("--replicas: at least 1")
			case url != "" && cmd.Flags().Changed("replicas"):
				return errors.New("--replicas needs --data or --database: the bench starts servers only then")
			case cfg.DefinitionSize > 1_000_000:
				return errors.New("--definition-size: at most 1000000 (the openapidefinition column's limit)")
			case definitionFile != "" && cmd.Flags().Changed("definition-size"):
				return errors.New("give --definition or --definition-size, not both")
			}
			if definitionFile != "" {
				text, err := os.ReadFile(definitionFile)
				if err != nil {
					return fmt.Errorf("--definition: %w", err)
				}
				titled, err := loadtest.Titled(string(text))
				if err != nil {
					return fmt.Errorf("--definition %s: %w", definitionFile, err)
				}
				if len(titled) > 1_000_000 {
					return fmt.Errorf("--definition %s: %d bytes as sent, more than the openapidefinition column's 1000000", definitionFile, len(titled))
				}
				cfg.Definition = string(text)
			}
			var err error
			if cfg.Scenarios, err = loadtest.SelectScenarios(scenarios); err != nil {
				return fmt.Errorf("--scenario: %w", err)
			}
			cfg.Progress = cmd.ErrOrStderr()
			ctx := cmd.Context()
			var servers *loadtest.LocalServers
			if dataDir != "" || database != "" {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("finding this program to start its server: %w", err)
				}
				opts := loadtest.ServeOptions{Exe: exe, DataDir: dataDir, Database: database, Replicas: replicas, Args: loadtest.LiftedLimits}
				if replicas == 1 {
					fmt.Fprintf(cfg.Progress, "starting %s %s\n", exe, opts)
				} else {
					fmt.Fprintf(cfg.Progress, "starting %d × %s %s, behind a round-robin relay\n", replicas, exe, opts)
				}
				if servers, err = loadtest.StartLocalServers(ctx, opts); err != nil {
					return err
				}
				defer servers.Stop(30 * time.Second)
				cfg.URL, cfg.Token, cfg.ServerPids = servers.URL, servers.Token, servers.Pids()
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
				res := benchResult{Report: rep}
				if servers != nil && len(servers.Servers) > 1 {
					res.Servers = servers.Totals()
				}
				var werr error
				if out.records() {
					werr = out.writeRecords(cmd.OutOrStdout(), res)
				} else {
					werr = res.writeTable(cmd.OutOrStdout())
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
	f.StringVar(&database, "database", "", "start a local server on this PostgreSQL database (postgres://…) and measure it ($CONNECTORHUB_DATABASE is not read)")
	f.IntVar(&replicas, "replicas", 1, "with --data or --database: servers to start on the one database, the connections spread over them round-robin")
	f.StringVar(&scenarios, "scenario", "all", "comma-separated scenarios, or all")
	f.IntVar(&cfg.Connections, "connections", 2, "workers, each on its own keep-alive connection")
	f.DurationVar(&cfg.Duration, "duration", 10*time.Second, "length of one run")
	f.Int64Var(&cfg.MaxRequests, "max-requests", 0, "also stop a run after this many requests (0: no cap)")
	f.IntVar(&cfg.Records, "records", 10000, "connectors seeded before the runs")
	f.IntVar(&cfg.DefinitionSize, "definition-size", 20000, "bytes of each openapidefinition, seeded or created")
	f.StringVar(&definitionFile, "definition", "", "an apiDefinition.swagger.json to seed and create instead of padded definitions (its info.title made each record's own)")
	f.IntVar(&cfg.Repeat, "repeat", 3, "runs of each scenario; the report gives their median")
	f.BoolVar(&cfg.Baseline, "baseline", false, "also measure a bare net/http server answering bodies of the same sizes, and print the ratios")
	f.BoolVar(&cfg.Keep, "keep", false, "leave the records the run created in place")
	f.DurationVar(&cfg.RequestTimeout, "timeout", time.Minute, "timeout of one HTTP request")
	f.VarP(&out, "output", "o", "table or json")
	return cmd
}

// benchResult is what bench prints: the report, and with several local servers each one's
// figures since its start ("servers").
type benchResult struct {
	*loadtest.Report
	Servers []loadtest.ServerTotals `json:"servers,omitempty"`
}

// writeTable prints the report's table, then the servers'.
func (r benchResult) writeTable(w io.Writer) error {
	if err := r.Report.WriteTable(w); err != nil {
		return err
	}
	if len(r.Servers) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n%d servers behind the relay at %s; since each started (seeding, runs and cleanup):\n", len(r.Servers), r.URL)
	var cpu float64
	var rss int64
	for _, s := range r.Servers {
		fmt.Fprintf(w, "  %s  pid %d  %d connections  %.2f CPU s  peak RSS %s\n", s.URL, s.Pid, s.Connections, s.CPUSeconds, mib(s.PeakRSSBytes))
		cpu += s.CPUSeconds
		rss += s.PeakRSSBytes
	}
	fmt.Fprintf(w, "  together: %.2f CPU s, peak RSS %s (the sum of the peaks)\n", cpu, mib(rss))
	return nil
}

// mib prints bytes as the report's table does, "-" when unknown.
func mib(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}
