package dragoneye_test

import (
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
	"unsafe"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
)

// BenchmarkDecodeVideoLarge decodes a 2,000-object × 300-frame video result
// (every object tracked in every frame: 600,000 observations, ~5% gap
// frames). By default the emulator's writer builds it; to decode the file
// polars writes (and compare with the official SDK, see
// conformance/dragoneye/bench.py):
//
//	.venv/bin/python conformance/dragoneye/make_fixtures.py --bench 2000 300 /tmp/dragoneye-bench.zip
//	DRAGONEYE_BENCH_FILE=/tmp/dragoneye-bench.zip go test -run '^$' -bench DecodeVideoLarge -benchmem ./pkg/dragoneye/
//
// It reports peak-heap-MB (the most heap object bytes seen during one
// decode, sampled every 200 µs, minus those before it; garbage not yet
// collected counts), result-MB (the bytes the decoded result holds) and
// their ratio.
func BenchmarkDecodeVideoLarge(b *testing.B) {
	var body []byte
	var err error
	if path := os.Getenv("DRAGONEYE_BENCH_FILE"); path != "" {
		body, err = os.ReadFile(path)
	} else {
		body, err = syntheticVideo(2000, 300)
	}
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

// syntheticVideo builds a results archive of objects tracked over every one
// of frames frames (1 fps), with ~5% gap frames, 1-3 categories per object
// and two options per attribute over time.
func syntheticVideo(objects, frames int) ([]byte, error) {
	rnd := rand.New(rand.NewSource(1))
	timeline := make([]int64, frames)
	for i := range timeline {
		timeline[i] = int64(i) * 1_000_000
	}
	last := timeline[frames-1]
	objs := make([]dragoneye.VideoDetectedObject, objects)
	for i := range objs {
		o := dragoneye.VideoDetectedObject{
			ObjectID:        10_000_000_000 + int64(i),
			TimestampRanges: []dragoneye.TimestampRange{{StartUs: 0, EndUs: last}},
		}
		boxes := make([]dragoneye.BboxObservation, frames)
		for f, ts := range timeline {
			obs := dragoneye.VideoBboxObservation{TimestampUs: ts}
			if rnd.Float64() >= 0.05 {
				x, y := rnd.Float32()*0.5, rnd.Float32()*0.5
				boxes[f] = dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, y, x + 0.3, y + 0.4}, BboxScore: rnd.Float32()}
				obs.Observation = &boxes[f]
			}
			o.BboxObservations = append(o.BboxObservations, obs)
		}
		for c := range 1 + rnd.Intn(3) {
			cat := dragoneye.VideoCategoryPrediction{CategoryID: 3_000_000_000 + int64(rnd.Intn(20)), Name: fmt.Sprintf("Category %d", c), Score: rnd.Float32()}
			for a := range rnd.Intn(4) {
				mid := timeline[rnd.Intn(frames)]
				for k, r := range []dragoneye.ScoredTimestampRange{{StartUs: 0, EndUs: mid}, {StartUs: mid, EndUs: last}} {
					r.Score = rnd.Float32()
					cat.Attributes = append(cat.Attributes, dragoneye.VideoAttributePrediction{
						AttributeID: 2_500_000_000 + int64(a), AttributeName: fmt.Sprintf("Attribute %d", a),
						OptionID: 4_000_000_000 + int64(a*10+k), OptionName: fmt.Sprintf("option %d", k),
						TimestampRanges: []dragoneye.ScoredTimestampRange{r},
					})
				}
			}
			o.Categories = append(o.Categories, cat)
		}
		objs[i] = o
	}
	return dragoneyetest.EncodeVideoResults(objs, timeline)
}
