package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectorhub/connectorhub/sqlite"
	"github.com/connectorhub/connectorhub/webapi"
)

// ServeConfig is what `connectorhub serve` is told.
type ServeConfig struct {
	Addr    string // address to listen on
	DataDir string // directory of the SQLite database
	LogJSON bool   // JSON log lines instead of text
}

// Main is the running server program: end-to-end tests start it without flags.
type Main struct {
	Config ServeConfig
	Logs   io.Writer // where log lines go; stderr when nil

	DB   *sqlite.DB
	HTTP *webapi.Server
}

// Run opens the database, creates the bootstrap administrator on first start and starts
// serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	logs := m.Logs
	if logs == nil {
		logs = os.Stderr
	}
	var handler slog.Handler = slog.NewTextHandler(logs, nil)
	if m.Config.LogJSON {
		handler = slog.NewJSONHandler(logs, nil)
	}
	logger := slog.New(handler)

	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	m.DB = sqlite.NewDB(filepath.Join(m.Config.DataDir, "connectorhub.db"))
	if err := m.DB.Open(); err != nil {
		return err
	}
	admin, err := m.DB.Bootstrap(ctx)
	if err != nil {
		return err
	}
	m.HTTP = &webapi.Server{
		Addr:       m.Config.Addr,
		Connectors: m.DB,
		Principals: m.DB,
		Auth:       &webapi.StaticPrincipal{UserID: admin.ID, BusinessUnitID: admin.BusinessUnitID, FullName: admin.FullName},
		Logger:     logger,
	}
	if err := m.HTTP.Open(); err != nil {
		return err
	}
	logger.Info("serving", slog.String("url", m.HTTP.URL()+"/api/data/v9.2/"), slog.String("data", m.Config.DataDir),
		slog.String("engine", "sqlite"), slog.String("caller", "bootstrap System Administrator "+admin.ID))
	return nil
}

// Close stops the server, letting requests in flight finish for up to 30 seconds, then
// closes the database.
func (m *Main) Close() error {
	var err error
	if m.HTTP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = m.HTTP.Close(ctx)
	}
	if m.DB != nil {
		if cerr := m.DB.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func newServeCmd() *cobra.Command {
	m := &Main{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Dataverse Web API for connectors",
		Long: `Serve the Dataverse-compatible Web API for custom connectors at /api/data/v9.0/, /v9.1/ and /v9.2/.

Data lives in an embedded SQLite database (WAL mode) in the --data directory, created on first
start together with a bootstrap System Administrator. Until authentication is configured, every
request acts as that administrator. SIGINT or SIGTERM stops the server gracefully.`,
		Example: `  connectorhub serve
  connectorhub serve --addr 127.0.0.1:9000 --data /var/lib/connectorhub
  curl http://127.0.0.1:8080/api/data/v9.2/connectors`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := m.Run(cmd.Context()); err != nil {
				m.Close()
				return err
			}
			<-cmd.Context().Done()
			return m.Close()
		},
	}
	cmd.Flags().StringVar(&m.Config.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&m.Config.DataDir, "data", "./connectorhub-data", "directory of the database")
	cmd.Flags().BoolVar(&m.Config.LogJSON, "log-json", false, "write log lines as JSON")
	return cmd
}
