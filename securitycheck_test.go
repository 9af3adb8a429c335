package connectorhub_test

import (
	"context"
	"errors"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
)

func TestSecurityCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		kept     int64
		settle   []int64 // versions settled against, in order
		want     error   // of the last
		unsettle bool    // whether UnsettledSecurityCheck still returns it
	}{
		{"Current", 7, []int64{7}, nil, false},
		{"Stale", 7, []int64{8}, connectorhub.ErrStaleRights, true},
		{"StaleStaysStale", 7, []int64{8, 7}, connectorhub.ErrStaleRights, true},
		{"CurrentThenMoved", 7, []int64{7, 8}, connectorhub.ErrStaleRights, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := connectorhub.NewSecurityCheck(tc.kept, nil)
			var err error
			for _, v := range tc.settle {
				err = c.Settle(v)
			}
			if !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
				t.Errorf("Settle: %v, want %v", err, tc.want)
			}
			ctx := connectorhub.NewContextWithSecurityCheck(context.Background(), c)
			if got := connectorhub.UnsettledSecurityCheck(ctx) != nil; got != tc.unsettle {
				t.Errorf("unsettled: %v, want %v", got, tc.unsettle)
			}
		})
	}
}

// TestSecurityCheckConfirm: Confirm reads the version once, without the check in the context
// it reads with, and not at all once settled.
func TestSecurityCheckConfirm(t *testing.T) {
	reads := 0
	c := connectorhub.NewSecurityCheck(3, func(ctx context.Context) (int64, error) {
		reads++
		if connectorhub.UnsettledSecurityCheck(ctx) != nil {
			t.Error("the version was read with the check it settles")
		}
		return 3, nil
	})
	ctx := connectorhub.NewContextWithSecurityCheck(context.Background(), c)
	if connectorhub.UnsettledSecurityCheck(ctx) != c {
		t.Fatal("a pending check is not unsettled")
	}
	for range 2 {
		if err := c.Confirm(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 1 {
		t.Errorf("%d reads, want 1", reads)
	}
	if connectorhub.UnsettledSecurityCheck(ctx) != nil || connectorhub.UnsettledSecurityCheck(context.Background()) != nil {
		t.Error("a settled check, or none, is unsettled")
	}
}
