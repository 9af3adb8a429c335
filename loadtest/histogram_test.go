package loadtest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// nearestRank is the reference quantile: the value of rank ⌈q·n⌉ of the sorted values.
func nearestRank(sorted []time.Duration, q float64) time.Duration {
	rank := int(math.Ceil(q * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, f func() time.Duration) []time.Duration {
		v := make([]time.Duration, n)
		for i := range v {
			v[i] = f()
		}
		return v
	}
	tests := []struct {
		name   string
		values []time.Duration
	}{
		{"One", []time.Duration{1234567}},
		{"Constant", gen(1000, func() time.Duration { return 3 * time.Millisecond })},
		{"SmallExact", gen(500, func() time.Duration { return time.Duration(rng.IntN(subCount)) })},
		{"UniformMicroseconds", gen(10000, func() time.Duration { return time.Duration(rng.IntN(1000)) * time.Microsecond })},
		{"UniformSeconds", gen(10000, func() time.Duration { return time.Duration(rng.Int64N(int64(30 * time.Second))) })},
		{"Exponential", gen(20000, func() time.Duration { return time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond)) })},
		{"Bimodal", gen(10000, func() time.Duration {
			if rng.IntN(100) < 97 {
				return time.Millisecond + time.Duration(rng.IntN(100))*time.Microsecond
			}
			return 250*time.Millisecond + time.Duration(rng.IntN(1000))*time.Microsecond
		})},
		{"Huge", []time.Duration{time.Duration(math.MaxInt64), time.Hour, time.Nanosecond}},
		{"Negative", []time.Duration{-5, 0, 7}},
	}
	quantiles := []float64{0, 0.001, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistogram()
			for _, v := range tt.values {
				h.Record(v)
			}
			sorted := slices.Clone(tt.values)
			for i, v := range sorted {
				sorted[i] = max(v, 0) // negative durations count as 0
			}
			slices.Sort(sorted)
			if got := h.Count(); got != uint64(len(sorted)) {
				t.Fatalf("Count() = %d, want %d", got, len(sorted))
			}
			if got, want := h.Max(), sorted[len(sorted)-1]; got != want {
				t.Errorf("Max() = %v, want %v", got, want)
			}
			for _, q := range quantiles {
				got, want := h.Quantile(q), nearestRank(sorted, q)
				// The bucket of want is at most want/2^subBits wide.
				if diff, tol := max(got-want, want-got), want/subCount+1; diff > tol {
					t.Errorf("Quantile(%g) = %v, want %v ± %v", q, got, want, tol)
				}
			}
		})
	}
}

func TestHistogramEmpty(t *testing.T) {
	h := NewHistogram()
	if h.Quantile(0.5) != 0 || h.Mean() != 0 || h.Max() != 0 || h.Count() != 0 {
		t.Errorf("empty histogram: got p50 %v, mean %v, max %v, count %d; want zeros", h.Quantile(0.5), h.Mean(), h.Max(), h.Count())
	}
}

func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all, a, b := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 5000 {
		v := time.Duration(rng.Int64N(int64(time.Second)))
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	for _, q := range []float64{0.5, 0.95, 0.99} {
		if got, want := a.Quantile(q), all.Quantile(q); got != want {
			t.Errorf("merged Quantile(%g) = %v, want %v", q, got, want)
		}
	}
	if a.Count() != all.Count() || a.Max() != all.Max() || a.Mean() != all.Mean() {
		t.Errorf("merged count/max/mean = %d/%v/%v, want %d/%v/%v", a.Count(), a.Max(), a.Mean(), all.Count(), all.Max(), all.Mean())
	}
}

func TestBucketRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	check := func(v uint64) {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of [0, %d)", v, i, numBuckets)
		}
		low, width := bucketRange(i)
		if v < low || v-low >= width {
			t.Errorf("bucketOf(%d) = %d, whose range [%d, %d+%d) misses it", v, i, low, low, width)
		}
		if width > 1 && width > low/(subCount/2) {
			t.Errorf("bucket %d: width %d too coarse for %d", i, width, low)
		}
	}
	for v := range uint64(4 * subCount) {
		check(v)
	}
	for range 100000 {
		check(rng.Uint64() >> rng.IntN(64))
	}
	check(math.MaxUint64)
}
