package emulator

import (
	"io"
	"net/http"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// peakHeap samples the live heap every few milliseconds until the returned
// stop is called; stop returns the peak growth over the heap at the start.
func peakHeap() (stop func() int64) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(done)
		<-sampled
		return int64(peak) - int64(before.HeapAlloc)
	}
}

// A response announcing a Content-Length over the validation limit is not
// captured for validation at all: the kit used to buffer its first
// MaxValidatedBinaryBody bytes (growing a buffer to 8 MiB and more) before
// noticing it was too large.
func TestLargeResponseWithContentLengthNotCaptured(t *testing.T) {
	const size = 64 << 20
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		_, _ = io.CopyBuffer(w, &patternReader{n: size}, make([]byte, 32<<10))
	}), WithSpec(testSpec))
	require.NoError(t, err)
	c := client(t)

	stop := peakHeap()
	resp, err := c.Get(s.URL + "/v1/files/b/big/file.bin")
	require.NoError(t, err)
	n, err := io.CopyBuffer(io.Discard, resp.Body, make([]byte, 32<<10))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	growth := stop()

	require.Equal(t, 200, resp.StatusCode)
	require.EqualValues(t, size, n, "passed through whole")
	t.Logf("peak heap growth during a %d MiB download: %.1f MiB", size>>20, float64(growth)/(1<<20))
	require.Less(t, growth, int64(4<<20))
	require.Empty(t, s.Violations())
	require.Empty(t, ft.errors())
}
