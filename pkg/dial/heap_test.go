//go:build !race

package dial_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
)

const bigSize = 256 << 20

// peakHeap runs f while sampling the heap and returns the peak growth over
// the heap in use before f.
func peakHeap(t *testing.T, f func()) uint64 {
	t.Helper()
	// Collect often, so the samples show live data rather than garbage
	// waiting for the next cycle.
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				runtime.ReadMemStats(&m)
				if m.HeapAlloc > peak.Load() {
					peak.Store(m.HeapAlloc)
				}
			}
		}
	}()
	f()
	close(stop)
	wg.Wait()
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// TestLargeFileHeap uploads and downloads 256 MiB through the client and the
// in-process emulator; neither may grow the heap by 16 MiB or more. The
// measurement covers the whole process, emulator included. Request
// validation stays on (a body this large passes unvalidated); response
// validation is off because the kit keeps up to 8 MiB of every response for
// it (about 14 MiB of heap growth on its own), which is not the client's.
func TestLargeFileHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 512 MiB")
	}
	srv, c := newClient(t, []dialtest.Option{dialtest.WithMaxStoredSize(1 << 20), dialtest.WithEmulatorOptions(emukit.WithValidateResponses(false))})
	ctx := context.Background()
	_, err := c.Home(ctx)
	require.NoError(t, err)
	want := md5.New()
	_, err = io.Copy(want, dialtest.Pattern(bigSize))
	require.NoError(t, err)
	wantETag := hex.EncodeToString(want.Sum(nil))

	var m *dial.Metadata
	up := peakHeap(t, func() {
		m, err = c.Files.Upload(ctx, "big/upload.bin", dialtest.Pattern(bigSize), nil)
	})
	require.NoError(t, err)
	require.Equal(t, int64(bigSize), m.ContentLength)
	require.Equal(t, wantETag, m.ETag)

	srv.PutPatternFile(dialtest.DefaultUser, "big/download.bin", "application/octet-stream", bigSize)
	var got string
	var n int64
	down := peakHeap(t, func() {
		d, derr := c.Files.Download(ctx, "big/download.bin", nil)
		require.NoError(t, derr)
		h := md5.New()
		n, err = io.Copy(h, d)
		require.NoError(t, d.Close())
		got = hex.EncodeToString(h.Sum(nil))
	})
	require.NoError(t, err)
	require.Equal(t, int64(bigSize), n)
	require.Equal(t, wantETag, got)

	t.Logf("256 MiB upload: peak heap growth %.1f MiB; download: %.1f MiB", float64(up)/(1<<20), float64(down)/(1<<20))
	require.Less(t, up, uint64(16<<20), "upload heap growth")
	require.Less(t, down, uint64(16<<20), "download heap growth")
}
