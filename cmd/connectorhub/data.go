package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/sqlite"
)

// envDatabase names the environment variable that --database defaults to.
const envDatabase = "CONNECTORHUB_DATABASE"

// installation is where an installation's data lives: a data directory (SQLite, the
// default), or a PostgreSQL database that several servers share.
type installation struct {
	dataDir  string
	database string // postgres://…; "" for the SQLite file in dataDir
}

// register adds --data and --database to fs; --data defaults to dataDefault.
func (in *installation) register(fs *pflag.FlagSet, dataDefault string) {
	fs.StringVar(&in.dataDir, "data", dataDefault, "directory of the installation (its SQLite database and local signing key)")
	fs.StringVar(&in.database, "database", os.Getenv(envDatabase),
		"PostgreSQL database of the installation, postgres://user:password@host:port/db (default $"+envDatabase+"; empty: SQLite in --data)")
}

// postgres reports whether the installation is on PostgreSQL.
func (in *installation) postgres() bool { return in.database != "" }

// check refuses a --database that names no engine we have.
func (in *installation) check() error {
	if in.database != "" && !postgres.IsURL(in.database) {
		return fmt.Errorf("--database: want a postgres:// or postgresql:// URL, got %q (leave it empty for SQLite in --data)", redactURL(in.database))
	}
	return nil
}

// redactURL hides a password in a URL echoed in an error.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}

// describe names the database for logs, without a password.
func (in *installation) describe() string {
	if in.postgres() {
		return redactURL(in.database)
	}
	return filepath.Join(in.dataDir, "connectorhub.db")
}

// open opens the installation's database, creating its schema on first use, and applies
// pending migrations.
func (in *installation) open() (*sqlstore.DB, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.postgres() {
		db := postgres.NewDB(in.database)
		if err := db.Open(); err != nil {
			return nil, err
		}
		return db.DB, nil
	}
	if err := os.MkdirAll(in.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	db := sqlite.NewDB(filepath.Join(in.dataDir, "connectorhub.db"))
	if err := db.Open(); err != nil {
		return nil, err
	}
	return db.DB, nil
}

// issuer returns the local token issuer: its key is a file in the data directory on SQLite,
// and a setting in the database on PostgreSQL, so that every server on it and every
// `connectorhub token --database` use one key.
func (in *installation) issuer(ctx context.Context, db *sqlstore.DB) (*auth.Issuer, error) {
	if !in.postgres() {
		return auth.LoadOrCreateIssuer(in.dataDir)
	}
	key, err := db.Secret(ctx, "localissuerkey", auth.NewIssuerKey)
	if err != nil {
		return nil, err
	}
	return auth.ParseIssuer(key)
}

// openData opens the installation (creating it on first use) and returns its database and
// bootstrap administrator. The server may be running: both engines share the database.
func openData(ctx context.Context, in *installation) (*sqlstore.DB, *connectorhub.SystemUser, error) {
	db, err := in.open()
	if err != nil {
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
func withData(in *installation, fn func(cmd *cobra.Command, db *sqlstore.DB, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, _, err := openData(cmd.Context(), in)
		if err != nil {
			return failed(err)
		}
		defer db.Close()
		return failed(fn(cmd, db, args))
	}
}

// withAdmin is withData for commands that write through the checked services (roles,
// disabling users): fn's context acts as the bootstrap System Administrator, who holds every
// privilege, so the same rules apply as through the Web API without a caller to refuse.
func withAdmin(in *installation, fn func(ctx context.Context, cmd *cobra.Command, db *sqlstore.DB, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		db, admin, err := openData(cmd.Context(), in)
		if err != nil {
			return failed(err)
		}
		defer db.Close()
		p, err := db.LoadPrincipal(cmd.Context(), admin.ID)
		if err != nil {
			return failed(err)
		}
		return failed(fn(connectorhub.NewContextWithPrincipal(cmd.Context(), p), cmd, db, args))
	}
}

// roleIDs resolves role names (case-insensitive) to ids, refusing an unknown one.
func roleIDs(ctx context.Context, db *sqlstore.DB, names []string) ([]string, error) {
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
