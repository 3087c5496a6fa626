package wire

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// randomRows builds rows with nulls everywhere the schema allows them: null
// and empty lists at every level, null list elements, null scalars, gap
// frames and null floats inside a box.
func randomRows(r *rand.Rand, n int) []WriteObject {
	maybe := func() bool { return r.Intn(5) == 0 }
	i64 := func() *int64 {
		if maybe() {
			return nil
		}
		return Ptr(r.Int63())
	}
	f32 := func() *float32 {
		if maybe() {
			return nil
		}
		return Ptr(r.Float32())
	}
	str := func() *string {
		if maybe() {
			return nil
		}
		return Ptr(string(rune('a' + r.Intn(26))))
	}
	size := func() int { // -1: null list
		return r.Intn(5) - 1
	}
	rows := make([]WriteObject, n)
	for i := range rows {
		o := WriteObject{ObjectID: i64()}
		if k := size(); k >= 0 {
			o.TimestampRanges = make([]*WriteTimestampRange, k)
			for j := range o.TimestampRanges {
				if !maybe() {
					o.TimestampRanges[j] = &WriteTimestampRange{Start: i64(), End: i64()}
				}
			}
		}
		if k := size(); k >= 0 {
			o.BboxObservations = make([]*WriteObservation, k)
			for j := range o.BboxObservations {
				if maybe() {
					continue
				}
				ob := &WriteObservation{TimestampUs: i64(), BboxScore: f32()}
				if b := size(); b >= 0 {
					ob.NormalizedBbox = make([]*float32, b)
					for x := range ob.NormalizedBbox {
						ob.NormalizedBbox[x] = f32()
					}
				}
				o.BboxObservations[j] = ob
			}
		}
		if k := size(); k >= 0 {
			o.Categories = make([]*WriteCategory, k)
			for j := range o.Categories {
				if maybe() {
					continue
				}
				c := &WriteCategory{CategoryID: i64(), Name: str(), Score: f32()}
				if a := size(); a >= 0 {
					c.Attributes = make([]*WriteAttribute, a)
					for x := range c.Attributes {
						if maybe() {
							continue
						}
						at := &WriteAttribute{AttributeID: i64(), AttributeName: str(), OptionID: i64(), OptionName: str()}
						if t := size(); t >= 0 {
							at.TimestampRanges = make([]*WriteScoredTimestampRange, t)
							for y := range at.TimestampRanges {
								if !maybe() {
									at.TimestampRanges[y] = &WriteScoredTimestampRange{Start: i64(), End: i64(), Score: f32()}
								}
							}
						}
						c.Attributes[x] = at
					}
				}
				o.Categories[j] = c
			}
		}
		rows[i] = o
	}
	return rows
}

// TestFastPathMatchesGenericReaderOnRandomRows compares the column assembler
// with parquet-go's row reader on many random files, across batch
// boundaries.
func TestFastPathMatchesGenericReaderOnRandomRows(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	for i := range 60 {
		n := 1 + r.Intn(12)
		if i%10 == 0 {
			n = BatchSize + 1 + r.Intn(BatchSize) // more than one batch
		}
		var buf bytes.Buffer
		require.NoError(t, WriteObjects(&buf, randomRows(r, n)))
		data := buf.Bytes()
		f, err := open(data)
		require.NoError(t, err)
		_, ok := fastLayout(f.Schema())
		require.True(t, ok)
		fast, generic := collect(t, data, true), collect(t, data, false)
		require.Len(t, fast, n)
		require.Equal(t, generic, fast, "file %d", i)
	}
}

// The assembler and parquet-go's row reader also agree when values are split
// over many pages and row groups (levels continued across boundaries), with
// v1 and v2 data pages, dictionary-encoded strings and ints, and other codecs.
func TestFastPathMatchesGenericReaderAcrossLayouts(t *testing.T) {
	dict := []parquet.WriterOption{parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.RLEDictionary), parquet.DefaultEncodingFor(parquet.Int64, &parquet.RLEDictionary)}
	layouts := []struct {
		name string
		opts []parquet.WriterOption
		dict bool
	}{
		{"tiny pages v2", []parquet.WriterOption{parquet.PageBufferSize(64), parquet.Compression(&parquet.Zstd)}, false},
		{"tiny pages v1 snappy", []parquet.WriterOption{parquet.PageBufferSize(64), parquet.DataPageVersion(1), parquet.Compression(&parquet.Snappy)}, false},
		{"row groups of 3", []parquet.WriterOption{parquet.MaxRowsPerRowGroup(3), parquet.Compression(&parquet.Gzip)}, false},
		{"dictionaries, v1, pages", append([]parquet.WriterOption{parquet.DataPageVersion(1), parquet.PageBufferSize(128)}, dict...), true},
		{"dictionaries, row groups, uncompressed", append([]parquet.WriterOption{parquet.MaxRowsPerRowGroup(5), parquet.Compression(&parquet.Uncompressed)}, dict...), true},
	}
	r := rand.New(rand.NewSource(4))
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			groups, dictPages := 0, false
			for i := range 8 {
				n := 1 + r.Intn(40)
				var buf bytes.Buffer
				w := parquet.NewGenericWriter[WriteObject](&buf, l.opts...)
				_, err := w.Write(randomRows(r, n))
				require.NoError(t, err)
				require.NoError(t, w.Close())
				data := buf.Bytes()
				f, err := open(data)
				require.NoError(t, err)
				_, ok := fastLayout(f.Schema())
				require.True(t, ok)
				fast, generic := collect(t, data, true), collect(t, data, false)
				require.Len(t, fast, n)
				require.Equal(t, generic, fast, "file %d", i)
				groups = max(groups, len(f.RowGroups()))
				for _, rg := range f.Metadata().RowGroups {
					for _, cc := range rg.Columns {
						dictPages = dictPages || cc.MetaData.DictionaryPageOffset > 0
					}
				}
			}
			require.True(t, groups > 1 || !strings.Contains(l.name, "row groups"), "several row groups")
			require.Equal(t, l.dict, dictPages, "dictionary pages")
		})
	}
}
