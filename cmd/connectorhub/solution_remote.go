package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/client"
)

// pacSolutionShorts are pac solution's multi-letter short flags and their long forms.
var pacSolutionShorts = map[string]string{
	"-wt": "--max-async-wait-time", "-ow": "--overwrite", "-cm": "--convert-to-managed",
	"-pc": "--publish-changes", "-ap": "--activate-plugins", "-sn": "--solution-name",
}

// isTerminalOutput reports whether w is an interactive terminal, where progress is shown;
// tests replace it.
var isTerminalOutput = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress shows, on a terminal, a spinner with the elapsed time and the asynchronous
// operation's status while a command waits for the server; off a terminal it shows nothing,
// so that logs of scripts and CI stay clean. The zero of *progress (nil) does nothing.
type progress struct {
	w      io.Writer
	label  string
	start  time.Time
	status atomic.Int64 // the last statuscode, -1 before the first
	done   chan struct{}
	wg     sync.WaitGroup
}

// progressTick is how often the spinner turns.
const progressTick = 200 * time.Millisecond

// startProgress starts showing label on w when w is a terminal; nil otherwise.
func startProgress(w io.Writer, label string) *progress {
	if !isTerminalOutput(w) {
		return nil
	}
	p := &progress{w: w, label: label, start: time.Now(), done: make(chan struct{})}
	p.status.Store(-1)
	p.render(0)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressTick)
		defer t.Stop()
		for i := 1; ; i++ {
			select {
			case <-p.done:
				return
			case <-t.C:
				p.render(i)
			}
		}
	}()
	return p
}

// render writes one frame over the previous one.
func (p *progress) render(frame int) {
	line := fmt.Sprintf("%c %s… %s", `-\|/`[frame%4], p.label, time.Since(p.start).Truncate(time.Second))
	if s := p.status.Load(); s >= 0 {
		line += " (" + client.AsyncStatusName(int(s)) + ")"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

// setStatus records the operation's statuscode, for the next frame; it is a progress
// function of the client.
func (p *progress) setStatus(statuscode int) {
	if p != nil {
		p.status.Store(int64(statuscode))
	}
}

// stop stops the spinner and clears its line.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
	fmt.Fprint(p.w, "\r\x1b[K")
}

// asyncWait is --max-async-wait-time, in minutes as pac takes it.
type asyncWait struct{ minutes int }

func (a *asyncWait) register(cmd *cobra.Command) {
	cmd.Flags().IntVar(&a.minutes, "max-async-wait-time", 60, "with --async, the minutes to wait for the operation to finish (pac's -wt)")
}

func (a *asyncWait) check() error {
	if a.minutes <= 0 {
		return usagef("--max-async-wait-time must be a positive number of minutes, not %d", a.minutes)
	}
	return nil
}

// context bounds an asynchronous operation's wait by --max-async-wait-time.
func (a *asyncWait) context(ctx context.Context, async bool) (context.Context, context.CancelFunc) {
	if !async {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, time.Duration(a.minutes)*time.Minute)
}

// explain says that an asynchronous wait ran out, rather than only "context deadline exceeded".
func (a *asyncWait) explain(verb string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the %s did not finish within %d minutes (--max-async-wait-time); it may still finish on the server: %w", verb, a.minutes, err)
	}
	return err
}

// exportResult is what export prints with -o json.
type exportResult struct {
	Path       string `json:"path"`
	UniqueName string `json:"uniquename"`
	IsManaged  bool   `json:"ismanaged"`
	Bytes      int    `json:"bytes"`
}

