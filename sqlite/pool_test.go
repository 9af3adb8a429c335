package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
)

// TestAuthenticationNotStarvedByReads holds every connection of the data-read pool in scans
// that do not finish (as a client that never reads a streamed answer would), and checks that
// the reads authentication makes on every request still answer: they have a pool of their own.
func TestAuthenticationNotStarvedByReads(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	admin, err := db.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.LoadPrincipal(ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	actx := connectorhub.NewContextWithPrincipal(ctx, p)
	for i := range 20 {
		c, err := connectorhub.NewConnector("", &connectorhub.ConnectorUpdate{
			ID: ptr(fmt.Sprintf("00000000-0000-0000-0000-%012d", i+1)), Name: ptr(fmt.Sprintf("pool_%d", i)), DisplayName: ptr("p"),
			OpenAPIDefinition: ptr(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`), ConnectorType: ptr(1)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateConnector(actx, c); err != nil {
			t.Fatal(err)
		}
	}
	var n atomic.Int32 // scans inside their first row
	release := make(chan struct{})
	var held, done sync.WaitGroup
	const readers = 16 // twice the data-read pool
	held.Add(8)
	for range readers {
		done.Add(1)
		go func() {
			defer done.Done()
			first := true
			db.ScanConnectors(actx, connectorhub.ConnectorQuery{Top: 10}, func(*connectorhub.ConnectorRow) error {
				if first {
					first = false
					if n.Add(1) <= 8 {
						held.Done()
					}
					<-release
				}
				return nil
			})
		}()
	}
	held.Wait() // all 8 data-read connections are held; 8 more scans wait for one
	defer func() { close(release); done.Wait() }()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := db.FindSystemUserByID(tctx, admin.ID); err != nil {
		t.Fatalf("finding the caller while the data reads hold their pool: %v", err)
	}
	if _, err := db.LoadPrincipal(tctx, admin.ID); err != nil {
		t.Fatalf("loading the caller while the data reads hold their pool: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
