package wire

import (
	"cmp"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// The fast path: when predictions.parquet has exactly the layout polars
// writes for the v2 schema (every field optional, 3-level lists named
// list/element), its rows are assembled straight from the leaf columns'
// repetition and definition levels, reusing one batch of rows and one arena
// of floats. That avoids parquet-go's reflection-based row reconstruction,
// which allocates for every nested value. Any other layout goes through
// parquet.GenericReader (see ReadObjects).

type leafSpec struct {
	path     []string
	rep, def int
	kind     parquet.Kind
}

var (
	trPath   = []string{"timestamp_ranges", "list", "element"}
	obsPath  = []string{"bbox_observations", "list", "element"}
	catPath  = []string{"categories", "list", "element"}
	attrPath = []string{"categories", "list", "element", "attributes", "list", "element"}
	atrPath  = []string{"categories", "list", "element", "attributes", "list", "element", "timestamp_ranges", "list", "element"}
)

func join(p []string, s ...string) []string { return append(append([]string{}, p...), s...) }

// The leaves, in the order the assembler uses them.
const (
	cObjectID = iota
	cTRStart
	cTREnd
	cObsTS
	cObsBbox
	cObsScore
	cCatID
	cCatName
	cCatScore
	cAttrID
	cAttrName
	cOptID
	cOptName
	cATRStart
	cATREnd
	cATRScore
	nLeaves
)

var leaves = [nLeaves]leafSpec{
	cObjectID: {[]string{"object_id"}, 0, 1, parquet.Int64},
	cTRStart:  {join(trPath, "timestamp_start_us_inclusive"), 1, 4, parquet.Int64},
	cTREnd:    {join(trPath, "timestamp_end_us_inclusive"), 1, 4, parquet.Int64},
	cObsTS:    {join(obsPath, "timestamp_microseconds"), 1, 4, parquet.Int64},
	cObsBbox:  {join(obsPath, "normalized_bbox", "list", "element"), 2, 6, parquet.Float},
	cObsScore: {join(obsPath, "bbox_score"), 1, 4, parquet.Float},
	cCatID:    {join(catPath, "category_id"), 1, 4, parquet.Int64},
	cCatName:  {join(catPath, "name"), 1, 4, parquet.ByteArray},
	cCatScore: {join(catPath, "score"), 1, 4, parquet.Float},
	cAttrID:   {join(attrPath, "attribute_id"), 2, 7, parquet.Int64},
	cAttrName: {join(attrPath, "attribute_name"), 2, 7, parquet.ByteArray},
	cOptID:    {join(attrPath, "option_id"), 2, 7, parquet.Int64},
	cOptName:  {join(attrPath, "option_name"), 2, 7, parquet.ByteArray},
	cATRStart: {join(atrPath, "timestamp_start_us_inclusive"), 3, 10, parquet.Int64},
	cATREnd:   {join(atrPath, "timestamp_end_us_inclusive"), 3, 10, parquet.Int64},
	cATRScore: {join(atrPath, "score"), 3, 10, parquet.Float},
}

// fastLayout returns the column index of every leaf, or ok=false when the
// file's layout is not exactly the expected one.
func fastLayout(s *parquet.Schema) (idx [nLeaves]int, ok bool) {
	for i, l := range leaves {
		lc, found := s.Lookup(l.path...)
		if !found || lc.MaxRepetitionLevel != l.rep || lc.MaxDefinitionLevel != l.def ||
			lc.Node.Type().Kind() != l.kind || !expectedNodes(s, l.path) {
			return idx, false
		}
		idx[i] = lc.ColumnIndex
	}
	return idx, true
}

// expectedNodes reports whether every node on path is as the assembler
// reads it: each "list" group repeated, every other node optional. Equal
// maximum levels alone do not say which node a level belongs to.
func expectedNodes(s *parquet.Schema, path []string) bool {
	var n parquet.Node = s
	for _, name := range path {
		var next parquet.Node
		for _, f := range n.Fields() {
			if f.Name() == name {
				next = f
				break
			}
		}
		if next == nil {
			return false
		}
		if name == "list" {
			if !next.Repeated() {
				return false
			}
		} else if !next.Optional() {
			return false
		}
		n = next
	}
	return true
}

var errLevels = errors.New("inconsistent repetition/definition levels between columns")

// column iterates the values of one leaf across every row group.
type column struct {
	chunks []parquet.ColumnChunk
	next   int // next chunk
	pages  parquet.Pages
	page   parquet.Page
	values parquet.ValueReader
	buf    []parquet.Value
	pos, n int
	eof    bool
}

func (c *column) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		_ = c.pages.Close()
		c.pages = nil
	}
}

