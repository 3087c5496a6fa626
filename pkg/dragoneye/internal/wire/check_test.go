package wire

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

func sampleFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	score := float32(0.5)
	require.NoError(t, WriteObjects(&buf, []WriteObject{{
		ObjectID:         Ptr[int64](1),
		BboxObservations: []*WriteObservation{{TimestampUs: Ptr[int64](0), NormalizedBbox: []*float32{&score, &score, &score, &score}, BboxScore: &score}},
	}}))
	return buf.Bytes()
}

func TestReadValidFile(t *testing.T) {
	data := sampleFile(t)
	var got []Object
	require.NoError(t, ReadObjects(data, func(b []Object) error { got = append(got, b...); return nil }))
	require.Len(t, got, 1)
	require.Equal(t, []float32{0.5, 0.5, 0.5, 0.5}, got[0].BboxObservations[0].NormalizedBbox)
}

// A Thrift list or string whose declared size cannot fit in the footer is
// refused before parquet-go would allocate for it.
func TestThriftWalkerRejectsImpossibleSizes(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"empty struct", []byte{0x00}, true},
		{"i32 field then stop", []byte{0x15, 0x02, 0x00}, true},
		{"small list of i32", []byte{0x19, 0x25, 0x02, 0x04, 0x00}, true},
		{"list of 2^31 structs", append([]byte{0x19, 0xfc}, append(binary.AppendUvarint(nil, 1<<31-1), 0x00)...), false},
		{"string of 2^31 bytes", append([]byte{0x18}, append(binary.AppendUvarint(nil, 1<<31-1), 'x')...), false},
		{"map of 2^30 entries", append([]byte{0x1b}, binary.AppendUvarint(nil, 1<<30)...), false},
		{"truncated", []byte{0x15}, false},
		{"no stop", []byte{0x15, 0x02}, false},
		{"unknown type", []byte{0x1e, 0x00}, false},
		{"too deep", bytes.Repeat([]byte{0x1c}, 100), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &thriftWalker{b: tc.b}
			err := w.walkStruct(1, 0)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestCorruptFooterIsAnError(t *testing.T) {
	data := sampleFile(t)
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	footer := len(data) - 8 - n
	stride := max(1, n/150)
	for i := footer; i < len(data)-8; i += stride {
		bad := append([]byte(nil), data...)
		bad[i] = 0xff
		_ = ReadObjects(bad, func([]Object) error { return nil }) // must return, not crash
	}
	bad := append([]byte(nil), data...)
	binary.LittleEndian.PutUint32(bad[len(bad)-8:], uint32(len(bad)))
	require.Error(t, ReadObjects(bad, func([]Object) error { return nil }))
	require.Error(t, ReadObjects([]byte("PAR1PAR1"), func([]Object) error { return nil }))
}
