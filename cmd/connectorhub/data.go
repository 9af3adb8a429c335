package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

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

// outputFlag is the value of -o: "table" or "json".
type outputFlag string

func (o *outputFlag) String() string { return string(*o) }
func (o *outputFlag) Type() string   { return "format" }
func (o *outputFlag) Set(v string) error {
	if v != "table" && v != "json" {
		return fmt.Errorf("must be table or json")
	}
	*o = outputFlag(v)
	return nil
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
