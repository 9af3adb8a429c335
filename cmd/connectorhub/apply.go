package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/plan"
)

// applyPlannedHook, when set (by tests), runs after apply has made its plan and before it
// writes anything.
var applyPlannedHook func(*plan.Plan)

func newApplyCmd() *cobra.Command {
	var (
		o        planOptions
		yes      bool
		validate bool
	)
	cmd := &cobra.Command{
		Use:   "apply DIR...",
		Short: "Create, update (and with --prune delete) the server's connectors to match a tree of connector folders",
		Long: `Create, update and, with --prune, delete the server's connectors so that they match a tree of
connector folders: the changes plan shows (see connectorhub plan --help for how folders are
read, matched and compared).

apply is idempotent: a second apply of the same tree changes nothing. It writes --parallel
connectors at a time. An update sends only the changed columns, with If-Match on the ETag the
plan read: a connector changed on the server meanwhile fails with the server's 412
(0x80060882) and is not overwritten; plan and apply again to take the change into account.
One connector's failure does not stop the others.

--prune also deletes the connectors that are on the server but in no folder of the tree,
among those whose name carries the prefix only (<prefix>_…, --prefix, default "new",
compared without regard to case): connectors without the prefix are never deleted. It asks
for confirmation on a terminal; elsewhere it needs --yes. When a folder of the tree cannot be
read, --prune deletes nothing (its connector would look absent).

--validate runs the offline validator (connectorhub connector validate) on every folder first
and stops before any write when it finds errors.

On a terminal a progress bar is drawn on standard error (not with -o json or -o yaml). The
output ends with a table of the connectors created, updated, deleted or failed (with the
server's status, error code and message) and the counts; -o json and -o yaml print one object
per connector: path, connectorid, name, action, diff, outcome (created, updated, unchanged,
deleted, failed) and result ("ok" or {status, code, message}).

The exit status is 0 when every connector went through, 1 on an error before any write
(the server could not be listed, validation errors, prune not confirmed), 2 on a usage error,
3 when some connectors failed (the others went through).`,
		Example: `  # Make a local server match ./connectors
  connectorhub apply ./connectors

  # In CI: validate first, 8 writes at a time, delete the new_ connectors no longer in the tree
  connectorhub apply --environment https://org.crm.dynamics.com --validate --parallel 8 \
      --prune --yes -o json ./connectors > apply.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			tr, err := planReadTree(args, o.prefix)
			if err != nil {
				return planFailure(err)
			}
			tr.warn(stderr)
			if validate {
				n, err := planValidateTree(ctx, stderr, tr)
				if err != nil {
					return planFailure(err)
				}
				if n > 0 {
					return planExit{planExitError, fmt.Errorf("%d validation error(s): nothing was written", n)}
				}
			}
			c, err := o.target.connectorClient(ctx)
			if err != nil {
				return planFailure(err)
			}
			p, err := plan.Make(ctx, c, tr.desired, plan.Options{Prune: o.prune, Prefix: o.prefix, Parallel: o.parallel})
			if err != nil {
				return planFailure(err)
			}
			if n := p.Count(plan.Delete); n > 0 {
				if bad := p.Count(plan.Error); bad > 0 {
					return planExit{planExitError, fmt.Errorf("--prune would delete %d connector(s), but %d folder(s) of the tree could not be read: nothing was written", n, bad)}
				}
				if err := confirmApplyPrune(cmd, p, yes); err != nil {
					return err
				}
			}
			if applyPlannedHook != nil {
				applyPlannedHook(p)
			}

			var bar *progressbar.ProgressBar
			if writes := p.Changes(); writes > 0 && o.output == "text" && planIsTerminal(stderr) {
				bar = progressbar.NewOptions(writes,
					progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("applying"),
					progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(false),
					progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionClearOnFinish(),
				)
			}
			results := plan.Apply(ctx, c, p, plan.ApplyOptions{Parallel: o.parallel, Done: func(r plan.Result) {
				if bar != nil && r.Item.Action != plan.None && r.Item.Action != plan.Error {
					bar.Add(1)
				}
			}})
			if bar != nil {
				bar.Finish()
			}

			out := cmd.OutOrStdout()
			if o.output == "text" {
				err = writeApplyText(out, results)
			} else {
				err = writePlanRecords(out, o.output, planRecords(p, results))
			}
			if err != nil {
				return planFailure(err)
			}
			failed := 0
			for _, r := range results {
				if r.Outcome == plan.Failed {
					failed++
				}
			}
			if failed > 0 {
				return planExit{planExitPartial, fmt.Errorf("%d of %d connector(s) failed", failed, len(results))}
			}
			return nil
		},
	}
	o.register(cmd.Flags())
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking (--prune)")
	cmd.Flags().BoolVar(&validate, "validate", false, "validate every folder offline first; stop before any write on errors")
	return cmd
}

// confirmApplyPrune lists the connectors --prune deletes and asks for confirmation on a terminal;
// --yes confirms. Without a terminal and --yes it is a usage error; a refusal is an error.
// Nothing has been written when it fails.
func confirmApplyPrune(cmd *cobra.Command, p *plan.Plan, yes bool) error {
	if yes {
		return nil
	}
	in := cmd.InOrStdin()
	n := p.Count(plan.Delete)
	if !planIsTerminal(in) {
		return planExit{planExitUsage, fmt.Errorf("--prune would delete %d connector(s): confirm with --yes (standard input is not a terminal); nothing was written", n)}
	}
	w := cmd.ErrOrStderr()
	fmt.Fprintf(w, "--prune deletes these %d connector(s), which are in no folder of the tree:\n", n)
	for _, it := range p.Items {
		if it.Action == plan.Delete {
			fmt.Fprintf(w, "  %s  %s\n", it.Name, it.ConnectorID)
		}
	}
	fmt.Fprint(w, "Delete them and apply? Only 'yes' is accepted: ")
	answer, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		return planExit{planExitError, fmt.Errorf("not confirmed: nothing was written")}
	}
	return nil
}

// writeApplyText prints the connectors created, updated, deleted or failed as a table, then
// the counts of each outcome.
func writeApplyText(w io.Writer, results []plan.Result) error {
	counts := map[plan.Outcome]int{}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	header := false
	for _, r := range results {
		counts[r.Outcome]++
		if r.Outcome == plan.Unchanged {
			continue
		}
		if !header {
			fmt.Fprintln(tw, "RESULT\tACTION\tNAME\tPATH\tERROR")
			header = true
		}
		name, path, msg := r.Item.Name, r.Item.Path, ""
		if name == "" {
			name = "-"
		}
		if path == "" {
			path = r.Item.ConnectorID
		}
		if r.Err != nil {
			msg = planErrorText(r.Err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Outcome, r.Item.Action, name, path, msg)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(table.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	if header {
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "Apply: %d created, %d updated, %d unchanged, %d deleted, %d failed.\n",
		counts[plan.Created], counts[plan.Updated], counts[plan.Unchanged], counts[plan.Deleted], counts[plan.Failed])
	return err
}
