package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/connectorhub/connectorhub/validate"
	"github.com/spf13/cobra"
)

// Names of the files of a connector folder (the paconn layout).
const (
	definitionFileName = "apiDefinition.swagger.json"
	propertiesFileName = "apiProperties.json"
	scriptFileName     = "script.csx"
)

func newConnectorValidateCmd() *cobra.Command {
	var (
		output        string
		certification bool
	)
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Validate connector definitions offline",
		Long: `Validate connector definitions offline, with named rules and exact positions.

PATH is a connector folder in the paconn layout (apiDefinition.swagger.json, and
apiProperties.json and script.csx when present) or a single file: apiProperties.json is read
as connector properties (checked against the definition beside it), any other file as a
Swagger 2.0 definition.

Each finding is printed on one line as

  file:line:col severity rule-id message

The structural rules are those the service applies: an error means the service, or a
ConnectorHub server, refuses the connector. --certification adds the rules of Microsoft's
certification review (string lengths, connector metadata, response hygiene). The rule
catalogue is in docs/validation.md; rule ids are those of Microsoft's Swagger Validator where
one exists, so they can be searched.

Nothing is sent anywhere. The exit status is 1 when there are errors, 2 when a PATH cannot be
read, 130 when interrupted (SIGINT or SIGTERM: the validation stops at once and prints nothing),
0 otherwise (warnings included).`,
		Example: `  # Validate a connector folder
  connectorhub connector validate ./MyConnector

  # Validate several definitions with the certification rules, as JSON
  connectorhub connector validate --certification -o json a.json b.json

  # Fail a CI step only on errors
  connectorhub connector validate ./connectors/* || exit 1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" && output != "yaml" {
				return fmt.Errorf("unknown output format %q: use text, json or yaml", output)
			}
			// SIGINT and SIGTERM stop the validation. main's context already ends on them; the
			// command listens as well, so that it stops however it is run.
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			results, err := validatePaths(ctx, args, validate.Options{Certification: certification})
			if err != nil {
				if ctx.Err() != nil {
					return interruptedError{context.Cause(ctx)}
				}
				return err
			}
			if output != "text" {
				err = writeValidateJSON(cmd.OutOrStdout(), results, output == "yaml")
			} else {
				err = writeValidateText(cmd.OutOrStdout(), results)
			}
			if err != nil {
				return err
			}
			if n := countSeverity(results, validate.Error); n > 0 {
				return findingsError{n}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text, json or yaml")
	cmd.Flags().BoolVar(&certification, "certification", false, "also apply the certification rule set")
	return cmd
}

// findingsError reports validation errors; the process exits with status 1.
type findingsError struct{ n int }

func (e findingsError) Error() string { return fmt.Sprintf("%d validation error(s)", e.n) }

// ExitCode makes the process exit with status 1.
func (e findingsError) ExitCode() int { return 1 }

// interruptedError reports a validation stopped by a signal (or by the end of the command's
// context); the process exits with status 130, as shells do for an interrupted command.
type interruptedError struct{ cause error }

func (e interruptedError) Error() string {
	return fmt.Sprintf("interrupted (%v): validation stopped before it finished; no findings are printed", e.cause)
}

// ExitCode makes the process exit with status 130.
func (e interruptedError) ExitCode() int { return 130 }

// fileReport is the report of one file.
type fileReport struct {
	File   string
	Report validate.Report
}

// validatePaths validates each PATH in order; it fails when a PATH cannot be read, or with
// ctx's error when ctx ends.
func validatePaths(ctx context.Context, paths []string, opts validate.Options) ([]fileReport, error) {
	var out []fileReport
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			r, err := validateFile(ctx, p, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
			continue
		}
		def := filepath.Join(p, definitionFileName)
		if _, err := os.Stat(def); err != nil {
			return nil, fmt.Errorf("%s: not a connector folder: %w", p, err)
		}
		for _, name := range []string{definitionFileName, propertiesFileName, scriptFileName} {
			f := filepath.Join(p, name)
			if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			r, err := validateFile(ctx, f, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// validateFile validates one file according to its name; it fails with ctx's error when ctx
// ends.
func validateFile(ctx context.Context, path string, opts validate.Options) (fileReport, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return fileReport{}, err
	}
	var r validate.Report
	switch filepath.Base(path) {
	case propertiesFileName:
		def, err := os.ReadFile(filepath.Join(filepath.Dir(path), definitionFileName))
		if err != nil {
			def = nil // without a definition, references to operations are not checked
		}
		r, err = validate.PropertiesContext(ctx, text, def, opts)
		if err != nil {
			return fileReport{}, err
		}
	case scriptFileName:
		r = validate.Script(text, opts) // a size check: nothing to interrupt
	default:
		r, err = validate.DefinitionContext(ctx, text, opts)
		if err != nil {
			return fileReport{}, err
		}
	}
	return fileReport{File: path, Report: r}, nil
}

func writeValidateText(w io.Writer, results []fileReport) error {
	for _, fr := range results {
		for _, f := range fr.Report.Findings {
			if _, err := fmt.Fprintf(w, "%s:%d:%d %s %s %s\n", fr.File, f.Line, f.Column, f.Severity, f.Rule, f.Message); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFinding is a finding with the file it is in, as -o json prints it.
type jsonFinding struct {
	File string `json:"file"`
	validate.Finding
}

func writeValidateJSON(w io.Writer, results []fileReport, yaml bool) error {
	out := struct {
		Files    []string      `json:"files"`
		Errors   int           `json:"errors"`
		Warnings int           `json:"warnings"`
		Infos    int           `json:"infos"`
		Findings []jsonFinding `json:"findings"`
	}{
		Files:    []string{},
		Errors:   countSeverity(results, validate.Error),
		Warnings: countSeverity(results, validate.Warning),
		Infos:    countSeverity(results, validate.Info),
		Findings: []jsonFinding{},
	}
	for _, fr := range results {
		out.Files = append(out.Files, fr.File)
		for _, f := range fr.Report.Findings {
			out.Findings = append(out.Findings, jsonFinding{fr.File, f})
		}
	}
	if yaml {
		return writeYAMLTo(w, out)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func countSeverity(results []fileReport, s validate.Severity) int {
	n := 0
	for _, fr := range results {
		for _, f := range fr.Report.Findings {
			if f.Severity == s {
				n++
			}
		}
	}
	return n
}
