package wire

import (
	"encoding/binary"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"
)

// withFooter returns data with its footer metadata edited.
func withFooter(t *testing.T, data []byte, edit func(*format.FileMetaData)) []byte {
	t.Helper()
	f, err := open(data)
	require.NoError(t, err)
	md := *f.Metadata()
	edit(&md)
	footer, err := thrift.Marshal(new(thrift.CompactProtocol), &md)
	require.NoError(t, err)
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	out := append([]byte(nil), data[:len(data)-8-n]...)
	out = append(out, footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "PAR1"...)
}

// The footer's row count is only a claim: frame timestamps were read into a
// slice allocated for it (2^33 rows: a fatal out-of-memory; 2^62: a
// recovered panic, so a file with good data failed).
func TestFooterRowCountIsNotTrustedForAllocation(t *testing.T) {
	data := member(t, "../../testdata/polars_video.zip", FrameTimestampsMember)
	want, err := ReadFrameTimestamps(data)
	require.NoError(t, err)
	require.Len(t, want, 6)
	for _, rows := range []int64{1 << 62, 1 << 33} { // 2^62 first: it fails cleanly without the fix
		got, err := ReadFrameTimestamps(withFooter(t, data, func(md *format.FileMetaData) { md.NumRows = rows }))
		require.NoError(t, err, "rows %d", rows)
		require.Equal(t, want, got)
	}
}

// A footer that claims fewer rows than the columns hold must not make the
// column assembler drop the rest silently.
func TestFooterRowCountBelowTheDataIsAnError(t *testing.T) {
	data := member(t, "../../testdata/polars_video.zip", PredictionsMember)
	all := collect(t, data, true)
	require.Len(t, all, 3)
	short := withFooter(t, data, func(md *format.FileMetaData) { md.NumRows = 2 })
	for _, fast := range []bool{true, false} {
		var n int
		err := readObjects(short, func(b []Object) error { n += len(b); return nil }, fast)
		if err == nil {
			require.Equal(t, 3, n, "fast=%v: rows dropped without an error", fast)
		}
	}
}
