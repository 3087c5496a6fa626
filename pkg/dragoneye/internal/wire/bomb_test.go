package wire

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"math/rand"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"
)

// evilCodec writes pages whose compressed bytes are payload, whatever the
// page holds, under the given codec id: what a hostile or corrupt writer
// produces. Decode is never used (readers look codecs up by id).
type evilCodec struct {
	id      format.CompressionCodec
	payload []byte
}

func (c evilCodec) String() string                            { return "evil" }
func (c evilCodec) CompressionCodec() format.CompressionCodec { return c.id }
func (c evilCodec) Encode(dst, _ []byte) ([]byte, error) {
	return append(dst[:0], c.payload...), nil
}
func (c evilCodec) Decode(dst, src []byte) ([]byte, error) { return nil, nil }

func evilFile(t *testing.T, c evilCodec, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw := parquet.NewGenericWriter[WriteFrame](&buf, append(opts, parquet.Compression(c))...)
	_, err := pw.Write([]WriteFrame{{TimestampUs: Ptr[int64](1), ImageID: Ptr("a")}})
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	return buf.Bytes()
}

func zstdFrame(descriptor byte, header []byte, blocks ...[]byte) []byte {
	b := append([]byte{0x28, 0xb5, 0x2f, 0xfd, descriptor}, header...)
	for _, blk := range blocks {
		b = append(b, blk...)
	}
	return b
}

// zstdBlock returns a block header (and content) of a raw (typ 0) or RLE
// (typ 1) block of size bytes.
func zstdBlock(typ, size int, last bool) []byte {
	h := uint32(size)<<3 | uint32(typ)<<1
	if last {
		h |= 1
	}
	b := []byte{byte(h), byte(h >> 8), byte(h >> 16)}
	if typ == 1 {
		return append(b, 'x')
	}
	return append(b, make([]byte, size)...)
}

func gzipBomb(t *testing.T, n int) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, flate.BestSpeed)
	require.NoError(t, err)
	zero := make([]byte, 1<<20)
	for range n >> 20 {
		_, err := zw.Write(zero)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// A page's compressed bytes may claim, or expand to, far more than the
// page's declared size: parquet-go then allocates what the codec asks for
// (a ZSTD frame content size of 60 GiB, a Snappy length of 4 GiB), inflates
// without bound, or (LZ4) doubles its buffer for ever on a corrupt block.
// Any of these is a fatal out-of-memory, which recover cannot catch, so the
// file must be refused before parquet-go decodes a page.
func TestPageDecompressionBombsAreRefused(t *testing.T) {
	var fcs [8]byte
	binary.LittleEndian.PutUint64(fcs[:], 60<<30)
	var rle [][]byte
	for i := range 16 << 10 { // 16 Ki RLE blocks of 128 KiB: 2 GiB
		rle = append(rle, zstdBlock(1, 128<<10-1, i == 16<<10-1))
	}
	snappyLen := binary.AppendUvarint(nil, 1<<32-1)
	tests := []struct {
		name  string
		codec evilCodec
	}{
		{"zstd frame content size 60 GiB", evilCodec{format.Zstd, zstdFrame(0xe0, fcs[:], zstdBlock(0, 0, true))}},
		{"zstd RLE blocks expanding to 2 GiB", evilCodec{format.Zstd, zstdFrame(0x00, []byte{0x58}, rle...)}},
		{"zstd garbage", evilCodec{format.Zstd, []byte("not zstd at all")}},
		{"snappy length 4 GiB", evilCodec{format.Snappy, append(snappyLen, 0, 0, 0, 0)}},
		{"lz4 block with offset 0", evilCodec{format.Lz4Raw, []byte{0x10, 'a', 0, 0}}},
		{"lz4 empty block", evilCodec{format.Lz4Raw, []byte{}}},
		{"gzip of 1 MiB of zeros", evilCodec{format.Gzip, gzipBomb(t, 1<<20)}},
		{"deprecated hadoop lz4", evilCodec{format.Lz4, []byte{0, 0, 0, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := evilFile(t, tc.codec)
			_, err := open(data)
			require.Error(t, err) // stop here: without the check, decoding would not return
			_, err = ReadFrameTimestamps(data)
			require.Error(t, err)
			require.Error(t, ReadObjects(data, func([]Object) error { return nil }))
		})
	}
}

// parquet-go v0.32 decodes an LZ4_RAW page compressed less than 3:1 into a
// buffer it then drops, reading stale bytes instead: such pages are
// refused, never decoded wrongly. Pages that compress well still decode.
func TestLZ4PagesParquetGoMisdecodesAreRefused(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	rows := randomRows(r, 300) // random floats and ids: compress badly
	var buf bytes.Buffer
	pw := parquet.NewGenericWriter[WriteObject](&buf, parquet.Compression(&parquet.Lz4Raw), parquet.PageBufferSize(512))
	_, err := pw.Write(rows)
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	err = ReadObjects(buf.Bytes(), func([]Object) error { return nil })
	require.ErrorIs(t, err, errLZ4Ratio)

	buf.Reset()
	fw := parquet.NewGenericWriter[WriteFrame](&buf, parquet.Compression(&parquet.Lz4Raw))
	frames := make([]WriteFrame, 10000)
	for i := range frames {
		frames[i] = WriteFrame{TimestampUs: Ptr(int64(i / 1000)), ImageID: Ptr("frame")}
	}
	_, err = fw.Write(frames)
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	ts, err := ReadFrameTimestamps(buf.Bytes())
	require.NoError(t, err)
	require.Len(t, ts, 10000)
	require.Equal(t, int64(9), ts[9999])
}

// parquet-go allocates for a page's declared value count (levels, offsets,
// values, dictionary indexes: ~16 bytes a value), whatever the page holds:
// a chunk of 64 empty pages each claiming 2^22 values (4 GiB in all) is
// refused.
func TestPagesClaimingManyValuesAreRefused(t *testing.T) {
	hdr, err := thrift.Marshal(new(thrift.CompactProtocol), &format.PageHeader{
		Type: format.DataPage,
		DataPageHeader: thrift.New(format.DataPageHeader{NumValues: 1 << 22, Encoding: format.Plain,
			DefinitionLevelEncoding: format.RLE, RepetitionLevelEncoding: format.RLE}),
	})
	require.NoError(t, err)
	one := &trial{budget: decodeBudget(len(hdr))}
	require.NoError(t, checkChunkPages(hdr, format.Uncompressed, levels{}, one), "one such page is within the limits")
	chunk := bytes.Repeat(hdr, 64)
	require.Error(t, checkChunkPages(chunk, format.Uncompressed, levels{}, &trial{budget: decodeBudget(len(chunk))}))
}

// An RLE run of 2^31-1 levels costs six bytes and parquet-go allocates it in
// full; a page whose runs exceed its value count is refused.
func TestPageLevelRunsBeyondTheValueCountAreRefused(t *testing.T) {
	// The v1 page of one optional int64: 4-byte levels length, levels, value.
	run := append(binary.AppendUvarint(nil, uint64(1<<31-1)<<1), 1) // 2^31-1 levels of 1
	page := binary.LittleEndian.AppendUint32(nil, uint32(len(run)))
	page = append(append(page, run...), make([]byte, 14-4-len(run))...) // the real page's 14 bytes
	data := evilFile(t, evilCodec{format.Snappy, snappy.Encode(nil, page)}, parquet.DataPageVersion(1))
	_, err := open(data)
	require.ErrorIs(t, err, errRuns) // stop here: without the check, decoding allocates 2 GiB
	_, err = ReadFrameTimestamps(data)
	require.Error(t, err)
}
