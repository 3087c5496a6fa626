package dragoneye

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/aiclients/sdk-go/pkg/dragoneye/internal/wire"
)

// Limits on a results body. A video of 2,000 objects tracked over 300 frames
// is about 10 MiB; the defaults leave ample room.
const (
	// DefaultMaxResultsBytes is the default of WithMaxResultsSize: the most
	// bytes a results body may have, and the most its archive's files may
	// inflate to in total.
	DefaultMaxResultsBytes = 512 << 20
	// MaxResultsInflateRatio bounds how much a results archive may inflate:
	// its files, in total, to at most this many times the body's size (and
	// at least MinResultsInflateBytes). The service stores its Parquet files
	// uncompressed in the archive (they compress their own pages), so real
	// archives inflate about 1:1; a ZIP bomb inflates a thousandfold.
	MaxResultsInflateRatio = 32
	// MinResultsInflateBytes is the inflation allowed to any archive, however
	// small its body.
	MinResultsInflateBytes = 1 << 20
	maxArchiveEntries      = 16
)

// ErrResultsTooLarge is the error a *ResultsError wraps when a results body
// is over its limit (WithMaxResultsSize) or its archive would inflate past
// MaxResultsInflateRatio times the body or the limit. Test it with
// errors.Is.
var ErrResultsTooLarge = errors.New("results too large")

var (
	zipMagic     = []byte("PK\x03\x04")
	parquetMagic = []byte("PAR1")
)

// resultsBody is a results body held in chunks, so that reading one of
// unknown size allocates its size plus at most one chunk, not the doublings
// of a growing buffer.
type resultsBody struct {
	chunks [][]byte
	size   int64
}

const (
	firstBodyChunk = 64 << 10
	maxBodyChunk   = 4 << 20
)

// readResultsBody reads r up to limit bytes. A body over limit is refused
// with ErrResultsTooLarge after at most limit+1 bytes (and at most one
// chunk, 4 MiB, of allocation over the limit). A body that is neither a
// ZIP archive nor a Parquet file is refused after its first bytes.
func readResultsBody(r io.Reader, limit int64) (*resultsBody, error) {
	b := &resultsBody{}
	next := int64(firstBodyChunk)
	for {
		n := min(next, limit+1-b.size)
		if n <= 0 {
			return nil, tooLarge(fmt.Sprintf("results body is over the limit of %d bytes", limit))
		}
		chunk := make([]byte, n)
		got, err := io.ReadFull(r, chunk)
		if got > 0 {
			b.chunks = append(b.chunks, chunk[:got])
			b.size += int64(got)
		}
		if b.size > limit {
			return nil, tooLarge(fmt.Sprintf("results body is over the limit of %d bytes", limit))
		}
		if len(b.chunks) == 1 && got >= len(zipMagic) {
			if err := checkMagic(b.chunks[0]); err != nil {
				return nil, err
			}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
		next = min(next*2, maxBodyChunk)
	}
}

func tooLarge(reason string) *ResultsError {
	return &ResultsError{Reason: reason, Err: ErrResultsTooLarge}
}

// checkMagic refuses a body (of at least 4 bytes) that is neither a ZIP
// archive nor a Parquet file.
func checkMagic(head []byte) error {
	if bytes.HasPrefix(head, zipMagic) || bytes.HasPrefix(head, parquetMagic) {
		return nil
	}
	err := fmt.Errorf("results body is neither a ZIP archive nor a Parquet file (starts with %q)", head[:min(len(head), 4)])
	return &ResultsError{Reason: err.Error(), Err: err}
}

// ReadAt implements io.ReaderAt over the chunks.
func (b *resultsBody) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for _, c := range b.chunks {
		if off >= int64(len(c)) {
			off -= int64(len(c))
			continue
		}
		m := copy(p[n:], c[off:])
		n += m
		off = 0
		if n == len(p) {
			return n, nil
		}
	}
	return n, io.EOF
}