// fill loads more values; false at the end of the column.
func (c *column) fill() (bool, error) {
	for {
		if c.values != nil {
			n, err := c.values.ReadValues(c.buf)
			if n > 0 {
				c.pos, c.n = 0, n
				return true, nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return false, err
			}
			c.values = nil
			parquet.Release(c.page)
			c.page = nil
		}
		if c.pages != nil {
			p, err := c.pages.ReadPage()
			if err == nil {
				c.page, c.values = p, p.Values()
				continue
			}
			if !errors.Is(err, io.EOF) {
				return false, err
			}
			_ = c.pages.Close()
			c.pages = nil
		}
		if c.next >= len(c.chunks) {
			c.eof = true
			return false, nil
		}
		c.pages = c.chunks[c.next].Pages()
		c.next++
	}
}

// peek returns the next value without consuming it (nil at the end). The
// pointer is valid until the column is read again.
func (c *column) peek() (*parquet.Value, error) {
	if c.pos >= c.n {
		if c.eof {
			return nil, nil
		}
		more, err := c.fill()
		if err != nil || !more {
			return nil, err
		}
	}
	return &c.buf[c.pos], nil
}

// take consumes the next value; running out is a levels error. The pointer
// is valid until the column is read again.
func (c *column) take() (*parquet.Value, error) {
	if c.pos < c.n {
		c.pos++
		return &c.buf[c.pos-1], nil
	}
	v, err := c.peek()
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errLevels
	}
	c.pos++
	return v, nil
}

// continues reports whether the next value continues a list at repetition
// level rep.
func (c *column) continues(rep int) (bool, error) {
	if c.pos < c.n {
		return c.buf[c.pos].RepetitionLevel() == rep, nil
	}
	v, err := c.peek()
	if err != nil || v == nil {
		return false, err
	}
	return v.RepetitionLevel() == rep, nil
}

// element returns the next element of a list whose continuation values have
// repetition level rep, or nil at the end of the list. The first element's
// value must have repetition level firstRep (where its parent starts).
func (c *column) element(first bool, rep, firstRep int) (*parquet.Value, error) {
	if !first {
		more, err := c.continues(rep)
		if err != nil || !more {
			return nil, err
		}
	}
	v, err := c.take()
	if err != nil {
		return nil, err
	}
	if first && v.RepetitionLevel() != firstRep {
		return nil, errLevels
	}
	return v, nil
}

// assembler builds Object rows from the columns.
type assembler struct {
	cols   [nLeaves]*column
	floats []float32 // arena for normalized_bbox values of one batch
}

// sibling takes the value of a sibling column for the element the driver
// value v describes, checking that their levels agree.
func (a *assembler) sibling(i int, v *parquet.Value, elemDef int) (*parquet.Value, error) {
	s, err := a.cols[i].take()
	if err != nil {
		return s, err
	}
	if s.RepetitionLevel() != v.RepetitionLevel() ||
		(s.DefinitionLevel() >= elemDef) != (v.DefinitionLevel() >= elemDef) ||
		(v.DefinitionLevel() < elemDef && s.DefinitionLevel() != v.DefinitionLevel()) {
		return s, errLevels
	}
	return s, nil
}

func i64(v *parquet.Value, def int) int64 {
	if v.DefinitionLevel() < def {
		return 0
	}
	return v.Int64()
}

func f32(v *parquet.Value, def int) float32 {
	if v.DefinitionLevel() < def {
		return 0
	}
	return v.Float()
}

