package dragoneye_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
)

// BenchmarkDecodeVideoLarge decodes a 2,000-object × 300-frame video result
// (every object tracked in every frame: 600,000 observations, ~5% gap
// frames). The file is written by polars:
//
//	.venv/bin/python conformance/dragoneye/make_fixtures.py --bench 2000 300 /tmp/dragoneye-bench.zip
//	DRAGONEYE_BENCH_FILE=/tmp/dragoneye-bench.zip go test -run '^$' -bench DecodeVideoLarge -benchmem ./pkg/dragoneye/
//
// It reports peak-heap-MB (the highest HeapInuse seen during one decode,
// sampled by a goroutine, minus the heap before it) and result-MB (the live
// heap the decoded result keeps).
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

	// One more decode, measured for memory.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var max uint64
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > max {
				max = m.HeapInuse
			}
			select {
			case <-stop:
				peak <- max
				return
			default:
			}
		}
	}()
	objs, _, _ := dragoneye.DecodeVideoObjects(body)
	close(stop)
	p := <-peak
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(objs)
	b.ReportMetric(float64(p-before.HeapInuse)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "result-MB")
}
