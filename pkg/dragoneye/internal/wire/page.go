package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// parquet-go decompresses a page with the codec's own sizing: ZSTD allocates
// the frame's declared content size (up to 64 GiB) and appends without a
// limit when it has none; Snappy allocates its declared length (up to
// 4 GiB); GZIP and Brotli inflate without a limit; LZ4 doubles its buffer
// for ever on a block it cannot decode. Each is a fatal out-of-memory on a
// small corrupt or hostile file. So every compressed page is first
// decompressed here, with the same libraries, into a buffer of the page's
// declared uncompressed size: a page that does not fit (or does not
// decode) is refused, and parquet-go later decodes only pages known to fit.
// The declared sizes of all pages of a file together are also bounded (see
// decodeBudget), since the column reader holds one page per column.

// decodeBudget is what decoding a file of n bytes may cost in all (see
// pageCost): 256 MiB, plus 64 times its size.
func decodeBudget(n int) int64 { return 256<<20 + 64*int64(n) }

// pageCost estimates what parquet-go allocates for a page: its uncompressed
// bytes, and per declared value a level byte each for repetition and
// definition, a 4-byte offset or dictionary index and an 8-byte value.
func pageCost(uncompressed, values int64) int64 { return uncompressed + 16*values }

var errPageDecompress = errors.New("page does not decompress to its declared size")

// errLZ4Ratio refuses LZ4_RAW pages parquet-go would mis-decode: it
// decompresses into a new buffer when the page buffer's capacity is under 3
// times the compressed size, then reads the old buffer (stale bytes of an
// earlier page) unless the sizes differ. Whether that happens depends on
// its buffer pool, so every such page is refused rather than decoded
// wrongly.
var errLZ4Ratio = errors.New("LZ4_RAW page compressed less than 3:1, which parquet-go v0.32 decodes unreliably")

// zstdDecoder decodes at most the capacity of its destination.
var zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(maxPageBytes))
	if err != nil {
		panic(err) // only bad options
	}
	return d
})

// trial decompresses the pages of one file.
type trial struct {
	budget int64
	buf    []byte
}

// spend takes a page's cost from the file's budget.
func (t *trial) spend(uncompressed, values int64) error {
	t.budget -= pageCost(uncompressed, values)
	if t.budget < 0 {
		return errors.New("pages declare more data than the file's size allows")
	}
	return nil
}

// check decompresses src, which must give exactly size bytes (as every
// writer declares them).
func (t *trial) check(codec format.CompressionCodec, src []byte, size int) error {
	if codec == format.Uncompressed {
		return nil
	}
	if cap(t.buf) < size {
		t.buf = make([]byte, size)
	}
	dst := t.buf[:size]
	var (
		n   int
		err error
	)
	switch codec {
	case format.Zstd:
		var out []byte
		out, err = zstdDecoder().DecodeAll(src, dst[:0])
		n = len(out)
	case format.Snappy:
		if n, err = snappy.DecodedLen(src); err == nil && n == size {
			_, err = snappy.Decode(dst, src)
		}
	case format.Lz4Raw:
		if 3*len(src) > size {
			return errLZ4Ratio
		}
		n, err = lz4.UncompressBlock(src, dst)
	case format.Gzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(src)); err == nil {
			n, err = readExactly(zr, dst)
		}
	case format.Brotli:
		n, err = readExactly(brotli.NewReader(bytes.NewReader(src)), dst)
	default:
		return fmt.Errorf("unsupported compression codec %v", codec)
	}
	if err != nil {
		return fmt.Errorf("%w (%v): %v", errPageDecompress, codec, err)
	}
	if n != size {
		return fmt.Errorf("%w (%v): %d bytes, declared %d", errPageDecompress, codec, n, size)
	}
	return nil
}

// readExactly reads r to its end into dst, returning how much it read; a
// stream longer than dst is an error.
func readExactly(r io.Reader, dst []byte) (int, error) {
	n, err := io.ReadFull(r, dst)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	var one [1]byte
	if m, _ := io.ReadFull(r, one[:]); m > 0 {
		return n, errors.New("longer than declared")
	}
	return n, nil
}