func str(v *parquet.Value, def int) string {
	if v.DefinitionLevel() < def {
		return ""
	}
	return string(v.ByteArray())
}

// row assembles one row into o, reusing o's slices.
func (a *assembler) row(o *Object) error {
	v, err := a.cols[cObjectID].take()
	if err != nil {
		return err
	}
	if v.RepetitionLevel() != 0 {
		return errLevels
	}
	o.ObjectID = i64(v, 1)

	// timestamp_ranges: list def 2 = element present, 3 = struct, 4 = value.
	o.TimestampRanges = o.TimestampRanges[:0]
	for first := true; ; first = false {
		s, err := a.cols[cTRStart].element(first, 1, 0)
		if err != nil {
			return err
		}
		if s == nil {
			break
		}
		e, err := a.sibling(cTREnd, s, 2)
		if err != nil {
			return err
		}
		if s.DefinitionLevel() < 2 {
			break // null or empty list
		}
		o.TimestampRanges = append(o.TimestampRanges, TimestampRange{Start: i64(s, 4), End: i64(e, 4)})
	}

	// bbox_observations.
	o.BboxObservations = o.BboxObservations[:0]
	for first := true; ; first = false {
		t, err := a.cols[cObsTS].element(first, 1, 0)
		if err != nil {
			return err
		}
		if t == nil {
			break
		}
		sc, err := a.sibling(cObsScore, t, 2)
		if err != nil {
			return err
		}
		// normalized_bbox: def 3 = observation present, bbox null (gap);
		// 4 = empty list; 5 = null float; 6 = value; rep 2 continues it.
		b, err := a.cols[cObsBbox].take()
		if err != nil {
			return err
		}
		if b.RepetitionLevel() != t.RepetitionLevel() || (b.DefinitionLevel() >= 2) != (t.DefinitionLevel() >= 2) {
			return errLevels
		}
		if t.DefinitionLevel() < 2 {
			break
		}
		obs := BboxObservation{TimestampUs: i64(t, 4), BboxScore: f32(sc, 4)}
		if b.DefinitionLevel() >= 4 {
			start := len(a.floats)
			if b.DefinitionLevel() >= 5 {
				a.floats = append(a.floats, f32(b, 6))
				for {
					more, err := a.cols[cObsBbox].continues(2)
					if err != nil {
						return err
					}
					if !more {
						break
					}
					b, err = a.cols[cObsBbox].take()
					if err != nil {
						return err
					}
					if b.DefinitionLevel() < 5 {
						return errLevels
					}
					a.floats = append(a.floats, f32(b, 6))
				}
			}
			obs.NormalizedBbox = a.floats[start:len(a.floats):len(a.floats)]
			if obs.NormalizedBbox == nil {
				obs.NormalizedBbox = []float32{} // empty, not null (a gap)
			}
		}
		o.BboxObservations = append(o.BboxObservations, obs)
	}

	// categories.
	o.Categories = o.Categories[:0]
	for first := true; ; first = false {
		c, err := a.cols[cCatID].element(first, 1, 0)
		if err != nil {
			return err
		}
		if c == nil {
			break
		}
		name, err := a.sibling(cCatName, c, 2)
		if err != nil {
			return err
		}
		score, err := a.sibling(cCatScore, c, 2)
		if err != nil {
			return err
		}
		var cat *Category
		if c.DefinitionLevel() >= 2 {
			if len(o.Categories) < cap(o.Categories) {
				o.Categories = o.Categories[:len(o.Categories)+1]
			} else {
				o.Categories = append(o.Categories, Category{})
			}
			cat = &o.Categories[len(o.Categories)-1]
			cat.CategoryID, cat.Name, cat.Score = i64(c, 4), str(name, 4), f32(score, 4)
			cat.Attributes = cat.Attributes[:0]
		}
		if err := a.attributes(cat, c.RepetitionLevel()); err != nil {
			return err
		}
		if cat == nil {
			break
		}
	}
	return nil
}