// bytes returns the body in one slice (copied only if it is in several
// chunks).
func (b *resultsBody) bytes() []byte {
	switch len(b.chunks) {
	case 0:
		return nil
	case 1:
		return b.chunks[0]
	}
	out := make([]byte, 0, b.size)
	for _, c := range b.chunks {
		out = append(out, c...)
	}
	return out
}

// head returns up to the first 4 bytes of the body.
func (b *resultsBody) head() []byte {
	h := make([]byte, min(b.size, 4))
	_, _ = b.ReadAt(h, 0)
	return h
}

func bodyOf(data []byte) *resultsBody {
	if len(data) == 0 {
		return &resultsBody{}
	}
	return &resultsBody{chunks: [][]byte{data}, size: int64(len(data))}
}

// inflateLimit is how many bytes the files of an archive of bodyLen bytes
// may inflate to in total: MaxResultsInflateRatio times the body (at least
// MinResultsInflateBytes), and never more than maxBytes.
func inflateLimit(bodyLen, maxBytes int64) int64 {
	n := maxBytes
	if bodyLen <= maxBytes/MaxResultsInflateRatio {
		n = bodyLen * MaxResultsInflateRatio
	}
	return min(max(n, MinResultsInflateBytes), maxBytes)
}

// splitResults tells a ZIP archive from a bare Parquet file by its magic
// bytes and returns the predictions and (if present) frame timestamps
// files. frames is nil when the archive has no frame_timestamps.parquet.
// The files inflated from an archive total at most inflateLimit bytes: a
// file is refused by its declared size before it is inflated, and archive/zip
// refuses one that inflates to more than it declared.
func splitResults(body *resultsBody, maxBytes int64) (predictions, frames []byte, err error) {
	head := body.head()
	switch {
	case bytes.HasPrefix(head, zipMagic):
	case bytes.HasPrefix(head, parquetMagic):
		return body.bytes(), nil, nil
	case body.size == 0:
		return nil, nil, errors.New("empty results body")
	default:
		return nil, nil, fmt.Errorf("results body is neither a ZIP archive nor a Parquet file (starts with %q)", head)
	}
	zr, err := zip.NewReader(body, body.size)
	if err != nil {
		return nil, nil, fmt.Errorf("results archive: %w", err)
	}
	if len(zr.File) > maxArchiveEntries {
		return nil, nil, fmt.Errorf("results archive has %d entries, more than the limit of %d", len(zr.File), maxArchiveEntries)
	}
	budget := inflateLimit(body.size, maxBytes)
	limit := budget
	for _, f := range zr.File {
		var dst *[]byte
		switch f.Name {
		case wire.PredictionsMember:
			dst = &predictions
		case wire.FrameTimestampsMember:
			dst = &frames
		default:
			continue
		}
		if *dst != nil {
			return nil, nil, fmt.Errorf("results archive holds %s twice", f.Name)
		}
		data, err := readMember(f, budget, limit, body.size)
		if err != nil {
			return nil, nil, err
		}
		budget -= int64(len(data))
		*dst = data
	}
	if predictions == nil {
		return nil, nil, errors.New("results archive is missing predictions.parquet")
	}
	return predictions, frames, nil
}

// readMember inflates one archive member of an archive of bodyLen bytes
// into a buffer of its declared size, which must fit in budget (what is
// left of limit, the archive's inflation limit). archive/zip stops a member
// that inflates past its declared size, so at most budget bytes are
// allocated whatever the member hides. A member's compressed bytes must fit
// in the archive.
func readMember(f *zip.File, budget, limit, bodyLen int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(budget) {
		return nil, fmt.Errorf("results archive member %s inflates to %d bytes, over the limit of %d for an archive of %d bytes: %w",
			f.Name, f.UncompressedSize64, limit, bodyLen, ErrResultsTooLarge)
	}
	if f.CompressedSize64 > uint64(bodyLen) {
		return nil, fmt.Errorf("results archive member %s claims %d compressed bytes in an archive of %d", f.Name, f.CompressedSize64, bodyLen)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
	}
	// The end of the member, where archive/zip checks the CRC and that
	// nothing is left over.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, zip.ErrFormat) {
			return nil, fmt.Errorf("results archive member %s inflates to more than the %d bytes it declares", f.Name, len(buf))
		}
		return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
	}
	return buf, nil
}

