// Package loadtest is the load generator of `connectorhub bench`: it seeds connectors through
// a Dataverse-compatible Web API, drives scenarios of requests with one keep-alive connection
// per worker, measures latency in a fixed-memory log-linear histogram, compares with a bare
// net/http baseline server, reads a local server's CPU time and peak RSS from /proc, and
// deletes what it created. It uses the standard library only.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Config is what a benchmark is told.
type Config struct {
	URL   string // the environment root
	Token string // the bearer token sent to it
	// ServerPid is the process of the server when it runs on this machine (the bench started
	// it); its CPU time and peak RSS are then reported. 0 when the server is elsewhere.
	ServerPid int
	// ServerPids are the processes of several local servers, whose CPU times and peak RSS are
	// reported summed; when set, ServerPid is not used.
	ServerPids []int

	Scenarios      []*Scenario
	Connections    int           // workers, each on its own keep-alive connection
	Duration       time.Duration // of one run
	MaxRequests    int64         // stops a run after this many requests too, when not 0
	Records        int           // seeded before the runs
	DefinitionSize int           // bytes of each definition, seeded or created
	// Definition, when set, is the definition to seed and create instead of a padded one of
	// DefinitionSize bytes (a real connector's, say): its info.title is made each record's own.
	Definition     string
	Repeat         int           // runs of each scenario; the report gives their median
	Baseline       bool          // also drive the bare net/http baseline server
	Keep           bool          // leave the created records in place
	RequestTimeout time.Duration // of one HTTP exchange
	RunID          string        // names the run's records; NewRunID() when ""
	Progress       io.Writer     // progress lines; nil for none
}

// Report is a benchmark's outcome; the JSON field names are stable.
type Report struct {
	RunID           string           `json:"run_id"`
	URL             string           `json:"url"`
	LocalServer     bool             `json:"local_server"`
	Connections     int              `json:"connections"`
	DurationSeconds float64          `json:"duration_seconds"`
	Records         int              `json:"records"`
	DefinitionSize  int              `json:"definition_size"`
	Repeat          int              `json:"repeat"`
	Machine         Machine          `json:"machine"`
	Seed            SeedResult       `json:"seed"`
	Scenarios       []ScenarioResult `json:"scenarios"`
	Cleanup         *CleanupResult   `json:"cleanup,omitempty"` // absent with --keep
	Interrupted     bool             `json:"interrupted,omitempty"`
}

// Machine describes where the bench ran.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
	LoadAvg   string `json:"loadavg,omitempty"` // /proc/loadavg's first three figures, at the start
}

// SeedResult is what seeding came to.
type SeedResult struct {
	Records          int          `json:"records"`
	Seconds          float64      `json:"seconds"`
	RecordsPerSecond float64      `json:"records_per_second"`
	Server           *ServerStats `json:"server,omitempty"`
}

// ServerStats are the local server's figures over a run.
type ServerStats struct {
	CPUSeconds        float64 `json:"cpu_seconds"`
	CPUSecondsPer1000 float64 `json:"cpu_seconds_per_1000"` // per 1000 requests
	PeakRSSBytes      int64   `json:"peak_rss_bytes"`       // 0 when it could not be read
}

// Latency are latency figures in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// ScenarioResult is a scenario's figures: counts over all its runs, rates and latencies as
// the median of the runs (the largest of the maxima and peaks).
type ScenarioResult struct {
	Name                string           `json:"name"`
	Requests            int64            `json:"requests"`
	Errors              int64            `json:"errors"`
	ErrorsByStatus      map[string]int64 `json:"errors_by_status"`
	FirstError          string           `json:"first_error,omitempty"`
	RPS                 float64          `json:"rps"`
	Latency             Latency          `json:"latency_ms"`
	ExchangesPerRequest float64          `json:"exchanges_per_request"`
	RequestBytes        float64          `json:"request_bytes"`  // mean per request
	ResponseBytes       float64          `json:"response_bytes"` // mean per request
	RecordsPerRequest   float64          `json:"records_per_request"`
	Server              *ServerStats     `json:"server,omitempty"`
	Baseline            *BaselineResult  `json:"baseline,omitempty"`
	Runs                []RunResult      `json:"runs"`
}