func newSolutionExportCmd() *cobra.Command {
	var (
		t                         target
		name, path                string
		managed, async, overwrite bool
		wait                      asyncWait
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export a solution from an environment into a zip file",
		Long: `Export the solution --name from the environment into a zip file, as pac solution export does:
the ExportSolution action, or with --async ExportSolutionAsync, whose operation is polled
(asyncoperations) until it finishes and whose file is then downloaded
(DownloadSolutionExportData). --max-async-wait-time bounds that wait.

--path is the file, or a folder to write <name>.zip into (<name>_managed.zip with --managed);
by default that name in the current folder. An existing file is not replaced unless
--overwrite; the file is written to a temporary file renamed into place, so a failed export
leaves the old one whole. On a terminal, a spinner shows the elapsed time and the operation's
status on standard error.`,
		Example: `  connectorhub solution export --name ContosoConnectors --path ContosoConnectors.zip
  connectorhub solution export -n ContosoConnectors -p out/ --managed --async -wt 30 -ow
  connectorhub solution export -n ContosoConnectors --environment https://org.crm.dynamics.com -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := wait.check(); err != nil {
				return err
			}
			file, err := exportPath(path, name, managed)
			if err != nil {
				return failed(err)
			}
			if err := refuseExisting(file, overwrite); err != nil {
				return err
			}
			ctx := cmd.Context()
			c, err := t.client(ctx)
			if err != nil {
				return failed(err)
			}
			data, err := exportSolution(ctx, cmd, c, name, managed, async, &wait)
			if err != nil {
				return failed(fmt.Errorf("exporting %s: %w", name, err))
			}
			// Checked again: the file may have appeared while the server worked.
			if err := refuseExisting(file, overwrite); err != nil {
				return err
			}
			if err := writeSolutionFile(file, data); err != nil {
				return failed(fmt.Errorf("--path: %w", err))
			}
			res := exportResult{Path: file, UniqueName: name, IsManaged: managed, Bytes: len(data)}
			if out.records() {
				return failed(out.writeRecords(cmd.OutOrStdout(), res))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Exported %s (%s) into %s: %d bytes\n", name, managedWord(managed), file, len(data))
			return failed(err)
		},
	}
	t.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVarP(&name, "name", "n", "", "the unique name of the solution to export (required)")
	fl.StringVarP(&path, "path", "p", "", "the zip file to write, or a folder for <name>.zip (default: <name>.zip, <name>_managed.zip with --managed)")
	fl.BoolVarP(&managed, "managed", "m", false, "export as a managed solution")
	fl.BoolVarP(&async, "async", "a", false, "export through an asynchronous operation (ExportSolutionAsync), for solutions too large to export within a request")
	wait.register(cmd)
	fl.BoolVar(&overwrite, "overwrite", false, "replace the file when it exists (pac's -ow)")
	fl.VarP(&out, "output", "o", "table, json or yaml")
	cmd.MarkFlagRequired("name")
	return cmd
}

// exportSolution runs the export, showing progress on a terminal.
func exportSolution(ctx context.Context, cmd *cobra.Command, c *client.Client, name string, managed, async bool, wait *asyncWait) ([]byte, error) {
	p := startProgress(cmd.ErrOrStderr(), "Exporting "+name)
	defer p.stop()
	if !async {
		return c.ExportSolution(ctx, name, managed)
	}
	wctx, cancel := wait.context(ctx, true)
	defer cancel()
	data, err := c.ExportSolutionAsync(wctx, name, managed, p.setStatus)
	return data, wait.explain("export", err)
}

// exportPath is where export writes: path itself, or <name>[_managed].zip in the folder path
// names (when it is one, or ends with a separator), or in the current folder.
func exportPath(path, name string, managed bool) (string, error) {
	base := name + ".zip"
	if managed {
		base = name + "_managed.zip"
	}
	if path == "" {
		return base, nil
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return filepath.Join(path, base), nil
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return filepath.Join(path, base), nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("--path: %w", err)
	}
	return path, nil
}

// refuseExisting refuses to replace a file unless --overwrite.
func refuseExisting(file string, overwrite bool) error {
	if overwrite {
		return nil
	}
	if _, err := os.Lstat(file); err == nil {
		return usagef("%s exists: give --overwrite (-ow) to replace it", file)
	}
	return nil
}

// writeSolutionFile writes a zip atomically, creating its folder, readable by all as pack's are.
func writeSolutionFile(file string, data []byte) error {
	if dir := filepath.Dir(file); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(file, data); err != nil {
		return err
	}
	return os.Chmod(file, 0o644)
}

func managedWord(managed bool) string {
	if managed {
		return "managed"
	}
	return "unmanaged"
}

// solutionManifest is what import reads of a zip's solution.xml, for its messages.
type solutionManifest struct {
	UniqueName string `xml:"SolutionManifest>UniqueName"`
	Version    string `xml:"SolutionManifest>Version"`
	Managed    string `xml:"SolutionManifest>Managed"`
}

// readManifest checks that data is a zip and reads its solution.xml's name, version and
// type. Only a file that is not a zip is an error: the server judges the rest.
func readManifest(data []byte) (*solutionManifest, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("not a solution zip: %w", err)
	}
	m := &solutionManifest{}
	for _, f := range zr.File {
		if !strings.EqualFold(f.Name, "solution.xml") {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return m, nil
		}
		defer r.Close()
		text, err := io.ReadAll(io.LimitReader(r, 16<<20))
		if err != nil {
			return m, nil
		}
		_ = xml.Unmarshal(bytes.TrimPrefix(text, []byte("\xef\xbb\xbf")), m)
		break
	}
	return m, nil
}

// label names the zip's solution for messages: "ContosoConnectors 1.0.0.0 (managed)", or
// the file's name when the manifest could not be read.
func (m *solutionManifest) label(file string) string {
	if m.UniqueName == "" {
		return file
	}
	s := m.UniqueName
	if m.Version != "" {
		s += " " + m.Version
	}
	switch m.Managed {
	case "0":
		s += " (unmanaged)"
	case "1":
		s += " (managed)"
	}
	return s
}

// importResult is what import prints with -o json.
type importResult struct {
	Path        string `json:"path"`
	UniqueName  string `json:"uniquename,omitempty"`
	Version     string `json:"version,omitempty"`
	ImportJobID string `json:"importjobid"`
	Published   bool   `json:"published"`
}

// readSettings reads a deployment settings file (pac solution create-settings writes one).
func readSettings(file string) (*client.DeploymentSettings, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var s client.DeploymentSettings
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), &s); err != nil {
		return nil, fmt.Errorf("%s is not a deployment settings file ({\"EnvironmentVariables\":[…],\"ConnectionReferences\":[…]}): %w", file, err)
	}
	return &s, nil
}

func newSolutionImportCmd() *cobra.Command {
	var (
		t                                      target
		path, settingsFile                     string
		force, convert, async, publish, plugin bool
		wait                                   asyncWait
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a solution zip into an environment",
		Long: `Import the solution zip --path into the environment, as pac solution import does: the
ImportSolution action, or with --async ImportSolutionAsync, whose operation is polled
(asyncoperations) until it finishes; --max-async-wait-time bounds that wait. The import is
logged in an import job (importjobs(<id>), its data the log), whose id is printed.

--settings-file is pac's deployment settings file (pac solution create-settings):
{"EnvironmentVariables":[{"SchemaName","Value"}],"ConnectionReferences":[{"LogicalName",
"ConnectionId","ConnectorId"}]}; its values are sent as ComponentParameters and override the
zip's. Entries with an empty Value or ConnectionId are left out, as a template's are.

A refused import prints the server's message (and the import job's id) and exits with
status 1. On a terminal, a spinner shows the elapsed time and the operation's status on
standard error. Not supported: pac's --skip-dependency-check, --import-as-holding,
--stage-and-upgrade, --skip-lower-version.`,
		Example: `  connectorhub solution import --path ContosoConnectors_managed.zip
  connectorhub solution import -p ContosoConnectors.zip --force-overwrite --publish-changes
  connectorhub solution import -p ContosoConnectors_managed.zip --async -wt 30 --settings-file settings.json -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := wait.check(); err != nil {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return failed(fmt.Errorf("--path: %w", err))
			}
			m, err := readManifest(data)
			if err != nil {
				return failed(fmt.Errorf("--path %s: %w", path, err))
			}
			opts := client.ImportSolutionOptions{OverwriteUnmanagedCustomizations: force, ConvertToManaged: convert,
				PublishWorkflows: plugin, Async: async}
			if settingsFile != "" {
				if opts.Settings, err = readSettings(settingsFile); err != nil {
					return failed(fmt.Errorf("--settings-file: %w", err))
				}
			}
			ctx := cmd.Context()
			c, err := t.client(ctx)
			if err != nil {
				return failed(err)
			}
			label := m.label(filepath.Base(path))
			jobID, err := importSolution(ctx, cmd, c, data, label, opts, &wait)
			if err != nil {
				var apiErr *client.Error
				var opErr *client.AsyncOperationError
				if jobID != "" && (errors.As(err, &apiErr) || errors.As(err, &opErr)) {
					err = fmt.Errorf("%w (the log: importjobs(%s))", err, jobID)
				}
				return failed(fmt.Errorf("importing %s: %w", label, err))
			}
			if publish {
				p := startProgress(cmd.ErrOrStderr(), "Publishing all customizations")
				err := c.PublishAllXml(ctx)
				p.stop()
				if err != nil {
					return failed(fmt.Errorf("%s was imported (import job %s), but publishing failed: %w", label, jobID, err))
				}
			}
			res := importResult{Path: path, UniqueName: m.UniqueName, Version: m.Version, ImportJobID: jobID, Published: publish}
			if out.records() {
				return failed(out.writeRecords(cmd.OutOrStdout(), res))
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "Imported %s from %s (import job %s)\n", label, path, jobID)
			return failed(err)
		},
	}
	t.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVarP(&path, "path", "p", "", "the solution zip to import (required)")
	fl.BoolVarP(&force, "force-overwrite", "f", false, "overwrite unmanaged customizations made over the solution's managed components (OverwriteUnmanagedCustomizations)")
	fl.BoolVar(&convert, "convert-to-managed", false, "send ConvertToManaged, Dataverse's obsolete parameter (pac's -cm)")
	fl.BoolVarP(&async, "async", "a", false, "import through an asynchronous operation (ImportSolutionAsync)")
	fl.BoolVar(&publish, "publish-changes", false, "publish all customizations after a successful import (PublishAllXml; pac's -pc)")
	fl.BoolVar(&plugin, "activate-plugins", false, "activate the solution's plug-ins and workflows (PublishWorkflows; pac's -ap)")
	fl.StringVar(&settingsFile, "settings-file", "", "a deployment settings file: environment variable values and connection references")
	wait.register(cmd)
	fl.VarP(&out, "output", "o", "table, json or yaml")
	cmd.MarkFlagRequired("path")
	return cmd
}

