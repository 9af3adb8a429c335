// Package pgtest gives tests a fresh, empty PostgreSQL schema of their own on the server
// named by CONNECTORHUB_TEST_POSTGRES (a postgres:// URL; .ci/postgres starts a throwaway
// one). Without it the tests that need PostgreSQL skip, except under CI (CI set), where
// they fail: CI always runs them.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvURL names the environment variable that holds the test server's URL.
const EnvURL = "CONNECTORHUB_TEST_POSTGRES"

// Available reports whether a test server is configured.
func Available() bool { return os.Getenv(EnvURL) != "" }

// SkipUnlessAvailable skips tb when no test server is configured, and fails it under CI.
func SkipUnlessAvailable(tb testing.TB) {
	tb.Helper()
	if Available() {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/postgres start DIR prints a URL)", EnvURL)
	}
	tb.Skipf("%s is not set: start a throwaway server with .ci/postgres start DIR to run the PostgreSQL tests", EnvURL)
}

var extensionOnce sync.Once

// NewURL creates an empty schema for tb and returns a URL whose connections use it (and
// public, where pg_trgm lives); the schema is dropped when tb ends. It skips or fails as
// SkipUnlessAvailable does.
func NewURL(tb testing.TB) string {
	tb.Helper()
	SkipUnlessAvailable(tb)
	u, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := Drop(u); err != nil {
			tb.Logf("pgtest: drop schema: %v", err)
		}
	})
	return u
}

// New creates an empty schema on the test server and returns the URL of it; Drop removes it.
// For tests that cannot use NewURL (a server started outside a test).
func New() (string, error) {
	base := os.Getenv(EnvURL)
	if base == "" {
		return "", errNoServer
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx := context.Background()
	// The extension is the database's, in public, once: the migrations' CREATE EXTENSION
	// IF NOT EXISTS then finds it, rather than putting it in the test's schema.
	var extErr error
	extensionOnce.Do(func() {
		// The test packages are processes of their own on one database, and IF NOT EXISTS is
		// no lock: two creating it at once fail on pg_extension's unique index. They queue on
		// an advisory lock (the engine's writers' key, which migrations take too).
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			extErr = err
			return
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(1128813890)`); err != nil {
			extErr = err
			return
		}
		if _, err := tx.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public`); err != nil {
			extErr = err
			return
		}
		extErr = tx.Commit()
	})
	if extErr != nil {
		return "", extErr
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Drop removes the schema of a URL New returned.
func Drop(schemaURL string) error {
	u, err := url.Parse(schemaURL)
	if err != nil {
		return err
	}
	schema := u.Query().Get("search_path")
	for i := range schema {
		if schema[i] == ',' {
			schema = schema[:i]
			break
		}
	}
	db, err := sql.Open("pgx", os.Getenv(EnvURL))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
	return err
}

type noServer struct{}

func (noServer) Error() string { return EnvURL + " is not set" }

var errNoServer error = noServer{}