// RunResult is one run of a scenario.
type RunResult struct {
	Requests int64        `json:"requests"`
	Errors   int64        `json:"errors"`
	Seconds  float64      `json:"seconds"`
	RPS      float64      `json:"rps"`
	Latency  Latency      `json:"latency_ms"`
	Server   *ServerStats `json:"server,omitempty"`
}

// BaselineResult is the baseline server driven with requests of the scenario's average
// shape, and the scenario's throughput as a fraction of it.
type BaselineResult struct {
	RPS     float64 `json:"rps"`
	Ratio   float64 `json:"ratio"` // the scenario's req/s over the baseline's
	Latency Latency `json:"latency_ms"`
	Errors  int64   `json:"errors"`
}

// cleanupTimeout bounds the cleanup, which runs even after an interrupt.
const cleanupTimeout = 15 * time.Minute

// Bench seeds the records, runs each scenario cfg.Repeat times, drives the baseline when
// asked, and deletes what it created (unless cfg.Keep), also when ctx is cancelled (then the
// report is partial and marked Interrupted, and the error wraps ctx's). A refused seed is an
// error; errors of the measured requests are counted in the report, not returned.
func Bench(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Records < 1 {
		return nil, errors.New("records: at least 1 is needed (the scenarios address seeded records)")
	}
	if cfg.Duration <= 0 || cfg.Connections < 1 || cfg.Repeat < 1 {
		return nil, errors.New("duration, connections and repeat must be positive")
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID()
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = time.Minute
	}
	target, err := NewTarget(cfg.URL, cfg.Token, cfg.Connections, cfg.RequestTimeout)
	if err != nil {
		return nil, err
	}
	def := Definition(cfg.DefinitionSize)
	if cfg.Definition != "" {
		if def, err = Titled(cfg.Definition); err != nil {
			return nil, err
		}
		cfg.DefinitionSize = len(def)
	}
	rep := &Report{
		RunID: cfg.RunID, URL: target.root, LocalServer: len(cfg.pids()) > 0, Connections: cfg.Connections,
		DurationSeconds: cfg.Duration.Seconds(), Records: cfg.Records, DefinitionSize: cfg.DefinitionSize, Repeat: cfg.Repeat,
		Machine: Machine{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAvg: loadAvg()},
	}
	ds := newDataset(cfg.RunID, cfg.Records, def)
	reg := &Registry{}
	err = bench(ctx, cfg, target, ds, reg, rep)
	if ctx.Err() != nil {
		rep.Interrupted = true
		err = fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if !cfg.Keep {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		cfg.progress("cleanup: deleting %d records", reg.Len())
		res := setupTarget(target, cfg).Cleanup(cctx, reg, setupParallel(cfg))
		rep.Cleanup = &res
		if res.Failed > 0 && err == nil {
			err = fmt.Errorf("cleanup: %d of %d records not deleted: %s", res.Failed, reg.Len(), res.FirstError)
		}
	}
	return rep, err
}

// setupParallel is how many requests seeding and cleanup send at once: writes gain from a
// few more than the measured connections.
func setupParallel(cfg Config) int { return max(cfg.Connections, 4) }

// setupTarget is the target with a connection pool sized for the set-up.
func setupTarget(t *Target, cfg Config) *Target {
	c := *t
	c.http = NewHTTPClient(setupParallel(cfg), cfg.RequestTimeout)
	return &c
}

func (cfg Config) progress(format string, args ...any) {
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, format+"\n", args...)
	}
}

