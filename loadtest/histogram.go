package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: 2^subBits linear buckets per power of two, so a
// recorded value is known within 1/2^subBits (0.8%) of itself.
const subBits = 7

const (
	subCount   = 1 << subBits
	numBuckets = (64 - subBits + 1) * subCount
)

// Histogram counts durations in log-linear buckets, as HDR histograms do: exact below
// 2^subBits nanoseconds, then 2^subBits buckets per power of two. Its memory is fixed
// (numBuckets counters) whatever it records. The zero value is not ready: use NewHistogram.
// It is not safe for concurrent use: give each goroutine its own and Merge them.
type Histogram struct {
	counts []uint64
	n      uint64
	sum    float64 // nanoseconds
	min    int64
	max    int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]uint64, numBuckets), min: math.MaxInt64}
}

// bucketOf returns the bucket index of v ≥ 0.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits // v>>shift is in [subCount, 2*subCount)
	return (shift+1)<<subBits + int(v>>shift) - subCount
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < subCount {
		return uint64(i), 1
	}
	shift := uint(i>>subBits) - 1
	mantissa := uint64(i&(subCount-1)) + subCount
	return mantissa << shift, 1 << shift
}

// Record counts one duration; a negative one counts as 0.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(uint64(v))]++
	h.n++
	h.sum += float64(v)
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count returns the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the mean duration, 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Max returns the largest recorded duration, 0 when empty.
func (h *Histogram) Max() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Quantile returns the q-quantile (0 ≤ q ≤ 1) by the nearest-rank rule: the value of rank
// ⌈q·n⌉ among the sorted recordings, within the bucket's precision (the middle of its
// bucket, kept between the smallest and largest recording). It is 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			low, width := bucketRange(i)
			v := int64(low + (width-1)/2)
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}
