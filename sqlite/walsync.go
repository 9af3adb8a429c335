package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// walSync makes commits durable by group: the write connection runs with synchronous=NORMAL,
// so a COMMIT appends its frames to the -wal file and returns without fsync, and its write
// lock is free at once; then every committer waits in Sync until one fsync of the -wal file
// that began after its COMMIT returned has completed. One fsync so covers every transaction
// committed while the previous one ran, and the next writer works while the disk syncs.
//
// That is what synchronous=FULL does in WAL mode (one sync of the WAL per commit, no sync of
// the database file except at checkpoints, which sync both under NORMAL too), with the sync
// moved after the write lock and shared. fsync flushes the file, whatever descriptor wrote
// it; frames are appended in commit order, so a sync covers every earlier commit; frames of
// a transaction still being written have no commit frame and recovery ignores them.
//
// A reader may see a committed write a moment before it is durable, never a writer: no write
// is acknowledged before its sync. A failed fsync leaves what the disk holds unknown (the
// kernel may have dropped the dirty pages, and a second fsync may then succeed falsely), so
// it is sticky: every later write is refused until the server restarts and SQLite recovers
// from what is on disk.
type walSync struct {
	path string             // the -wal file
	sync func(string) error // fsync of the file at path; replaced in tests

	mu        sync.Mutex
	cond      *sync.Cond
	committed uint64 // tickets taken: each one after a COMMIT returned
	synced    uint64 // every ticket up to this one is durable
	syncing   bool   // a sync is running
	failed    error  // the first failed sync, for good
}

func newWALSync(dbPath string) *walSync {
	w := &walSync{path: dbPath + "-wal", sync: fsyncFile}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// Sync returns once every transaction whose COMMIT returned before the call is on disk.
func (w *walSync) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.committed++
	ticket := w.committed
	for w.synced < ticket && w.failed == nil {
		if w.syncing {
			w.cond.Wait()
			continue
		}
		// Lead a sync for every ticket taken so far; those taken during it wait for the next.
		target := w.committed
		w.syncing = true
		w.mu.Unlock()
		err := w.sync(w.path)
		w.mu.Lock()
		w.syncing = false
		if err != nil {
			w.failed = fmt.Errorf("sqlite: sync %s: %w", w.path, err)
		} else {
			w.synced = target
		}
		w.cond.Broadcast()
	}
	return w.failed
}

// Failed is the sync failure that stops every write, or nil.
func (w *walSync) Failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

func fsyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		// No -wal file: nothing was written since the last checkpoint deleted it, and a
		// checkpoint syncs the database file.
		return nil
	}
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
