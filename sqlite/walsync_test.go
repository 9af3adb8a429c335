package sqlite

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeDisk models a file in the page cache: a write lands in the cache at once, and a sync
// makes durable what the cache held when the sync began (the conservative reading: what is
// written during a sync may or may not be on disk after it).
type fakeDisk struct {
	mu      sync.Mutex
	cache   map[int]bool
	durable map[int]bool
	syncs   atomic.Int64
	running atomic.Int32
	overlap atomic.Bool // two syncs ran at once
}

func (d *fakeDisk) write(v int) {
	d.mu.Lock()
	d.cache[v] = true
	d.mu.Unlock()
}

func (d *fakeDisk) sync(string) error {
	if d.running.Add(1) > 1 {
		d.overlap.Store(true)
	}
	defer d.running.Add(-1)
	d.syncs.Add(1)
	d.mu.Lock()
	snapshot := make([]int, 0, len(d.cache))
	for v := range d.cache {
		snapshot = append(snapshot, v)
	}
	d.mu.Unlock()
	time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) // the disk at work
	d.mu.Lock()
	for _, v := range snapshot {
		d.durable[v] = true
	}
	d.mu.Unlock()
	return nil
}

// TestWALSyncAcknowledgesOnlyDurableCommits runs many committers at once: when Sync returns,
// the committer's own write must be durable, and the syncs must be fewer than the commits
// (they are shared) and never run two at once.
func TestWALSyncAcknowledgesOnlyDurableCommits(t *testing.T) {
	disk := &fakeDisk{cache: map[int]bool{}, durable: map[int]bool{}}
	w := newWALSync("unused")
	w.sync = disk.sync
	const writers, commits = 16, 200
	var wg sync.WaitGroup
	var lost atomic.Int64
	for g := range writers {
		wg.Go(func() {
			for i := range commits {
				v := g*commits + i
				disk.write(v) // the COMMIT
				if err := w.Sync(); err != nil {
					t.Error(err)
					return
				}
				disk.mu.Lock()
				if !disk.durable[v] {
					lost.Add(1)
				}
				disk.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if n := lost.Load(); n > 0 {
		t.Errorf("%d commits were acknowledged before a sync covered them", n)
	}
	if disk.overlap.Load() {
		t.Error("two syncs ran at once")
	}
	if n := disk.syncs.Load(); n >= writers*commits {
		t.Errorf("%d syncs for %d commits: no commit shared a sync", n, writers*commits)
	} else {
		t.Logf("%d syncs for %d commits", n, writers*commits)
	}
}

// TestWALSyncFailureStopsWrites: after a failed sync, what the disk holds is unknown; the
// waiters are told, and every later write is refused, even if a sync would now succeed.
func TestWALSyncFailureStopsWrites(t *testing.T) {
	db := NewDB(filepath.Join(t.TempDir(), "connectorhub.db"))
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	eio := errors.New("input/output error")
	calls := 0
	db.wal.sync = func(string) error {
		calls++
		if calls == 1 {
			return eio
		}
		return nil
	}
	nop := func(context.Context) error { return nil }
	if err := db.Transact(ctx, nop); !errors.Is(err, eio) {
		t.Fatalf("the write whose sync failed: got %v, want %v", err, eio)
	}
	if err := db.Transact(ctx, nop); !errors.Is(err, eio) {
		t.Fatalf("a later write: got %v, want the first failure", err)
	}
	if calls != 1 {
		t.Errorf("%d syncs; a failed sync must not be tried again", calls)
	}
}

// TestWALSyncSyncsTheWAL checks that commits sync the database's -wal file, which exists and
// has grown by the write.
func TestWALSyncSyncsTheWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "connectorhub.db")
	db := NewDB(path)
	if err := db.Open(); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var synced []string
	var sizes []int64
	db.wal.sync = func(p string) error {
		synced = append(synced, p)
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		sizes = append(sizes, fi.Size())
		return fsyncFile(p)
	}
	if _, err := db.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(synced) == 0 {
		t.Fatal("a write was acknowledged without a sync")
	}
	for i, p := range synced {
		if p != path+"-wal" || sizes[i] == 0 {
			t.Errorf("synced %s (%d bytes), want the write-ahead log %s-wal", p, sizes[i], path)
		}
	}
}