// attributes reads the attributes of one category slot (cat is nil when the
// categories list is null or empty, or the category itself is null: the
// attribute columns then hold one placeholder value).
func (a *assembler) attributes(cat *Category, catRep int) error {
	for first := true; ; first = false {
		v, err := a.cols[cAttrID].element(first, 2, catRep)
		if err != nil || v == nil {
			return err
		}
		var vals [3]*parquet.Value
		for i, col := range []int{cAttrName, cOptID, cOptName} {
			if vals[i], err = a.sibling(col, v, 5); err != nil {
				return err
			}
		}
		// def: 3 = category present, attributes null; 4 = empty; 5 =
		// element null; 6 = struct; 7 = value.
		if (cat == nil) != (v.DefinitionLevel() < 2) {
			return errLevels
		}
		var attr *Attribute
		if v.DefinitionLevel() >= 5 {
			if len(cat.Attributes) < cap(cat.Attributes) {
				cat.Attributes = cat.Attributes[:len(cat.Attributes)+1]
			} else {
				cat.Attributes = append(cat.Attributes, Attribute{})
			}
			attr = &cat.Attributes[len(cat.Attributes)-1]
			attr.AttributeID, attr.AttributeName = i64(v, 7), str(vals[0], 7)
			attr.OptionID, attr.OptionName = i64(vals[1], 7), str(vals[2], 7)
			attr.TimestampRanges = attr.TimestampRanges[:0]
		}
		if err := a.attributeRanges(attr, v.RepetitionLevel(), v.DefinitionLevel()); err != nil {
			return err
		}
		if attr == nil {
			return nil
		}
	}
}

func (a *assembler) attributeRanges(attr *Attribute, attrRep, attrDef int) error {
	for first := true; ; first = false {
		s, err := a.cols[cATRStart].element(first, 3, attrRep)
		if err != nil || s == nil {
			return err
		}
		if first && min(s.DefinitionLevel(), 6) != min(attrDef, 6) {
			return errLevels
		}
		e, err := a.sibling(cATREnd, s, 8)
		if err != nil {
			return err
		}
		sc, err := a.sibling(cATRScore, s, 8)
		if err != nil {
			return err
		}
		// def: 7 = ranges list null; 8 = empty... element present >= 8?
		// The levels: attr struct 6, timestamp_ranges 7 (null below), list
		// 8 (an element exists), element 9, value 10.
		if s.DefinitionLevel() < 8 {
			return nil
		}
		if attr == nil {
			return errLevels
		}
		attr.TimestampRanges = append(attr.TimestampRanges, ScoredTimestampRange{Start: i64(s, 10), End: i64(e, 10), Score: f32(sc, 10)})
	}
}

// readObjectsFast assembles every row of f, handing them to fn in batches.
func readObjectsFast(f *parquet.File, idx [nLeaves]int, fn func([]Object) error) error {
	a := &assembler{}
	for i := range nLeaves {
		c := &column{buf: make([]parquet.Value, 1024)}
		for _, rg := range f.RowGroups() {
			chunks := rg.ColumnChunks()
			if idx[i] >= len(chunks) {
				return fmt.Errorf("row group has no column %d", idx[i])
			}
			c.chunks = append(c.chunks, chunks[idx[i]])
		}
		a.cols[i] = c
	}
	defer func() {
		for _, c := range a.cols {
			c.close()
		}
	}()
	rows := f.NumRows()
	batch := make([]Object, BatchSize)
	for done := int64(0); done < rows; {
		n := int(min(int64(BatchSize), rows-done))
		a.floats = a.floats[:0]
		for i := range n {
			if err := a.row(&batch[i]); err != nil {
				return err
			}
		}
		if err := fn(batch[:n]); err != nil {
			return err
		}
		done += int64(n)
	}
	// The footer's row count is a claim: values left in any column mean
	// rows it did not count, which must not be dropped silently.
	for _, c := range a.cols {
		if v, err := c.peek(); err != nil || v != nil {
			return cmp.Or(err, errLevels)
		}
	}
	return nil
}