// bench is Bench's work before the cleanup.
func bench(ctx context.Context, cfg Config, target *Target, ds *Dataset, reg *Registry, rep *Report) error {
	cfg.progress("run %s: seeding %d records with %d-byte definitions into %s", cfg.RunID, cfg.Records, cfg.DefinitionSize, target.api)
	before := cfg.procStats()
	start := time.Now()
	st := setupTarget(target, cfg)
	err := st.Seed(ctx, ds, reg, setupParallel(cfg), cfg.Progress)
	st.CloseIdle()
	rep.Seed = SeedResult{Records: reg.Len(), Seconds: time.Since(start).Seconds()}
	rep.Seed.RecordsPerSecond = float64(rep.Seed.Records) / rep.Seed.Seconds
	rep.Seed.Server = cfg.serverStats(before, int64(rep.Seed.Records))
	if err != nil {
		return err
	}
	for _, sc := range cfg.Scenarios {
		res := ScenarioResult{Name: sc.Name, ErrorsByStatus: map[string]int64{}}
		var totals RunStats
		var servers []*ServerStats
		for r := range cfg.Repeat {
			if ctx.Err() != nil {
				break
			}
			for _, pid := range cfg.pids() {
				ResetPeakRSS(pid) // the peak then is this run's; without it, the process's
			}
			before := cfg.procStats()
			s := Run(ctx, target, sc, ds, reg, RunConfig{Connections: cfg.Connections, Duration: cfg.Duration, MaxRequests: cfg.MaxRequests})
			run := RunResult{Requests: s.Requests, Errors: s.Errors, Seconds: s.Elapsed.Seconds(), RPS: s.RPS(), Latency: latencyOf(s.Latency),
				Server: cfg.serverStats(before, s.Requests)}
			res.Runs = append(res.Runs, run)
			if run.Server != nil {
				servers = append(servers, run.Server)
			}
			totals.add(s)
			cfg.progress("%s: run %d/%d: %d requests, %.1f req/s, p50 %.2f ms, %d errors", sc.Name, r+1, cfg.Repeat, s.Requests, s.RPS(), run.Latency.P50, s.Errors)
		}
		if len(res.Runs) == 0 {
			break
		}
		res.Requests, res.Errors, res.FirstError = totals.Requests, totals.Errors, totals.FirstError
		addCounts(res.ErrorsByStatus, totals.ErrorsByStatus)
		if res.Requests > 0 {
			n := float64(res.Requests)
			res.ExchangesPerRequest = float64(totals.Exchanges) / n
			res.RequestBytes = float64(totals.ReqBytes) / n
			res.ResponseBytes = float64(totals.RespBytes) / n
			res.RecordsPerRequest = float64(totals.Records) / n
		}
		res.RPS = median(res.Runs, func(r RunResult) float64 { return r.RPS })
		res.Latency = medianLatency(res.Runs)
		if len(servers) > 0 {
			res.Server = &ServerStats{
				CPUSeconds:        median(servers, func(s *ServerStats) float64 { return s.CPUSeconds }),
				CPUSecondsPer1000: median(servers, func(s *ServerStats) float64 { return s.CPUSecondsPer1000 }),
			}
			for _, s := range servers {
				res.Server.PeakRSSBytes = max(res.Server.PeakRSSBytes, s.PeakRSSBytes)
			}
		}
		rep.Scenarios = append(rep.Scenarios, res)
	}
	target.CloseIdle()
	if !cfg.Baseline || ctx.Err() != nil {
		return nil
	}
	return runBaselines(ctx, cfg, rep)
}

