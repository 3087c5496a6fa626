package dragoneye_test

import (
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
	"unsafe"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
)

// BenchmarkDecodeVideoLarge decodes a 2,000-object × 300-frame video result
// (every object tracked in every frame: 600,000 observations, ~5% gap
// frames). The file is written by polars:
//
//	.venv/bin/python conformance/dragoneye/make_fixtures.py --bench 2000 300 /tmp/dragoneye-bench.zip
//	DRAGONEYE_BENCH_FILE=/tmp/dragoneye-bench.zip go test -run '^$' -bench DecodeVideoLarge -benchmem ./pkg/dragoneye/
//
// It reports peak-heap-MB (the most heap object bytes seen during one
// decode, sampled every 200 µs, minus those before it; garbage not yet
// collected counts), result-MB (the bytes the decoded result holds) and
// their ratio.
func BenchmarkDecodeVideoLarge(b *testing.B) {
	path := os.Getenv("DRAGONEYE_BENCH_FILE")
	if path == "" {
		b.Skip("set DRAGONEYE_BENCH_FILE to a results archive (see the comment)")
	}
	body, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		objs, _, err := dragoneye.DecodeVideoObjects(body)
		if err != nil {
			b.Fatal(err)
		}
		if len(objs) == 0 {
			b.Fatal("no objects")
		}
	}
	b.StopTimer()

	// One more decode, measured for memory: the heap's object bytes are
	// sampled (runtime/metrics, no stop-the-world) while it runs.
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	stop, peak := make(chan struct{}), make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var max uint64
		for {
			metrics.Read(s)
			max = mathMax(max, s[0].Value.Uint64())
			select {
			case <-stop:
				peak <- max
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	objs, ts, _ := dragoneye.DecodeVideoObjects(body)
	close(stop)
	p := <-peak
	size := resultSize(objs, ts)
	b.ReportMetric(float64(p-base)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(size)/(1<<20), "result-MB")
	b.ReportMetric(float64(p-base)/float64(size), "peak/result")
}

func mathMax(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// resultSize adds up the bytes the decoded result holds (slice backing
// arrays at their capacity, boxes, strings once each).
func resultSize(objs []dragoneye.VideoDetectedObject, ts []int64) int64 {
	n := int64(cap(objs))*int64(unsafe.Sizeof(dragoneye.VideoDetectedObject{})) + int64(cap(ts))*8
	strs := map[string]bool{}
	for _, o := range objs {
		n += int64(cap(o.TimestampRanges)) * int64(unsafe.Sizeof(dragoneye.TimestampRange{}))
		n += int64(cap(o.BboxObservations)) * int64(unsafe.Sizeof(dragoneye.VideoBboxObservation{}))
		for _, b := range o.BboxObservations {
			if b.Observation != nil {
				n += int64(unsafe.Sizeof(dragoneye.BboxObservation{}))
			}
		}
		n += int64(cap(o.Categories)) * int64(unsafe.Sizeof(dragoneye.VideoCategoryPrediction{}))
		for _, c := range o.Categories {
			strs[c.Name] = true
			n += int64(cap(c.Attributes)) * int64(unsafe.Sizeof(dragoneye.VideoAttributePrediction{}))
			for _, a := range c.Attributes {
				strs[a.AttributeName], strs[a.OptionName] = true, true
				n += int64(cap(a.TimestampRanges)) * int64(unsafe.Sizeof(dragoneye.ScoredTimestampRange{}))
			}
		}
	}
	for s := range strs {
		n += int64(len(s))
	}
	return n
}
