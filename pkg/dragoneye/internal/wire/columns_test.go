package wire

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

func member(t testing.TB, path, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(path)
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			require.NoError(t, err)
			defer rc.Close()
			b, err := io.ReadAll(rc)
			require.NoError(t, err)
			return b
		}
	}
	t.Fatalf("%s has no %s", path, name)
	return nil
}

// collect reads every row, deep-copying (batches are reused) and turning
// empty slices into nil (the generic reader keeps the null/empty
// difference; the decoder does not need it).
func collect(t *testing.T, data []byte, fast bool) []Object {
	t.Helper()
	var out []Object
	require.NoError(t, readObjects(data, func(b []Object) error {
		for _, o := range b {
			out = append(out, copyObject(o))
		}
		return nil
	}, fast))
	return out
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

func copyObject(o Object) Object {
	c := Object{ObjectID: o.ObjectID, TimestampRanges: nilIfEmpty(o.TimestampRanges)}
	for _, b := range o.BboxObservations {
		nb := b
		if b.NormalizedBbox != nil {
			nb.NormalizedBbox = append([]float32{}, b.NormalizedBbox...)
		}
		c.BboxObservations = append(c.BboxObservations, nb)
	}
	for _, cat := range o.Categories {
		nc := cat
		nc.Attributes = nil
		for _, a := range cat.Attributes {
			na := a
			na.TimestampRanges = nilIfEmpty(a.TimestampRanges)
			nc.Attributes = append(nc.Attributes, na)
		}
		c.Categories = append(c.Categories, nc)
	}
	return c
}

// The column assembler and parquet-go's row reader agree on a file written
// by polars (gap frames, null and empty lists at every level, big ids).
func TestFastPathMatchesGenericReader(t *testing.T) {
	data := member(t, "../../testdata/polars_video.zip", PredictionsMember)
	f, err := open(data)
	require.NoError(t, err)
	_, ok := fastLayout(f.Schema())
	require.True(t, ok, "polars' layout takes the fast path")
	fast, generic := collect(t, data, true), collect(t, data, false)
	require.NotEmpty(t, fast)
	require.Equal(t, generic, fast)
}

// The fast path must only take files whose every node on a leaf's path has
// the expected repetition (optional groups, a repeated "list"), not merely
// the same maximum levels: a repeated outer group around an optional
// "list" has the same levels and different meaning.
func TestFastLayoutChecksEveryNode(t *testing.T) {
	std := parquet.SchemaOf(WriteObject{})
	_, ok := fastLayout(std)
	require.True(t, ok)

	group := parquet.Group{}
	for _, f := range std.Fields() {
		group[f.Name()] = f
	}
	ranges := parquet.Group{
		"timestamp_start_us_inclusive": parquet.Optional(parquet.Int(64)),
		"timestamp_end_us_inclusive":   parquet.Optional(parquet.Int(64)),
	}
	group["timestamp_ranges"] = parquet.Repeated(parquet.Group{"list": parquet.Optional(parquet.Group{"element": parquet.Optional(ranges)})})
	odd := parquet.NewSchema("odd", group)
	lc, found := odd.Lookup(leaves[cTRStart].path...)
	require.True(t, found)
	require.Equal(t, leaves[cTRStart].rep, lc.MaxRepetitionLevel) // same levels...
	require.Equal(t, leaves[cTRStart].def, lc.MaxDefinitionLevel)
	_, ok = fastLayout(odd)
	require.False(t, ok, "...but not the layout the assembler reads")
}
