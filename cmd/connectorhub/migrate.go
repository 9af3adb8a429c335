package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/auth"
	"github.com/connectorhub/connectorhub/internal/sqlstore"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/sqlite"
)

// issuerKeyFile is the local issuer's key in a data directory (auth.LoadOrCreateIssuer's file).
const issuerKeyFile = "signing-key.pem"

// issuerKeySetting is the settings key of the local issuer's key on PostgreSQL
// (installation.issuer).
const issuerKeySetting = "localissuerkey"

func newMigrateCmd() *cobra.Command {
	var (
		from, to string
		force    bool
		out      = outputFlag("table")
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Copy an installation from its data directory to PostgreSQL",
		Long: `Copy every row of the SQLite database in --from (connectors, users, teams, business units,
roles and their holders, shares, settings, the tombstones of deleted connectors, and the row
version counters behind ETags and delta tokens) to the PostgreSQL database of --to, in one
transaction: all of it or nothing. Values arrive byte for byte, and versionnumbers unchanged,
so ETags, $skiptoken and $deltatoken values stay valid.

Before committing, every table's row count and SHA-256 checksum are computed on both sides by
the same code and compared; a difference rolls the copy back and names the table.

The local issuer's key (signing-key.pem in --from) is copied too, into the database's settings
(or, when --to is a data directory, as its signing-key.pem), so tokens made before the move keep
working.

--to must hold no data, only what a server's first start made, or an earlier copy of the same
installation, which is replaced: run migrate again to catch up. Anything else is refused, and
so is an earlier copy that has taken writes of its own since, unless --force, which replaces
what is there. --to may also be another data directory (created when missing): a backup.

The source is read in one consistent snapshot, so a running server does not tear the copy;
stop it (or stop its writers) for the final copy, or what it writes afterwards stays behind.
Opening --from applies the pending migrations of this build to it, as a server would.`,
		Example: `  connectorhub migrate --from /var/lib/connectorhub --to postgres://connectorhub@db.internal/connectorhub
  CONNECTORHUB_DATABASE=postgres://connectorhub@db.internal/connectorhub connectorhub migrate --from ./connectorhub-data -o json
  connectorhub migrate --from ./connectorhub-data --to ./backup`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A refused or failed copy exits 1; a malformed flag 2 (usagef).
			res, err := migrateData(cmd.Context(), from, to, force)
			if err != nil {
				return failed(err)
			}
			if out.records() {
				return failed(out.writeRecords(cmd.OutOrStdout(), res))
			}
			return failed(writeMigrateTable(cmd.OutOrStdout(), res))
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "data directory of the installation to copy (its connectorhub.db and signing-key.pem)")
	f.StringVar(&to, "to", os.Getenv(envDatabase), "PostgreSQL database to copy to, postgres://user:password@host:port/db, or a data directory (default $"+envDatabase+")")
	f.BoolVar(&force, "force", false, "replace whatever --to holds")
	f.VarP(&out, "output", "o", "table, json or yaml")
	cmd.MarkFlagRequired("from")
	return cmd
}

// migrateResult is what `migrate -o json` writes: the copy's report and where it went.
type migrateResult struct {
	From string `json:"from"`
	To   string `json:"to"`
	// IssuerKey is true when the local issuer's key was copied.
	IssuerKey bool `json:"issuerKey"`
	*sqlstore.CopyReport
}

