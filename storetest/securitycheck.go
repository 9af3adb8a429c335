package storetest

import (
	"context"
	"errors"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/odata"
)

// testSecurityCheck: a request that owes the check of its kept caller (connectorhub.
// SecurityCheck) has it settled by its first read or write, in the read's own statement for a
// record by id and for a list; at a version the database has moved past, every read and write
// is refused with ErrStaleRights, and nothing is written.
func testSecurityCheck(t *testing.T, s Store, ctx context.Context) {
	mustCreate(t, s, ctx, 1)
	current, err := s.SecurityVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := connectorhub.ConnectorQuery{Filter: &odata.CompareExpr{Op: odata.Eq,
		Left: &odata.PropertyPath{Segments: []string{"name"}}, Right: &odata.Literal{Kind: odata.KindString, Value: MustConnector(t, 1).Name}}, Top: 10}
	none := byName
	none.Filter = &odata.CompareExpr{Op: odata.Eq, Left: &odata.PropertyPath{Segments: []string{"name"}}, Right: &odata.Literal{Kind: odata.KindString, Value: "nothing"}}
	ops := []struct {
		name string
		fn   func(ctx context.Context) error
		own  bool // settled in the read's own statement: no read of the version alone
	}{
		{"FindConnectorByID", func(ctx context.Context) error {
			_, err := s.FindConnectorByID(ctx, MustConnector(t, 1).ID)
			return err
		}, true},
		{"FindMissingConnector", func(ctx context.Context) error {
			_, err := s.FindConnectorByID(ctx, MustConnector(t, 99).ID)
			if connectorhub.ErrorCode(err) == connectorhub.ECodeNotFound {
				return nil
			}
			return err
		}, false},
		{"ScanConnectors", func(ctx context.Context) error {
			return s.ScanConnectors(ctx, byName, func(*connectorhub.ConnectorRow) error { return nil })
		}, true},
		{"ScanNoConnectors", func(ctx context.Context) error {
			return s.ScanConnectors(ctx, none, func(*connectorhub.ConnectorRow) error { return nil })
		}, false},
		{"CountConnectors", func(ctx context.Context) error {
			_, err := s.CountConnectors(ctx, byName)
			return err
		}, false},
		{"CreateConnector", func(ctx context.Context) error { return s.CreateConnector(ctx, MustConnector(t, 2)) }, false},
		{"FindSystemUserByID", func(ctx context.Context) error {
			_, err := s.FindSystemUserByID(ctx, connectorhub.PrincipalFromContext(ctx).UserID)
			return err
		}, false},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			reads := 0
			read := func(ctx context.Context) (int64, error) {
				reads++
				if connectorhub.UnsettledSecurityCheck(ctx) != nil {
					t.Error("the security version was read with the check it settles")
				}
				return s.SecurityVersion(ctx)
			}
			// At the current version: served, and the check settled.
			chk := connectorhub.NewSecurityCheck(current, read)
			if err := op.fn(connectorhub.NewContextWithSecurityCheck(ctx, chk)); err != nil {
				t.Fatalf("at the current version: %v", err)
			}
			if chk.Pending() {
				t.Error("the check is still pending after the operation")
			}
			if op.own && reads != 0 {
				t.Errorf("the security version was read on its own %d times, want 0 (in the read's statement)", reads)
			}
			// At a version the database moved past: refused.
			stale := connectorhub.NewSecurityCheck(current-1, read)
			if err := op.fn(connectorhub.NewContextWithSecurityCheck(ctx, stale)); !errors.Is(err, connectorhub.ErrStaleRights) {
				t.Fatalf("at a stale version: %v, want ErrStaleRights", err)
			}
			if err := stale.Settle(current); !errors.Is(err, connectorhub.ErrStaleRights) {
				t.Errorf("a stale check settled again: %v", err)
			}
		})
	}
	// The refused create wrote nothing.
	if _, err := s.FindConnectorByID(ctx, MustConnector(t, 2).ID); err != nil {
		t.Fatalf("the create at the current version: %v", err)
	}
	n, err := s.CountConnectors(ctx, connectorhub.ConnectorQuery{})
	if err != nil || n != 2 {
		t.Errorf("%d connectors (%v), want 2: the refused create wrote", n, err)
	}
}
