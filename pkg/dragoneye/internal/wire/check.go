package wire

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquet-go trusts the sizes in a file's Thrift structures: a corrupt list
// or string length makes it allocate up to gigabytes (a fatal out-of-memory,
// which recover cannot catch). So before parquet-go sees a file, the footer
// and every page header are walked here, in the Thrift compact protocol,
// and rejected when a declared size cannot fit in the bytes that remain or
// exceeds the limits below.
const (
	maxThriftDepth  = 32
	maxPageBytes    = 256 << 20 // uncompressed size of one page
	maxPageValues   = 1 << 26
	maxColumnChunks = 4096
)

var errCorrupt = errors.New("corrupt parquet structure")

// Thrift compact protocol types.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

type thriftWalker struct {
	b   []byte
	pos int
	// ints records the integer fields seen at depth 1 (key: field id) and
	// depth 2 (key: parent id << 16 | field id).
	ints map[int32]int64
}

func (w *thriftWalker) uvarint() (uint64, error) {
	v, n := binary.Uvarint(w.b[w.pos:])
	if n <= 0 {
		return 0, errCorrupt
	}
	w.pos += n
	return v, nil
}

func (w *thriftWalker) varint() (int64, error) {
	u, err := w.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (w *thriftWalker) remaining() int { return len(w.b) - w.pos }

// structAt walks one struct; key is the field path prefix used to record
// integers (0 at the top level).
func (w *thriftWalker) walkStruct(depth int, parent int32) error {
	if depth > maxThriftDepth {
		return errCorrupt
	}
	var id int32
	for {
		if w.remaining() < 1 {
			return errCorrupt
		}
		h := w.b[w.pos]
		w.pos++
		typ := h & 0x0f
		if typ == tStop {
			return nil
		}
		if delta := int32(h >> 4); delta != 0 {
			id += delta
		} else {
			v, err := w.varint()
			if err != nil {
				return err
			}
			id = int32(v)
		}
		key := int32(-1)
		switch depth {
		case 1:
			key = id & 0xffff
		case 2:
			key = parent<<16 | id&0xffff
		}
		if err := w.walkValue(typ, depth, key); err != nil {
			return err
		}
	}
}

func (w *thriftWalker) walkValue(typ byte, depth int, key int32) error {
	switch typ {
	case tTrue, tFalse:
		if key >= 0 && w.ints != nil {
			w.ints[key] = int64(2 - typ) // true 1, false 0
		}
		return nil
	case tByte:
		if w.remaining() < 1 {
			return errCorrupt
		}
		w.pos++
		return nil
	case tI16, tI32, tI64:
		v, err := w.varint()
		if err == nil && key >= 0 && w.ints != nil {
			w.ints[key] = v
		}
		return err
	case tDouble:
		if w.remaining() < 8 {
			return errCorrupt
		}
		w.pos += 8
		return nil
	case tBinary:
		n, err := w.uvarint()
		if err != nil || n > uint64(w.remaining()) {
			return errCorrupt
		}
		w.pos += int(n)
		return nil
	case tList, tSet:
		if w.remaining() < 1 {
			return errCorrupt
		}
		h := w.b[w.pos]
		w.pos++
		size, elem := uint64(h>>4), h&0x0f
		if size == 0x0f {
			var err error
			if size, err = w.uvarint(); err != nil {
				return err
			}
		}
		if size > uint64(w.remaining()) && elem != tTrue && elem != tFalse {
			return errCorrupt
		}
		if elem == tTrue || elem == tFalse {
			if size > uint64(w.remaining()) {
				return errCorrupt
			}
			w.pos += int(size)
			return nil
		}
		for range size {
			if err := w.walkValue(elem, depth+1, -1); err != nil {
				return err
			}
		}
		return nil
	case tMap:
		size, err := w.uvarint()
		if err != nil || size > uint64(w.remaining()) {
			return errCorrupt
		}
		if size == 0 {
			return nil
		}
		if w.remaining() < 1 {
			return errCorrupt
		}
		kv := w.b[w.pos]
		w.pos++
		for range size {
			if err := w.walkValue(kv>>4, depth+1, -1); err != nil {
				return err
			}
			if err := w.walkValue(kv&0x0f, depth+1, -1); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return w.walkStruct(depth+1, key)
	}
	return errCorrupt
}

// checkFooter validates the Thrift footer of a Parquet file.
func checkFooter(data []byte) error {
	if len(data) < 12 || string(data[:4]) != "PAR1" || string(data[len(data)-4:]) != "PAR1" {
		return errors.New("not a parquet file (missing PAR1 magic)")
	}
	n := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	if n <= 0 || n > len(data)-12 {
		return errors.New("parquet footer length out of range")
	}
	w := &thriftWalker{b: data[len(data)-8-n : len(data)-8]}
	if err := w.walkStruct(1, 0); err != nil {
		return fmt.Errorf("parquet footer: %w", err)
	}
	return nil
}

// checkPages validates every page header of every column chunk of f, and
// trial-decompresses every page (see page.go).
func checkPages(data []byte, f *parquet.File) error {
	chunks := 0
	tr := &trial{budget: decodeBudget(len(data))}
	defer tr.close()
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			chunks++
			if chunks > maxColumnChunks {
				return errors.New("too many parquet column chunks")
			}
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
				start = md.DictionaryPageOffset
			}
			end := start + md.TotalCompressedSize
			if start < 4 || md.TotalCompressedSize < 0 || end > int64(len(data)) || end < start {
				return errors.New("parquet column chunk out of range")
			}
			lc, ok := f.Schema().Lookup(md.PathInSchema...)
			if !ok {
				return fmt.Errorf("parquet column %v is not in the schema", md.PathInSchema)
			}
			if err := checkChunkPages(data[start:end], md.Codec, levels{lc.MaxRepetitionLevel, lc.MaxDefinitionLevel}, tr); err != nil {
				return fmt.Errorf("parquet column %v: %w", md.PathInSchema, err)
			}
		}
	}
	return nil
}

