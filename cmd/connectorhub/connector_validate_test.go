package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runValidate runs `connectorhub connector validate args...` and returns its standard output
// and the exit status main would use.
func runValidate(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRootCmd()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetArgs(append([]string{"connector", "validate"}, args...))
	code := 0
	if err := root.Execute(); err != nil {
		code = exitCode(err)
	}
	return stdout.String(), code
}

// TestConnectorValidate runs the command on the connectors under
// testdata/connector_validate/<case>/in and compares its output with the golden files beside
// them; UPDATE_GOLDEN=1 rewrites them.
func TestConnectorValidate(t *testing.T) {
	dir := filepath.Join("testdata", "connector_validate")
	tests := []struct {
		name   string
		args   []string
		golden string
		code   int
	}{
		{"Clean", []string{filepath.Join(dir, "clean", "in")}, "clean/stdout.txt", 0},
		{"CleanCertification", []string{"--certification", filepath.Join(dir, "clean", "in")}, "clean/stdout.txt", 0},
		{"Errors", []string{filepath.Join(dir, "errors", "in")}, "errors/stdout.txt", 1},
		{"ErrorsCertification", []string{"--certification", filepath.Join(dir, "errors", "in")}, "errors/stdout-certification.txt", 1},
		{"ErrorsJSON", []string{"-o", "json", filepath.Join(dir, "errors", "in")}, "errors/stdout.json", 1},
		{"SingleFile", []string{filepath.Join(dir, "single-file", "in", "definition.json")}, "single-file/stdout.txt", 1},
		{"SeveralPaths", []string{filepath.Join(dir, "clean", "in"), filepath.Join(dir, "single-file", "in", "definition.json")}, "single-file/stdout.txt", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := runValidate(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit status: got %d, want %d", code, tt.code)
			}
			golden := filepath.Join(dir, filepath.FromSlash(tt.golden))
			if os.Getenv("UPDATE_GOLDEN") != "" {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConnectorValidateJSON checks the shape of -o json beyond the golden file: counts that
// agree with the findings, and every finding tied to its file.
func TestConnectorValidateJSON(t *testing.T) {
	out, _ := runValidate(t, "-o", "json", filepath.Join("testdata", "connector_validate", "errors", "in"))
	var got struct {
		Files                   []string
		Errors, Warnings, Infos int
		Findings                []struct {
			File, Rule, Severity, Pointer, Message, Hint string
			Line, Column                                 int
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	counts := map[string]int{}
	for _, f := range got.Findings {
		counts[f.Severity]++
		if f.File == "" || f.Rule == "" || f.Message == "" || f.Line == 0 {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	if counts["error"] != got.Errors || counts["warning"] != got.Warnings || counts["info"] != got.Infos {
		t.Errorf("counts %d/%d/%d do not match the findings %v", got.Errors, got.Warnings, got.Infos, counts)
	}
	if len(got.Files) != 3 {
		t.Errorf("got files %v, want the definition, the properties and the script", got.Files)
	}
}

func TestConnectorValidateUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"NoPath", nil},
		{"MissingPath", []string{filepath.Join("testdata", "connector_validate", "nothing-here")}},
		{"NotAConnectorFolder", []string{filepath.Join("testdata", "connector_validate")}},
		{"BadOutput", []string{"-o", "xml", filepath.Join("testdata", "connector_validate", "clean", "in")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, code := runValidate(t, tt.args...); code != 2 {
				t.Errorf("exit status: got %d, want 2", code)
			}
		})
	}
}

// TestConnectorValidateInterrupted runs the command with a context that has already ended, as
// after SIGINT or SIGTERM: it prints no findings, says why on standard error and exits with
// status 130.
func TestConnectorValidateInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupt signal received"))
	for _, args := range [][]string{
		{filepath.Join("testdata", "connector_validate", "errors", "in")},
		{"-o", "json", filepath.Join("testdata", "connector_validate", "clean", "in", "apiDefinition.swagger.json")},
	} {
		root := newRootCmd()
		var stdout, stderr bytes.Buffer
		root.SetOut(&stdout)
		root.SetErr(&stderr)
		root.SetArgs(append([]string{"connector", "validate"}, args...))
		err := root.ExecuteContext(ctx)
		if code := exitCode(err); err == nil || code != 130 {
			t.Errorf("%v: got %v, exit status %d; want an error with status 130", args, err, exitCode(err))
		}
		if stdout.Len() != 0 {
			t.Errorf("%v: printed findings:\n%s", args, stdout.String())
		}
		if msg := stderr.String(); !strings.Contains(msg, "interrupted (interrupt signal received)") {
			t.Errorf("%v: standard error %q does not say it was interrupted", args, msg)
		}
	}
}

func TestFindingsErrorExitCode(t *testing.T) {
	var ec exitCoder
	if !errors.As(error(findingsError{3}), &ec) || ec.ExitCode() != 1 {
		t.Error("findingsError must ask for exit status 1")
	}
}
