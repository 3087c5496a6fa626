package dragoneye_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/rand"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/option"
)

const bombSize = 64 << 20

// deflatedZeros is bombSize zero bytes, deflated (about 64 KiB).
var deflatedZeros = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	zero := make([]byte, 1<<20)
	for range bombSize / len(zero) {
		_, _ = fw.Write(zero)
	}
	_ = fw.Close()
	return buf.Bytes()
})

// rawZip builds an archive of pre-deflated members, each with the declared
// uncompressed size given, true or not.
func rawZip(t *testing.T, members ...rawMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: zip.Deflate,
			CompressedSize64: uint64(len(m.deflated)), UncompressedSize64: m.declared, CRC32: m.crc})
		require.NoError(t, err)
		_, err = w.Write(m.deflated)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type rawMember struct {
	name     string
	deflated []byte
	declared uint64
	crc      uint32
}

// allocDuring returns the bytes allocated while f ran.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestZipBombRefusedWithLittleAllocation: an archive of about 64 KiB whose
// members inflate to 64 MiB each is refused with ErrResultsTooLarge, having
// allocated little more than its inflation limit (2 MiB: 32 times the
// body), whether the members declare their true size or a small one.
func TestZipBombRefusedWithLittleAllocation(t *testing.T) {
	zeros := deflatedZeros()
	crc := crc32.ChecksumIEEE(make([]byte, bombSize))
	for _, tc := range []struct {
		name     string
		declared uint64
		want     error  // errors.Is
		reason   string // in the message
	}{
		{"honest sizes", bombSize, dragoneye.ErrResultsTooLarge, "over the limit"},
		{"declares 1 MiB", 1 << 20, nil, "inflates to more than the 1048576 bytes it declares"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := rawZip(t,
				rawMember{"predictions.parquet", zeros, tc.declared, crc},
				rawMember{"frame_timestamps.parquet", zeros, tc.declared, crc})
			require.Less(t, len(body), 1<<20)
			var err error
			alloc := allocDuring(func() { _, _, err = dragoneye.DecodeVideoObjects(body) })
			var re *dragoneye.ResultsError
			require.ErrorAs(t, err, &re)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
			}
			require.Contains(t, err.Error(), tc.reason)
			require.Less(t, alloc, uint64(6<<20), "a %d-byte archive allocated %d bytes", len(body), alloc)
		})
	}
}

// TestInflateLimitIsForTheWholeArchive: two members each under the limit
// but over it together are refused.
func TestInflateLimitIsForTheWholeArchive(t *testing.T) {
	random := make([]byte, 600<<10)
	_, _ = rand.Read(random)
	body := zipOf(t, zip.Store, map[string][]byte{"predictions.parquet": random, "frame_timestamps.parquet": random})
	_, _, err := dragoneye.DecodeVideoObjectsLimit(body, 1<<20)
	require.ErrorIs(t, err, dragoneye.ErrResultsTooLarge)
	// Each alone fits.
	one := zipOf(t, zip.Store, map[string][]byte{"predictions.parquet": random})
	_, _, err = dragoneye.DecodeVideoObjectsLimit(one, 1<<20)
	require.NotErrorIs(t, err, dragoneye.ErrResultsTooLarge)
}

// resultsServer answers GET /prediction-task/results with a chunked body
// of size bytes starting with head.
func resultsServer(t *testing.T, head []byte, size int) *dragoneye.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("X-Frames-Per-Second", "1")
		buf := make([]byte, 64<<10)
		copy(buf, head)
		for sent := 0; sent < size; sent += len(buf) {
			if _, err := w.Write(buf); err != nil {
				return
			}
			clear(buf[:len(head)])
		}
	}))
	t.Cleanup(srv.Close)
	c, err := dragoneye.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	return c
}

// TestHugeResultsBodyRefusedWithLittleAllocation: a chunked 64 MiB body
// under a 16 MiB limit is refused having allocated little more than the
// limit (a growing buffer allocated about twice the limit and more); one
// that is neither ZIP nor Parquet is refused after its first bytes.
func TestHugeResultsBodyRefusedWithLittleAllocation(t *testing.T) {
	const limit = 16 << 20
	c := resultsServer(t, []byte("PK\x03\x04"), 64<<20)
	var err error
	alloc := allocDuring(func() {
		_, err = c.Predictions.ImageResults(context.Background(), "t", dragoneye.WithMaxResultsSize(limit))
	})
	var re *dragoneye.ResultsError
	require.ErrorAs(t, err, &re)
	require.ErrorIs(t, err, dragoneye.ErrResultsTooLarge)
	require.Equal(t, "t", re.TaskID)
	require.Less(t, alloc, uint64(limit+6<<20), "allocated %d bytes", alloc)

	garbage := resultsServer(t, []byte("<html>"), 64<<20)
	alloc = allocDuring(func() {
		_, err = garbage.Predictions.VideoResults(context.Background(), "t", dragoneye.WithMaxResultsSize(limit))
	})
	require.ErrorAs(t, err, &re)
	require.Contains(t, err.Error(), "neither a ZIP archive nor a Parquet file")
	require.Less(t, alloc, uint64(2<<20), "allocated %d bytes", alloc)
}