// runBaselines drives the baseline server with each scenario's average request, as many
// times and as long as the scenario ran, and sets the ratios.
func runBaselines(ctx context.Context, cfg Config, rep *Report) error {
	b, err := StartBaseline()
	if err != nil {
		return err
	}
	defer b.Close()
	bt, err := NewTarget(b.URL(), "", cfg.Connections, cfg.RequestTimeout)
	if err != nil {
		return err
	}
	defer bt.CloseIdle()
	for i := range rep.Scenarios {
		res := &rep.Scenarios[i]
		if res.Requests == 0 {
			continue
		}
		exchanges := max(int(res.ExchangesPerRequest+0.5), 1)
		sc := BaselineScenario(res.Name, exchanges, int64(res.RequestBytes/float64(exchanges)), int64(res.ResponseBytes/float64(exchanges)))
		var runs []RunResult
		var errs int64
		for range cfg.Repeat {
			if ctx.Err() != nil {
				return nil
			}
			s := Run(ctx, bt, sc, nil, nil, RunConfig{Connections: cfg.Connections, Duration: cfg.Duration, MaxRequests: cfg.MaxRequests})
			runs = append(runs, RunResult{RPS: s.RPS(), Latency: latencyOf(s.Latency)})
			errs += s.Errors
		}
		br := &BaselineResult{RPS: median(runs, func(r RunResult) float64 { return r.RPS }), Latency: medianLatency(runs), Errors: errs}
		if br.RPS > 0 {
			br.Ratio = res.RPS / br.RPS
		}
		res.Baseline = br
		cfg.progress("%s: baseline %.1f req/s (%d × %.0f bytes sent, %.0f bytes answered), ratio %.3f",
			res.Name, br.RPS, exchanges, res.RequestBytes/float64(exchanges), res.ResponseBytes/float64(exchanges), br.Ratio)
	}
	return nil
}

// add sums o's counts into s.
func (s *RunStats) add(o *RunStats) {
	s.Requests += o.Requests
	s.Exchanges += o.Exchanges
	s.Errors += o.Errors
	s.ReqBytes += o.ReqBytes
	s.RespBytes += o.RespBytes
	s.Records += o.Records
	if s.ErrorsByStatus == nil {
		s.ErrorsByStatus = map[string]int64{}
	}
	addCounts(s.ErrorsByStatus, o.ErrorsByStatus)
	if s.FirstError == "" {
		s.FirstError = o.FirstError
	}
}

// addCounts adds the counts of src into dst.
func addCounts(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// pids are the local servers' processes.
func (cfg Config) pids() []int {
	if len(cfg.ServerPids) > 0 {
		return cfg.ServerPids
	}
	if cfg.ServerPid != 0 {
		return []int{cfg.ServerPid}
	}
	return nil
}

// procStats reads the local servers' figures, summed (CPU time, and the peaks of RSS: a bound
// of what they held at once); nil when there is no local server or /proc cannot be read.
func (cfg Config) procStats() *ProcStats {
	pids := cfg.pids()
	if len(pids) == 0 {
		return nil
	}
	var sum ProcStats
	for _, pid := range pids {
		ps, err := ReadProcStats(pid)
		if err != nil {
			return nil
		}
		sum.CPU += ps.CPU
		sum.PeakRSS += ps.PeakRSS
	}
	return &sum
}

// serverStats are the local server's figures since before, for requests requests.
func (cfg Config) serverStats(before *ProcStats, requests int64) *ServerStats {
	after := cfg.procStats()
	if before == nil || after == nil {
		return nil
	}
	s := &ServerStats{CPUSeconds: (after.CPU - before.CPU).Seconds(), PeakRSSBytes: after.PeakRSS}
	if requests > 0 {
		s.CPUSecondsPer1000 = s.CPUSeconds * 1000 / float64(requests)
	}
	return s
}

func latencyOf(h *Histogram) Latency {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return Latency{P50: ms(h.Quantile(0.50)), P95: ms(h.Quantile(0.95)), P99: ms(h.Quantile(0.99)), Mean: ms(h.Mean()), Max: ms(h.Max())}
}

// medianLatency is the median of the runs' percentiles and means, and the largest maximum.
func medianLatency(runs []RunResult) Latency {
	l := Latency{
		P50:  median(runs, func(r RunResult) float64 { return r.Latency.P50 }),
		P95:  median(runs, func(r RunResult) float64 { return r.Latency.P95 }),
		P99:  median(runs, func(r RunResult) float64 { return r.Latency.P99 }),
		Mean: median(runs, func(r RunResult) float64 { return r.Latency.Mean }),
	}
	for _, r := range runs {
		l.Max = max(l.Max, r.Latency.Max)
	}
	return l
}

// median returns the median of f over xs (the mean of the middle two for an even count).
func median[T any](xs []T, f func(T) float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// loadAvg returns the first three figures of /proc/loadavg, "" where there is none.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}