// decoder turns wire rows into the public types. It interns names (a video
// repeats the same category and attribute names thousands of times) and
// allocates the boxes of one object in one block.
type decoder struct {
	names map[string]string
}

func newDecoder() *decoder { return &decoder{names: make(map[string]string)} }

func (d *decoder) intern(s string) string {
	if v, ok := d.names[s]; ok {
		return v
	}
	s = string(append([]byte(nil), s...)) // own the bytes
	d.names[s] = s
	return s
}

func toBbox(v []float32) (NormalizedBbox, error) {
	if len(v) != 4 {
		return NormalizedBbox{}, fmt.Errorf("normalized_bbox has %d values, want 4", len(v))
	}
	return NormalizedBbox{v[0], v[1], v[2], v[3]}, nil
}

func (d *decoder) videoObject(row *wire.Object) (VideoDetectedObject, error) {
	o := VideoDetectedObject{
		ObjectID:         row.ObjectID,
		TimestampRanges:  make([]TimestampRange, len(row.TimestampRanges)),
		BboxObservations: make([]VideoBboxObservation, len(row.BboxObservations)),
		Categories:       make([]VideoCategoryPrediction, len(row.Categories)),
	}
	for i, r := range row.TimestampRanges {
		o.TimestampRanges[i] = TimestampRange{StartUs: r.Start, EndUs: r.End}
	}
	real := 0
	for i := range row.BboxObservations {
		if row.BboxObservations[i].NormalizedBbox != nil {
			real++
		}
	}
	boxes := make([]BboxObservation, real)
	k := 0
	for i := range row.BboxObservations {
		src := &row.BboxObservations[i]
		dst := &o.BboxObservations[i]
		dst.TimestampUs = src.TimestampUs
		if src.NormalizedBbox == nil {
			continue // gap frame
		}
		bb, err := toBbox(src.NormalizedBbox)
		if err != nil {
			return o, fmt.Errorf("object %d, observation %d: %w", row.ObjectID, i, err)
		}
		boxes[k] = BboxObservation{NormalizedBbox: bb, BboxScore: src.BboxScore}
		dst.Observation = &boxes[k]
		k++
	}
	for i := range row.Categories {
		c := &row.Categories[i]
		vc := VideoCategoryPrediction{
			CategoryID: c.CategoryID,
			Name:       d.intern(c.Name),
			Score:      c.Score,
			Attributes: make([]VideoAttributePrediction, len(c.Attributes)),
		}
		for j := range c.Attributes {
			a := &c.Attributes[j]
			va := VideoAttributePrediction{
				AttributeID:     a.AttributeID,
				AttributeName:   d.intern(a.AttributeName),
				OptionID:        a.OptionID,
				OptionName:      d.intern(a.OptionName),
				TimestampRanges: make([]ScoredTimestampRange, len(a.TimestampRanges)),
			}
			for n, r := range a.TimestampRanges {
				va.TimestampRanges[n] = ScoredTimestampRange{StartUs: r.Start, EndUs: r.End, Score: r.Score}
			}
			vc.Attributes[j] = va
		}
		o.Categories[i] = vc
	}
	return o, nil
}

