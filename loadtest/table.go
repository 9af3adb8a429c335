package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report for people: the set-up, one line per scenario, then the
// errors and the cleanup.
func (r *Report) WriteTable(w io.Writer) error {
	where := "elsewhere (no server CPU or memory figures)"
	if r.LocalServer {
		where = "started by the bench"
	}
	fmt.Fprintf(w, "run %s against %s (%s)\n", r.RunID, r.URL, where)
	fmt.Fprintf(w, "%d connections, %gs per run, median of %d runs; %d records with %d-byte definitions\n",
		r.Connections, r.DurationSeconds, r.Repeat, r.Records, r.DefinitionSize)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs, %s, load average %s at the start\n", r.Machine.OS, r.Machine.Arch, r.Machine.CPUs, r.Machine.GoVersion, orDash(r.Machine.LoadAvg))
	fmt.Fprintf(w, "seeded %d records in %.1f s (%.0f records/s", r.Seed.Records, r.Seed.Seconds, r.Seed.RecordsPerSecond)
	if s := r.Seed.Server; s != nil {
		fmt.Fprintf(w, "; server %.2f CPU s per 1000, peak RSS %s", s.CPUSecondsPer1000, mb(s.PeakRSSBytes))
	}
	fmt.Fprintln(w, ")")
	fmt.Fprintln(w)

	baseline := slices.ContainsFunc(r.Scenarios, func(s ScenarioResult) bool { return s.Baseline != nil })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := len("scenario")
	for _, s := range r.Scenarios {
		width = max(width, len(s.Name))
	}
	head := fmt.Sprintf("%-*s\t", width, "scenario") + "requests\treq/s\tp50 ms\tp95 ms\tp99 ms\terrors\tresp KB"
	if r.LocalServer {
		head += "\tCPU s/1k req\tpeak RSS"
	}
	if baseline {
		head += "\tbaseline req/s\tratio"
	}
	fmt.Fprintln(tw, head+"\t")
	for _, s := range r.Scenarios {
		line := fmt.Sprintf("%-*s\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%d\t%.1f", width, s.Name, s.Requests, s.RPS, s.Latency.P50, s.Latency.P95, s.Latency.P99, s.Errors, s.ResponseBytes/1000)
		if r.LocalServer {
			if s.Server != nil {
				line += fmt.Sprintf("\t%.3f\t%s", s.Server.CPUSecondsPer1000, mb(s.Server.PeakRSSBytes))
			} else {
				line += "\t-\t-"
			}
		}
		if baseline {
			if s.Baseline != nil {
				line += fmt.Sprintf("\t%.1f\t%.3f", s.Baseline.RPS, s.Baseline.Ratio)
			} else {
				line += "\t-\t-"
			}
		}
		fmt.Fprintln(tw, line+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Scenarios {
		if s.Errors == 0 {
			continue
		}
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.ErrorsByStatus)) {
			parts = append(parts, fmt.Sprintf("%d × %s", s.ErrorsByStatus[k], k))
		}
		fmt.Fprintf(w, "\n%s: %d errors (%s); first: %s", s.Name, s.Errors, strings.Join(parts, ", "), s.FirstError)
	}
	fmt.Fprintln(w)
	if c := r.Cleanup; c != nil {
		fmt.Fprintf(w, "cleanup: %d records deleted in %.1f s (%d already gone, %d failed)\n", c.Deleted, c.Seconds, c.Missing, c.Failed)
		if c.FirstError != "" {
			fmt.Fprintf(w, "cleanup's first error: %s\n", c.FirstError)
		}
	} else {
		fmt.Fprintf(w, "kept: the records named bench_%s_* are left in place\n", r.RunID)
	}
	if r.Interrupted {
		fmt.Fprintln(w, "interrupted: the figures are partial")
	}
	return nil
}

func mb(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
