package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/sqlite"
)

// openData opens the installation in dataDir (creating it on first use) and returns its
// database and bootstrap administrator. The server may be running: SQLite shares the file.
func openData(ctx context.Context, dataDir string) (*sqlite.DB, *connectorhub.SystemUser, error) {
	db := sqlite.NewDB(filepath.Join(dataDir, "connectorhub.db"))
	if err := db.Open(); err != nil {
		return nil, nil, err
	}
	admin, err := db.Bootstrap(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, admin, nil
}

// withData returns a command body that runs fn on the installation's database, opened for
// the command and closed after it.
func withData(dataDir *string, fn func(cmd *cobra.Command, db *sqlite.DB, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, _, err := openData(cmd.Context(), *dataDir)
		if err != nil {
			return err
		}
		defer db.Close()
		return fn(cmd, db, args)
	}
}

// withAdmin is withData for commands that write through the checked services (roles,
// disabling users): fn's context acts as the bootstrap System Administrator, who holds every
// privilege, so the same rules apply as through the Web API without a caller to refuse.
func withAdmin(dataDir *string, fn func(ctx context.Context, cmd *cobra.Command, db *sqlite.DB, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, admin, err := openData(cmd.Context(), *dataDir)
		if err != nil {
			return err
		}
		defer db.Close()
		p, err := db.LoadPrincipal(cmd.Context(), admin.ID)
		if err != nil {
			return err
		}
		return fn(connectorhub.NewContextWithPrincipal(cmd.Context(), p), cmd, db, args)
	}
}

// roleIDs resolves role names (case-insensitive) to ids, refusing an unknown one.
func roleIDs(ctx context.Context, db *sqlite.DB, names []string) ([]string, error) {
	var ids []string
	for _, name := range names {
		role, err := db.FindRoleByName(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("no role named %q", name)
		}
		ids = append(ids, role.ID)
	}
	return ids, nil
}

// outputFlag is the value of -o: "table", "json" or "yaml".
type outputFlag string

func (o *outputFlag) String() string { return string(*o) }
func (o *outputFlag) Type() string   { return "format" }
func (o *outputFlag) Set(v string) error {
	if v != "table" && v != "json" && v != "yaml" {
		return fmt.Errorf("must be table, json or yaml")
	}
	*o = outputFlag(v)
	return nil
}

// records reports whether the output is records (json or yaml) rather than a table.
func (o outputFlag) records() bool { return o == "json" || o == "yaml" }

// writeRecords prints v as indented JSON, or as YAML with the same field names when the
// format is yaml.
func (o outputFlag) writeRecords(w io.Writer, v any) error {
	if o == "yaml" {
		return writeYAMLTo(w, v)
	}
	return writeJSONTo(w, v)
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeYAMLTo prints v as YAML: its JSON encoding (the JSON tag names, which are stable) as
// block mappings and sequences, strings double-quoted.
func writeYAMLTo(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return planWriteYAML(w, buf.Bytes())
}
