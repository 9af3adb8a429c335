package webapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGateShare: no user holds more than its share of the gate; a request over its share
// waits for its own user and holds nobody else up, and is refused with errOverShare.
func TestGateShare(t *testing.T) {
	g := newGate(8, 4)
	ctx := context.Background()
	if err := g.acquire(ctx, "a", 4); err != nil {
		t.Fatal(err)
	}
	// a's next request waits for a's own: b is served meanwhile, though a came first.
	granted := g.wait(ctx, "a", 2)
	if err := g.acquire(ctx, "b", 3); err != nil {
		t.Fatal(err)
	}
	if !g.tryAcquire("b", 1) {
		t.Error("b's answer room was refused though b is within its share and room is left")
	}
	if g.tryAcquire("a", 1) {
		t.Error("a was given room beyond its share")
	}
	select {
	case err := <-granted:
		t.Fatalf("a's request over its share was granted: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	g.release("a", 4)
	if err := <-granted; err != nil {
		t.Fatalf("a's waiting request after a's release: %v", err)
	}

	// Waiting out its time over the share is errOverShare; waiting for room is ctx's error.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(short, "b", 1); !errors.Is(err, errOverShare) {
		t.Errorf("b over its share: got %v, want errOverShare", err)
	}
	short, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(short, "c", 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("c without room: got %v, want the deadline", err)
	}
	g.release("a", 2)
	g.release("b", 4)
	if g.avail != 8 || len(g.held) != 0 || g.waiting() != 0 {
		t.Errorf("after all releases: avail %d, held %v, %d waiting; want 8, none, 0", g.avail, g.held, g.waiting())
	}
}

// TestGateFirstComeFirstServed: a large request waiting for room is not overtaken by small
// ones of other users.
func TestGateFirstComeFirstServed(t *testing.T) {
	g := newGate(8, 8)
	ctx := context.Background()
	if err := g.acquire(ctx, "a", 6); err != nil {
		t.Fatal(err)
	}
	granted := g.wait(ctx, "b", 8)
	if g.tryAcquire("c", 1) {
		t.Error("a small request overtook a large one waiting for room")
	}
	g.release("a", 6)
	if err := <-granted; err != nil {
		t.Fatal(err)
	}
}

// wait starts acquiring n for user and returns, once the request waits, where its result
// will come.
func (g *gate) wait(ctx context.Context, user string, n int64) <-chan error {
	before := g.waiting()
	granted := make(chan error, 1)
	go func() { granted <- g.acquire(ctx, user, n) }()
	for g.waiting() == before {
		time.Sleep(time.Millisecond)
	}
	return granted
}

// waiting is how many requests wait.
func (g *gate) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiters)
}

// TestShareFitsLargestReservation: every reservation a request makes fits in one user's share
// (a larger one would wait for ever and be refused), and the share leaves room to others.
func TestShareFitsLargestReservation(t *testing.T) {
	for _, n := range []int64{MaxBodyBytes, 3 * MaxBodyBytes, MaxSolutionBodyBytes} {
		if n > userShare {
			t.Errorf("a reservation of %d bytes exceeds the share of %d", n, userShare)
		}
	}
	if bodyBudget < 2*userShare {
		t.Errorf("the budget %d leaves less than a share to the other users", bodyBudget)
	}
}
