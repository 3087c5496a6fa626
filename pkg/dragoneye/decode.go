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

// Default limits on a results body. A video of 2,000 objects tracked over
// 300 frames is about 10 MiB; the defaults leave ample room.
const (
	DefaultMaxResultsBytes = 512 << 20 // body, and each archive member
	maxArchiveEntries      = 16
)

var (
	zipMagic     = []byte("PK\x03\x04")
	parquetMagic = []byte("PAR1")
)

// splitResults tells a ZIP archive from a bare Parquet file by its magic
// bytes and returns the predictions and (if present) frame timestamps
// files. frames is nil when the archive has no frame_timestamps.parquet.
func splitResults(body []byte, maxBytes int64) (predictions, frames []byte, err error) {
	switch {
	case bytes.HasPrefix(body, zipMagic):
	case bytes.HasPrefix(body, parquetMagic):
		return body, nil, nil
	case len(body) == 0:
		return nil, nil, errors.New("empty results body")
	default:
		return nil, nil, fmt.Errorf("results body is neither a ZIP archive nor a Parquet file (starts with %q)", body[:min(len(body), 4)])
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, nil, fmt.Errorf("results archive: %w", err)
	}
	if len(zr.File) > maxArchiveEntries {
		return nil, nil, fmt.Errorf("results archive has %d entries, more than the limit of %d", len(zr.File), maxArchiveEntries)
	}
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
		data, err := readMember(f, maxBytes, int64(len(body)))
		if err != nil {
			return nil, nil, err
		}
		*dst = data
	}
	if predictions == nil {
		return nil, nil, errors.New("results archive is missing predictions.parquet")
	}
	return predictions, frames, nil
}

// readMember reads one archive member of an archive of bodyLen bytes,
// refusing more than maxBytes however large the member claims (or hides) to
// be. A member's compressed bytes must fit in the archive: a STORED member
// is read into a buffer of its declared size, which must not be a size the
// body cannot hold.
func readMember(f *zip.File, maxBytes, bodyLen int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(maxBytes) {
		return nil, fmt.Errorf("results archive member %s is %d bytes, more than the limit of %d", f.Name, f.UncompressedSize64, maxBytes)
	}
	if f.CompressedSize64 > uint64(bodyLen) {
		return nil, fmt.Errorf("results archive member %s claims %d compressed bytes in an archive of %d", f.Name, f.CompressedSize64, bodyLen)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
	}
	defer rc.Close()
	if f.Method == zip.Store && int64(f.CompressedSize64) == int64(f.UncompressedSize64) {
		buf := make([]byte, f.UncompressedSize64)
		if _, err := io.ReadFull(rc, buf); err != nil {
			return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
		}
		return buf, nil
	}
	data, err := io.ReadAll(io.LimitReader(rc, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("results archive member %s: %w", f.Name, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, fmt.Errorf("results archive member %s is more than the limit of %d bytes", f.Name, maxBytes)
	}
	return data, nil
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
// *ResultsError.
func DecodeImageObjects(body []byte) ([]ImageDetectedObject, error) {
	return decodeImageObjects(body, DefaultMaxResultsBytes)
}

func decodeImageObjects(body []byte, maxBytes int64) ([]ImageDetectedObject, error) {
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
// frame_timestamps.parquet). Corrupt input gives a *ResultsError.
func DecodeVideoObjects(body []byte) (objects []VideoDetectedObject, frameTimestampsUs []int64, err error) {
	return decodeVideoObjects(body, DefaultMaxResultsBytes)
}

func decodeVideoObjects(body []byte, maxBytes int64) (objects []VideoDetectedObject, frameTimestampsUs []int64, err error) {
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
