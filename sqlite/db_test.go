package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestReadPoolPragmas: the read pools' connections are read-only and keep small page caches
// (readPragmas says why), and the write connection keeps SQLite's default.
func TestReadPoolPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		name      string
		dsn       string
		cacheSize int
		queryOnly int
	}{
		{"read", dataSource(path) + readPragmas, -256, 1},
		{"write", dataSource(path), -2000, 0},
	} {
		pool, err := sql.Open("sqlite", tc.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var cacheSize, queryOnly int
		err = pool.QueryRow(`PRAGMA cache_size`).Scan(&cacheSize)
		if err == nil {
			err = pool.QueryRow(`PRAGMA query_only`).Scan(&queryOnly)
		}
		pool.Close()
		if err != nil || cacheSize != tc.cacheSize || queryOnly != tc.queryOnly {
			t.Errorf("%s: cache_size %d, query_only %d, %v; want %d, %d", tc.name, cacheSize, queryOnly, err, tc.cacheSize, tc.queryOnly)
		}
	}
}
