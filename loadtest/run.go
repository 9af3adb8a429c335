package loadtest

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// RunConfig bounds one run of a scenario: it stops at Duration, or after MaxRequests
// requests when that is not 0, whichever comes first; requests in flight then finish.
type RunConfig struct {
	Connections int
	Duration    time.Duration
	MaxRequests int64
}

// RunStats are the figures of one run.
type RunStats struct {
	Requests       int64
	Exchanges      int64 // HTTP requests: more than Requests for page-all
	Errors         int64
	ErrorsByStatus map[string]int64 // by status code, "timeout" or "transport"
	FirstError     string
	Elapsed        time.Duration
	ReqBytes       int64
	RespBytes      int64
	Records        int64
	Latency        *Histogram // of successful and failed requests alike

	firstErrorAt time.Time
}

// RPS returns the requests per second of the run.
func (s *RunStats) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// Run drives the scenario at the target with cfg.Connections workers, each making one
// request after another on its own connection, and returns the figures. When ctx ends, Run
// returns once the requests in flight finish, without counting them.
func Run(ctx context.Context, t *Target, sc *Scenario, ds *Dataset, reg *Registry, cfg RunConfig) *RunStats {
	n := max(cfg.Connections, 1)
	workers := make([]*RunStats, n)
	var issued atomic.Int64
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i := range n {
		st := &RunStats{ErrorsByStatus: map[string]int64{}, Latency: NewHistogram()}
		workers[i] = st
		w := &worker{target: t, ds: ds, reg: reg, id: i, stop: ctx, rng: rand.New(rand.NewPCG(rand.Uint64(), uint64(i)))}
		// Requests in flight when ctx ends finish (their timeout bounds them), so that what a
		// create did is known to the cleanup.
		rctx := context.WithoutCancel(ctx)
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if cfg.MaxRequests > 0 && issued.Add(1) > cfg.MaxRequests {
					return
				}
				t0 := time.Now()
				o := sc.request(rctx, w)
				d := time.Since(t0)
				if ctx.Err() != nil {
					return
				}
				st.Requests++
				st.Exchanges += int64(o.exchanges)
				st.ReqBytes += o.reqBytes
				st.RespBytes += o.respBytes
				st.Records += int64(o.records)
				st.Latency.Record(d)
				if o.err != nil {
					st.Errors++
					st.ErrorsByStatus[errorKey(o.err)]++
					if st.FirstError == "" {
						st.FirstError, st.firstErrorAt = o.err.Error(), t0
					}
				}
			}
		})
	}
	wg.Wait()
	total := &RunStats{ErrorsByStatus: map[string]int64{}, Latency: NewHistogram(), Elapsed: time.Since(start)}
	for _, st := range workers {
		total.Requests += st.Requests
		total.Exchanges += st.Exchanges
		total.Errors += st.Errors
		total.ReqBytes += st.ReqBytes
		total.RespBytes += st.RespBytes
		total.Records += st.Records
		total.Latency.Merge(st.Latency)
		for k, v := range st.ErrorsByStatus {
			total.ErrorsByStatus[k] += v
		}
		if st.FirstError != "" && (total.FirstError == "" || st.firstErrorAt.Before(total.firstErrorAt)) {
			total.FirstError, total.firstErrorAt = st.FirstError, st.firstErrorAt
		}
	}
	return total
}
