package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	neturl "net/url"
	"os"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/internal/pgtest"
	"github.com/connectorhub/connectorhub/postgres"
	"github.com/connectorhub/connectorhub/storetest"
)

// TestConnectionsTerminated: after the server drops every connection of the pools (what a
// restart or a failover does), the next read and the next write still succeed: the pooled
// connections are found dead and the statement is sent again on a new one.
func TestConnectionsTerminated(t *testing.T) {
	pgtest.SkipUnlessAvailable(t)
	url := pgtest.NewURL(t) + "&application_name=terminated_test"
	db := postgres.NewDB(url)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := storetest.AdminContext(t, db)
	first := storetest.MustConnector(t, 1)
	if err := db.CreateConnector(ctx, first); err != nil {
		t.Fatal(err)
	}

	terminate := func() {
		t.Helper()
		other, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		var n int
		if err := other.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = 'terminated_test' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("no connection of the pools was terminated: the test tests nothing")
		}
	}
	terminate()
	if _, err := db.FindConnectorByID(ctx, first.ID); err != nil {
		t.Errorf("read after the connections were terminated: %v", err)
	}
	terminate()
	if err := db.CreateConnector(ctx, storetest.MustConnector(t, 2)); err != nil {
		t.Errorf("write after the connections were terminated: %v", err)
	}
	terminate()
	n, err := db.CountConnectors(ctx, connectorhub.ConnectorQuery{})
	if err != nil || n != 2 {
		t.Errorf("count after the connections were terminated: %d, %v; want 2", n, err)
	}
}

// TestUnreachableIsServerBusy: a database that refuses connections (starting, full, or
// gone) is a 503 (ECodeServerBusy, "try again later") for the caller, not an unexpected 500.
func TestUnreachableIsServerBusy(t *testing.T) {
	pgtest.SkipUnlessAvailable(t)
	admin, err := sql.Open("pgx", os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// A database of its own: refusing connections to the shared one would stop other tests.
	name := fmt.Sprintf("unreachable_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(`DROP DATABASE IF EXISTS ` + name)
	u, err := neturl.Parse(os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db := postgres.NewDB(u.String())
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	user, err := db.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	_, err = db.FindSystemUserByID(ctx, user.ID)
	if code := connectorhub.ErrorCode(err); code != connectorhub.ECodeServerBusy {
		t.Errorf("read while the database refuses connections: got %v (%s), want %s", err, code, connectorhub.ECodeServerBusy)
	}
	_, err = db.Bootstrap(ctx) // a write transaction
	if code := connectorhub.ErrorCode(err); code != connectorhub.ECodeServerBusy {
		t.Errorf("write while the database refuses connections: got %v (%s), want %s", err, code, connectorhub.ECodeServerBusy)
	}
	db.Close()
}
