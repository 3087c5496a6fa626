package wire

import (
	"bytes"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

type obs64 struct {
	TimestampUs    *int32     `parquet:"timestamp_microseconds,optional"`
	NormalizedBbox []*float64 `parquet:"normalized_bbox,optional,list"`
	BboxScore      *float64   `parquet:"bbox_score,optional"`
}
type cat32 struct {
	CategoryID *int32   `parquet:"category_id,optional"`
	Name       *string  `parquet:"name,optional"`
	Score      *float64 `parquet:"score,optional"`
}
type obj32 struct {
	ObjectID         *int32   `parquet:"object_id,optional"`
	BboxObservations []*obs64 `parquet:"bbox_observations,optional,list"`
	Categories       []*cat32 `parquet:"categories,optional,list"`
}

// Files with other physical types (32-bit ids, 64-bit floats, as in the v1
// schema) do not take the column assembler; parquet-go's reader converts
// them to the same values.
func TestOtherPhysicalTypesTakeTheGenericPath(t *testing.T) {
	var buf bytes.Buffer
	pw := parquet.NewGenericWriter[obj32](&buf)
	_, err := pw.Write([]obj32{{ObjectID: Ptr[int32](7), BboxObservations: []*obs64{{TimestampUs: Ptr[int32](5), NormalizedBbox: []*float64{Ptr(0.25), Ptr(0.5), Ptr(0.75), Ptr(1.0)}, BboxScore: Ptr(0.9)}},
		Categories: []*cat32{{CategoryID: Ptr[int32](3), Name: Ptr("x"), Score: Ptr(0.5)}}}})
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	var got []Object
	err = ReadObjects(buf.Bytes(), func(b []Object) error {
		for _, o := range b {
			got = append(got, copyObject(o))
		}
		return nil
	})
	require.NoError(t, err)
	f, err := open(buf.Bytes())
	require.NoError(t, err)
	_, fast := fastLayout(f.Schema())
	require.False(t, fast)
	require.Equal(t, []Object{{ObjectID: 7,
		BboxObservations: []BboxObservation{{TimestampUs: 5, NormalizedBbox: []float32{0.25, 0.5, 0.75, 1}, BboxScore: 0.9}},
		Categories:       []Category{{CategoryID: 3, Name: "x", Score: 0.5}}}}, got)
}