// imageObject collapses the time dimension: the first real box is the
// object's box (a zero box if it has none), and each attribute's score is
// the score of its first range (0 if it has none). The official SDK fails on
// such rows instead; these choices keep one odd row from losing the result.
func (d *decoder) imageObject(row *wire.Object) (ImageDetectedObject, error) {
	o := ImageDetectedObject{
		ObjectID:   row.ObjectID,
		Categories: make([]ImageCategoryPrediction, len(row.Categories)),
	}
	for i := range row.BboxObservations {
		src := &row.BboxObservations[i]
		if src.NormalizedBbox == nil {
			continue
		}
		bb, err := toBbox(src.NormalizedBbox)
		if err != nil {
			return o, fmt.Errorf("object %d: %w", row.ObjectID, err)
		}
		o.BboxObservation = BboxObservation{NormalizedBbox: bb, BboxScore: src.BboxScore}
		break
	}
	for i := range row.Categories {
		c := &row.Categories[i]
		ic := ImageCategoryPrediction{
			CategoryID: c.CategoryID,
			Name:       d.intern(c.Name),
			Score:      c.Score,
			Attributes: make([]ImageAttributePrediction, len(c.Attributes)),
		}
		for j := range c.Attributes {
			a := &c.Attributes[j]
			ia := ImageAttributePrediction{
				AttributeID:   a.AttributeID,
				AttributeName: d.intern(a.AttributeName),
				OptionID:      a.OptionID,
				OptionName:    d.intern(a.OptionName),
			}
			if len(a.TimestampRanges) > 0 {
				ia.Score = a.TimestampRanges[0].Score
			}
			ic.Attributes[j] = ia
		}
		o.Categories[i] = ic
	}
	return o, nil
}

// DecodeImageObjects decodes the body of an image's results (a ZIP archive
// or a bare predictions.parquet) into its objects. Corrupt input gives a
// *ResultsError, as does an archive that would inflate past the limits
// described at WithMaxResultsSize (with DefaultMaxResultsBytes).
func DecodeImageObjects(body []byte) ([]ImageDetectedObject, error) {
	return decodeImageObjects(body, DefaultMaxResultsBytes)
}

func decodeImageObjects(body []byte, maxBytes int64) ([]ImageDetectedObject, error) {
	return decodeImageBody(bodyOf(body), maxBytes)
}

func decodeImageBody(body *resultsBody, maxBytes int64) ([]ImageDetectedObject, error) {
	pred, _, err := splitResults(body, maxBytes)
	if err != nil {
		return nil, &ResultsError{Reason: err.Error(), Err: err}
	}
	return decodeObjects(pred, newDecoder().imageObject)
}

// decodeObjects reads predictions.parquet, converting each row.
func decodeObjects[T any](pred []byte, convert func(*wire.Object) (T, error)) ([]T, error) {
	objs := []T{}
	err := wire.ReadObjects(pred, func(batch []wire.Object) error {
		for i := range batch {
			o, err := convert(&batch[i])
			if err != nil {
				return err
			}
			objs = append(objs, o)
		}
		return nil
	})
	if err != nil {
		return nil, &ResultsError{Reason: "predictions.parquet: " + err.Error(), Err: err}
	}
	return objs, nil
}

// DecodeVideoObjects decodes the body of a video's results (a ZIP archive or
// a bare predictions.parquet) into its objects and the sorted timestamps of
// every processed frame (empty when the archive has no
// frame_timestamps.parquet). Corrupt input gives a *ResultsError, as does
// an archive that would inflate past the limits described at
// WithMaxResultsSize (with DefaultMaxResultsBytes).
func DecodeVideoObjects(body []byte) (objects []VideoDetectedObject, frameTimestampsUs []int64, err error) {
	return decodeVideoObjects(body, DefaultMaxResultsBytes)
}

func decodeVideoObjects(body []byte, maxBytes int64) (objects []VideoDetectedObject, frameTimestampsUs []int64, err error) {
	return decodeVideoBody(bodyOf(body), maxBytes)
}

func decodeVideoBody(body *resultsBody, maxBytes int64) (objects []VideoDetectedObject, frameTimestampsUs []int64, err error) {
	pred, frames, err := splitResults(body, maxBytes)
	if err != nil {
		return nil, nil, &ResultsError{Reason: err.Error(), Err: err}
	}
	frameTimestampsUs = []int64{}
	if frames != nil {
		ts, err := wire.ReadFrameTimestamps(frames)
		if err != nil {
			return nil, nil, &ResultsError{Reason: "frame_timestamps.parquet: " + err.Error(), Err: err}
		}
		slices.Sort(ts)
		frameTimestampsUs = ts
	}
	objects, err = decodeObjects(pred, newDecoder().videoObject)
	if err != nil {
		return nil, nil, err
	}
	return objects, frameTimestampsUs, nil
}
