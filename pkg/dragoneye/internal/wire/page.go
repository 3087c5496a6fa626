package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"

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

// newZstdDecoder makes the ZSTD decoder of one file: it decodes at most the
// capacity of its destination. Each file has its own (closed when the file
// is checked) rather than sharing a package-level one, because a decoder
// keeps a reference to the last block it decoded: a shared decoder would
// keep the last results file decoded reachable until the next decode.
func newZstdDecoder() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxMemory(maxPageBytes))
}

// trial decompresses the pages of one file; close releases it.
type trial struct {
	budget int64
	buf    []byte
	zstd   *zstd.Decoder
}

// close drops the buffers and the decoder, which refer to the file.
func (t *trial) close() {
	if t.zstd != nil {
		t.zstd.Close()
	}
	*t = trial{}
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
	_, err := t.decompress(codec, src, size)
	return err
}

// decompress is check, returning the page's bytes (valid until the next
// call).
func (t *trial) decompress(codec format.CompressionCodec, src []byte, size int) ([]byte, error) {
	if codec == format.Uncompressed {
		return src, nil
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
		if t.zstd == nil {
			if t.zstd, err = newZstdDecoder(); err != nil {
				break
			}
		}
		var out []byte
		out, err = t.zstd.DecodeAll(src, dst[:0])
		n = len(out)
	case format.Snappy:
		if n, err = snappy.DecodedLen(src); err == nil && n == size {
			_, err = snappy.Decode(dst, src)
		}
	case format.Lz4Raw:
		if 3*len(src) > size {
			return nil, errLZ4Ratio
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
		return nil, fmt.Errorf("unsupported compression codec %v", codec)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%v): %v", errPageDecompress, codec, err)
	}
	if n != size {
		return nil, fmt.Errorf("%w (%v): %d bytes, declared %d", errPageDecompress, codec, n, size)
	}
	return dst, nil
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

// parquet-go sizes what it decodes from counts inside a page's data: an RLE
// run (levels, dictionary indexes) of up to 2^31 values costs a few bytes
// and is allocated in full, and a DELTA_BINARY_PACKED header's total count
// is allocated at once. So the runs and headers of each page are checked
// against its declared value count (already within the budget); encodings
// whose counts are not checked here are refused.

// Encodings (parquet.thrift).
const (
	encPlain              = 0
	encPlainDictionary    = 2
	encRLE                = 3
	encDeltaBinaryPacked  = 5
	encDeltaLengthByteArr = 6
	encRLEDictionary      = 8
	encByteStreamSplit    = 9
)

var errRuns = errors.New("page encodes more values than it declares")

// checkRuns walks an RLE/bit-packed hybrid run sequence of values bitWidth
// bits wide; it must hold at most limit values (bit-packed groups of 8 may
// pad the last few).
func checkRuns(src []byte, bitWidth int, limit int64) error {
	if bitWidth < 0 || bitWidth > 32 {
		return errors.New("bit width out of range")
	}
	limit += 8
	var total int64
	for i := 0; i < len(src); {
		u, n := binary.Uvarint(src[i:])
		if n <= 0 {
			return errCorrupt
		}
		i += n
		count := u >> 1
		if count > uint64(limit) {
			return errRuns
		}
		if u&1 == 1 { // bit-packed: count groups of 8
			count *= 8
			i += int((count*uint64(bitWidth) + 7) / 8)
		} else {
			i += (bitWidth + 7) / 8
		}
		if total += int64(count); total > limit {
			return errRuns
		}
	}
	return nil
}

// checkLevels checks the levels section of a data page.
func checkLevels(src []byte, maxLevel int, values int64) error {
	return checkRuns(src, bits.Len(uint(maxLevel)), values)
}

// checkValues checks the values section of a page for its encoding.
func checkValues(enc int64, src []byte, values int64) error {
	switch enc {
	case encPlain, encByteStreamSplit:
		return nil // sized by the bytes present
	case encPlainDictionary, encRLEDictionary:
		if len(src) == 0 {
			return nil
		}
		return checkRuns(src[1:], int(src[0]), values)
	case encDeltaBinaryPacked, encDeltaLengthByteArr:
		// <block size> <miniblocks> <total count> <first value>
		var total uint64
		for i, pos := 0, 0; i < 3; i++ {
			v, n := binary.Uvarint(src[pos:])
			if n <= 0 {
				return errCorrupt
			}
			pos += n
			total = v
		}
		if total > uint64(values) {
			return errRuns
		}
		return nil
	}
	return fmt.Errorf("unsupported page encoding %d", enc)
}