// migrateData copies the installation in the data directory from to the database or data
// directory to.
func migrateData(ctx context.Context, from, to string, force bool) (*migrateResult, error) {
	if err := dataDirExists(from); err != nil {
		return nil, err
	}
	if to == "" {
		return nil, usagef("--to is required: a postgres:// URL or a data directory (default $%s)", envDatabase)
	}
	key, err := os.ReadFile(filepath.Join(from, issuerKeyFile))
	if errors.Is(err, fs.ErrNotExist) {
		key = nil // no token was ever made: nothing to keep valid
	} else if err != nil {
		return nil, fmt.Errorf("--from: %w", err)
	} else if _, err := auth.ParseIssuer(key); err != nil {
		return nil, fmt.Errorf("--from: %s: %w", issuerKeyFile, err)
	}

	opt := sqlstore.CopyOptions{Force: force}
	var dst *sqlstore.DB
	toDir := ""
	res := &migrateResult{From: from, To: redactURL(to), IssuerKey: key != nil}
	switch {
	case postgres.IsURL(to):
		pg := postgres.NewDB(to)
		if err := pg.Open(); err != nil {
			return nil, err
		}
		dst = pg.DB
		if key != nil {
			opt.ExtraSettings = map[string][]byte{issuerKeySetting: key}
		}
	case strings.Contains(to, "://"):
		return nil, usagef("--to: want a postgres:// or postgresql:// URL or a data directory, got %q", redactURL(to))
	default:
		if same, err := sameDir(from, to); err != nil {
			return nil, err
		} else if same {
			return nil, usagef("--from and --to are the same data directory")
		}
		if err := os.MkdirAll(to, 0o700); err != nil {
			return nil, fmt.Errorf("--to: %w", err)
		}
		lite := sqlite.NewDB(filepath.Join(to, "connectorhub.db"))
		if err := lite.Open(); err != nil {
			return nil, err
		}
		dst, toDir = lite.DB, to
	}
	defer dst.Close()

	src := sqlite.NewDB(filepath.Join(from, "connectorhub.db"))
	if err := src.Open(); err != nil {
		return nil, err
	}
	defer src.Close()
	if res.CopyReport, err = sqlstore.Copy(ctx, src.DB, dst, opt); err != nil {
		return nil, err
	}
	// A data directory keeps the key as a file, written once the rows are in: a failure here
	// leaves a copy that a second run replaces.
	if toDir != "" && key != nil {
		if err := writeKeyFile(toDir, key); err != nil {
			return nil, fmt.Errorf("the rows are copied, the issuer's key is not (run migrate again): %w", err)
		}
	}
	return res, nil
}

// dataDirExists refuses a --from that is not an existing data directory: opening one creates
// an empty database, which would copy nothing.
func dataDirExists(dir string) error {
	if dir == "" {
		return usagef("--from is required: the data directory of the installation to copy")
	}
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--from %s: no such directory", dir)
	} else if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("--from %s is not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "connectorhub.db")); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--from %s holds no connectorhub.db: it is not a data directory", dir)
	} else if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	return nil
}

// sameDir reports whether a and b name one directory (b may not exist yet).
func sameDir(a, b string) (bool, error) {
	ai, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	bi, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("--to: %w", err)
	}
	return os.SameFile(ai, bi), nil
}

// writeKeyFile puts the issuer's key in dir as auth.LoadOrCreateIssuer reads it (mode 0600),
// replacing the file at once by a rename, so that a reader sees the old key or the new one.
func writeKeyFile(dir string, key []byte) error {
	path := filepath.Join(dir, issuerKeyFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, key) {
		return nil
	}
	return writeFileAtomic(path, key)
}

// writeMigrateTable prints one line per table (its rows and the start of its checksum) and a
// last line saying what was copied.
func writeMigrateTable(w io.Writer, res *migrateResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tSHA256")
	for _, t := range res.Tables {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", t.Table, t.Rows, t.SHA256[:12])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	key := ""
	if res.IssuerKey {
		key = ", and the local issuer's key"
	}
	was := map[string]string{
		"empty":    "it was empty",
		"new":      "it held only what a first start makes",
		"copy":     "replacing an earlier copy",
		"replaced": "replacing what it held",
	}[res.Destination]
	_, err := fmt.Fprintf(w, "Copied and verified %d rows of %d tables to %s (%s)%s.\n", res.Rows, len(res.Tables), res.To, was, key)
	return err
}
