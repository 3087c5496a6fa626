package wire

import (
	"encoding/binary"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// regions returns offsets in a Parquet file's structure: half of its
// footer's bytes and all the header bytes of every page (data and dictionary pages).
func regions(t *testing.T, data []byte) []int {
	t.Helper()
	f, err := open(data)
	require.NoError(t, err)
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	var offs []int
	for i := len(data) - 8 - n; i < len(data); i += 2 { // every other byte: footers are long
		offs = append(offs, i)
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
				start = md.DictionaryPageOffset
			}
			for pos := int(start); pos < int(start+md.TotalCompressedSize); {
				w := &thriftWalker{b: data[pos:], ints: map[int32]int64{}}
				require.NoError(t, w.walkStruct(1, 0))
				for i := pos; i < pos+w.pos; i++ {
					offs = append(offs, i)
				}
				pos += w.pos + int(w.ints[3])
			}
		}
	}
	return offs
}

// Every other byte of the footer and every byte of every page header of a
// polars file,
// flipped (three ways in turn), then a stride of the page data and of its
// truncations: decoding returns (rows or an error) quickly, without a panic
// escaping, and without allocating more than a bounded amount.
func TestDecodeDamagedPolarsFileEverywhere(t *testing.T) {
	for _, tc := range []struct {
		file, name string
		sample     int // keep every sample-th structure offset
	}{
		{"polars_video.zip", PredictionsMember, 1},
		{"polars_video.zip", FrameTimestampsMember, 1},
		{"polars_video_snappy_rowgroups.zip", PredictionsMember, 6}, // many row groups and pages
	} {
		name := tc.name
		data := member(t, "../../testdata/"+tc.file, name)
		var offs []int
		for k, o := range regions(t, data) {
			if k%tc.sample == 0 {
				offs = append(offs, o)
			}
		}
		for i := 0; i < len(data); i += 29 {
			offs = append(offs, i) // page data, sampled
		}
		var ms runtime.MemStats
		try := func(b []byte, what string, at int) {
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			start := time.Now()
			if name == PredictionsMember {
				_ = ReadObjects(b, func([]Object) error { return nil })
			} else {
				_, _ = ReadFrameTimestamps(b)
			}
			runtime.ReadMemStats(&ms)
			require.Less(t, ms.TotalAlloc-before, uint64(64<<20), "%s %s at %d", name, what, at)
			require.Less(t, time.Since(start), 5*time.Second, "%s %s at %d", name, what, at)
		}
		for k, i := range offs {
			b := append([]byte(nil), data...)
			b[i] ^= []byte{0xff, 0x80, 0x01}[k%3] // alternating: a byte's neighbours get the others
			try(b, "flip", i)
		}
		for n := 0; n < len(data); n += 1 + 28*min(1, (len(data)-n)/64) { // every 29th, every one near the end
			try(data[:n], "truncation", n)
		}
	}
}
