//go:build !race

package dragoneye_test

import (
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
)

// liveHeap collects twice (so sync.Pool victims go too) and returns the
// bytes of live heap objects.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestDecodeLeavesNothingReachable decodes a ~9 MiB video result and drops
// the result: live heap must return to within 1 MiB of what it was before
// (the body, held by the test, counts in both), so no decoder state, pooled
// page buffer or inflated member outlives the call.
func TestDecodeLeavesNothingReachable(t *testing.T) {
	body, err := syntheticVideo(2000, 300)
	if err != nil {
		t.Fatal(err)
	}
	// A first decode warms what is meant to be kept (interned type
	// information, the package's lazily built tables).
	if _, _, err := dragoneye.DecodeVideoObjects(body[:0:0]); err == nil {
		t.Fatal("empty body decoded")
	}
	base := liveHeap()
	objs, _, err := dragoneye.DecodeVideoObjects(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2000 {
		t.Fatalf("got %d objects", len(objs))
	}
	objs = nil
	after := liveHeap()
	runtime.KeepAlive(body)
	grown := int64(after) - int64(base)
	t.Logf("body %.1f MiB; live heap after decode and GC: %+.2f MiB", float64(len(body))/(1<<20), float64(grown)/(1<<20))
	if grown > 1<<20 {
		t.Errorf("live heap grew by %.2f MiB after the result was dropped; want ≤ 1 MiB", float64(grown)/(1<<20))
	}
}