// importSolution runs the import, showing progress on a terminal.
func importSolution(ctx context.Context, cmd *cobra.Command, c *client.Client, data []byte, label string, opts client.ImportSolutionOptions, wait *asyncWait) (string, error) {
	p := startProgress(cmd.ErrOrStderr(), "Importing "+label)
	defer p.stop()
	opts.Progress = p.setStatus
	wctx, cancel := wait.context(ctx, opts.Async)
	defer cancel()
	jobID, err := c.ImportSolution(wctx, data, opts)
	return jobID, wait.explain("import", err)
}

func newSolutionListCmd() *cobra.Command {
	var t target
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the solutions of an environment",
		Long: `List the visible solutions of the environment (solutions?$filter=isvisible eq true, as pac
solution list shows them), by unique name.

The table shows the unique name, version, whether the solution is managed, and its friendly
name. -o json prints an array of records with the Web API's property names: solutionid,
uniquename, friendlyname, version, ismanaged, _publisherid_value, description, installedon,
modifiedon.`,
		Example: `  connectorhub solution list
  connectorhub solution list --environment https://org.crm.dynamics.com -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := t.client(ctx)
			if err != nil {
				return failed(err)
			}
			sols, err := c.ListSolutions(ctx)
			if err != nil {
				return failed(err)
			}
			if out.records() {
				return failed(out.writeRecords(cmd.OutOrStdout(), sols))
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UNIQUENAME\tVERSION\tMANAGED\tFRIENDLYNAME")
			for _, s := range sols {
				fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", s.UniqueName, s.Version, s.IsManaged, s.FriendlyName)
			}
			return failed(tw.Flush())
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml")
	return cmd
}

func newSolutionDeleteCmd() *cobra.Command {
	var (
		t    target
		name string
	)
	out := outputFlag("table")
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete a solution from an environment",
		Long: `Delete the solution --solution-name from the environment, as pac solution delete does
(DELETE solutions(<id>), the id looked up by the unique name). Deleting an unmanaged solution
removes only the container: its connectors stay. Deleting a managed solution uninstalls it
with its components: its connectors are deleted. As pac, it asks for no confirmation.`,
		Example: `  connectorhub solution delete --solution-name ContosoConnectors
  connectorhub solution delete -sn ContosoConnectors --environment https://org.crm.dynamics.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := t.client(ctx)
			if err != nil {
				return failed(err)
			}
			sol, err := c.FindSolution(ctx, name)
			var apiErr *client.Error
			if errors.As(err, &apiErr) && apiErr.Status == 404 {
				return connFailure{fmt.Errorf("no solution named %q (connectorhub solution list shows them)", name)}
			}
			if err != nil {
				return failed(err)
			}
			if err := c.DeleteSolution(ctx, sol.UniqueName); err != nil {
				return failed(fmt.Errorf("deleting %s: %w", sol.UniqueName, err))
			}
			if out.records() {
				return failed(out.writeRecords(cmd.OutOrStdout(), sol))
			}
			what := "Deleted unmanaged solution %s (%s); its components stay\n"
			if sol.IsManaged {
				what = "Uninstalled managed solution %s (%s) with its components\n"
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), what, sol.UniqueName, sol.ID)
			return failed(err)
		},
	}
	t.register(cmd.Flags())
	cmd.Flags().StringVar(&name, "solution-name", "", "the unique name of the solution to delete (required; pac's -sn)")
	cmd.Flags().VarP(&out, "output", "o", "table, json or yaml (the deleted solution's record)")
	cmd.MarkFlagRequired("solution-name")
	return cmd
}