// Page types and DataPageHeaderV2 fields (parquet.thrift).
const (
	pageDataV1 = 0
	pageDict   = 2
	pageDataV2 = 3

	keyPageType       = 1
	keyV2DefLevelsLen = 8<<16 | 5
	keyV2RepLevelsLen = 8<<16 | 6
	keyV2Compressed   = 8<<16 | 7
)

func checkChunkPages(chunk []byte, codec format.CompressionCodec, lv levels, tr *trial) error {
	pos := 0
	for pos < len(chunk) {
		w := &thriftWalker{b: chunk[pos:], ints: make(map[int32]int64, 16)}
		if err := w.walkStruct(1, 0); err != nil {
			return fmt.Errorf("page header: %w", err)
		}
		uncompressed, compressed := w.ints[2], w.ints[3]
		if uncompressed < 0 || uncompressed > maxPageBytes || compressed < 0 || compressed > int64(w.remaining()) {
			return errors.New("page size out of range")
		}
		// num_values of a data page (v1: field 5.1, v2: field 8.1) and
		// dictionary page (field 7.1).
		for _, k := range []int32{5<<16 | 1, 8<<16 | 1, 7<<16 | 1, 8<<16 | 2, 8<<16 | 3} {
			if v, ok := w.ints[k]; ok && (v < 0 || v > maxPageValues) {
				return errors.New("page value count out of range")
			}
		}
		// parquet-go allocates levels, offsets and values for the declared
		// count, however few bytes the page holds.
		if err := tr.spend(uncompressed, w.ints[5<<16|1]+w.ints[8<<16|1]+w.ints[7<<16|1]); err != nil {
			return err
		}
		payload := chunk[pos+w.pos : pos+w.pos+int(compressed)]
		if err := checkPage(w.ints, payload, codec, uncompressed, lv, tr); err != nil {
			return err
		}
		pos += w.pos + int(compressed)
	}
	return nil
}

// levels are the maximum repetition and definition levels of a column.
type levels struct{ rep, def int }

// levelEncodingRLE is the only level encoding accepted (BIT_PACKED is
// deprecated, and no writer of this schema uses it).
const levelEncodingRLE = encRLE

// checkPage decompresses a page on trial and checks the counts in its data
// (see checkRuns).
func checkPage(h map[int32]int64, payload []byte, codec format.CompressionCodec, uncompressed int64, lv levels, tr *trial) error {
	switch h[keyPageType] {
	case pageDict: // plain values, sized by the bytes present
		if enc := h[7<<16|2]; enc != encPlain && enc != encPlainDictionary {
			return fmt.Errorf("unsupported dictionary page encoding %d", enc)
		}
		return tr.check(codec, payload, int(uncompressed))
	case pageDataV1:
		data, err := tr.decompress(codec, payload, int(uncompressed))
		if err != nil {
			return err
		}
		n := h[5<<16|1]
		for _, l := range []struct {
			max int
			enc int64
		}{{lv.rep, h[5<<16|4]}, {lv.def, h[5<<16|3]}} {
			if l.max == 0 {
				continue
			}
			if l.enc != levelEncodingRLE || len(data) < 4 {
				return errors.New("unsupported or missing page levels")
			}
			size := int64(binary.LittleEndian.Uint32(data))
			if size > int64(len(data)-4) {
				return errors.New("page levels length out of range")
			}
			if err := checkLevels(data[4:4+size], l.max, n); err != nil {
				return err
			}
			data = data[4+size:]
		}
		return checkValues(h[5<<16|2], data, n)
	case pageDataV2:
		rep, def := h[keyV2RepLevelsLen], h[keyV2DefLevelsLen]
		compressed := int64(len(payload))
		if rep < 0 || def < 0 || rep+def > compressed || rep+def > uncompressed {
			return errors.New("page levels length out of range")
		}
		n := h[8<<16|1]
		if err := checkLevels(payload[:rep], lv.rep, n); err != nil {
			return err
		}
		if err := checkLevels(payload[rep:rep+def], lv.def, n); err != nil {
			return err
		}
		data := payload[rep+def:]
		if c, ok := h[keyV2Compressed]; !ok || c != 0 {
			var err error
			if data, err = tr.decompress(codec, data, int(uncompressed-rep-def)); err != nil {
				return err
			}
		}
		return checkValues(h[8<<16|4], data, n)
	}
	return nil
}
