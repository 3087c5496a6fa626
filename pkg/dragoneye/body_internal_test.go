package dragoneye

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// A body read in several chunks reads back whole at any offset, and a
// body that ends exactly at the limit is accepted.
func TestResultsBodyChunks(t *testing.T) {
	data := make([]byte, 3*firstBodyChunk+17)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	copy(data, "PAR1")
	b, err := readResultsBody(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Greater(t, len(b.chunks), 1)
	require.Equal(t, data, b.bytes())
	for _, off := range []int{0, 1, firstBodyChunk - 1, firstBodyChunk, len(data) - 5} {
		p := make([]byte, 40)
		n, err := b.ReadAt(p, int64(off))
		want := data[off:min(off+40, len(data))]
		require.Equal(t, want, p[:n])
		if n < len(p) {
			require.ErrorIs(t, err, io.EOF)
		} else {
			require.NoError(t, err)
		}
	}
	_, err = readResultsBody(bytes.NewReader(data), int64(len(data))-1)
	require.ErrorIs(t, err, ErrResultsTooLarge)

	// A read error is returned as it is.
	boom := errors.New("reset")
	_, err = readResultsBody(io.MultiReader(bytes.NewReader(data[:100]), errReader{boom}), 1<<20)
	require.ErrorIs(t, err, boom)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestInflateLimit(t *testing.T) {
	for _, tc := range []struct{ body, max, want int64 }{
		{100, DefaultMaxResultsBytes, MinResultsInflateBytes},
		{1 << 20, DefaultMaxResultsBytes, 32 << 20},
		{100 << 20, DefaultMaxResultsBytes, DefaultMaxResultsBytes},
		{100, 1000, 1000},
		{1 << 62, 1 << 62, 1 << 62},
	} {
		require.Equal(t, tc.want, inflateLimit(tc.body, tc.max), "%d %d", tc.body, tc.max)
	}
}
