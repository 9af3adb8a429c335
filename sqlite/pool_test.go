package sqlite_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/storetest"
)

// TestAuthenticationNotStarvedByReads holds every connection of the data-read pool in scans
// that do not finish (as a client that never reads a streamed answer would), and checks that
// the reads authentication makes on every request still answer: they have a pool of their own.
func TestAuthenticationNotStarvedByReads(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	actx := storetest.AdminContext(t, db)
	admin := connectorhub.PrincipalFromContext(actx)
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
	if _, err := db.FindSystemUserByID(tctx, admin.UserID); err != nil {
		t.Fatalf("finding the caller while the data reads hold their pool: %v", err)
	}
	if _, err := db.LoadPrincipal(tctx, admin.UserID); err != nil {
		t.Fatalf("loading the caller while the data reads hold their pool: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// TestWritersServedInOrder: writers waiting for SQLite's one write connection get it in the
// order they came (database/sql alone hands it to a random waiter), and a writer whose client
// went away stops waiting.
func TestWritersServedInOrder(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	hold, held := make(chan struct{}), make(chan struct{})
	go db.Transact(ctx, func(context.Context) error {
		close(held)
		<-hold
		return nil
	})
	<-held
	const writers = 8
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			err := db.Transact(ctx, func(context.Context) error {
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
		time.Sleep(20 * time.Millisecond) // writer i waits before writer i+1 comes
	}
	gone, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- db.Transact(gone, func(context.Context) error { return nil }) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a writer whose context ended wrote")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a writer whose context ended is still waiting")
	}
	close(hold)
	wg.Wait()
	for i, w := range order {
		if w != i {
			t.Fatalf("writers served in the order %v, want 0…%d", order, writers-1)
		}
	}
}
