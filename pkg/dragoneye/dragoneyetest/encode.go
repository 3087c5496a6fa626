package dragoneyetest

import (
	"bytes"
	"fmt"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/internal/wire"
)

// EncodeVideoResults builds a results body exactly as the service serves it
// for a video: a STORED ZIP holding predictions.parquet (the v2
// object-forward schema, ZSTD-compressed) and frame_timestamps.parquet (one
// row per processed frame, in the given order). A nil Observation is
// written as a gap frame (null normalized_bbox and bbox_score); nil lists
// are written as null lists.
func EncodeVideoResults(objects []dragoneye.VideoDetectedObject, frameTimestampsUs []int64) ([]byte, error) {
	rows := make([]wire.WriteObject, len(objects))
	for i := range objects {
		rows[i] = videoRow(&objects[i])
	}
	frames := make([]wire.WriteFrame, len(frameTimestampsUs))
	for i, ts := range frameTimestampsUs {
		frames[i] = wire.WriteFrame{TimestampUs: wire.Ptr(ts), ImageID: wire.Ptr(fmt.Sprintf("frame_%06d", i))}
	}
	return encode(rows, frames, true)
}

// EncodeImageResults builds a results body exactly as the service serves it
// for an image: a STORED ZIP holding predictions.parquet, where every
// object has one observation at timestamp 0 and every attribute one
// zero-width range carrying its score.
func EncodeImageResults(objects []dragoneye.ImageDetectedObject) ([]byte, error) {
	rows := make([]wire.WriteObject, len(objects))
	for i := range objects {
		rows[i] = imageRow(&objects[i])
	}
	return encode(rows, nil, false)
}

func encode(rows []wire.WriteObject, frames []wire.WriteFrame, withFrames bool) ([]byte, error) {
	var pred bytes.Buffer
	if err := wire.WriteObjects(&pred, rows); err != nil {
		return nil, err
	}
	members := []wire.Member{{Name: wire.PredictionsMember, Data: pred.Bytes()}}
	if withFrames {
		var fb bytes.Buffer
		if err := wire.WriteFrames(&fb, frames); err != nil {
			return nil, err
		}
		members = append(members, wire.Member{Name: wire.FrameTimestampsMember, Data: fb.Bytes()})
	}
	return wire.Archive(members...)
}

func videoRow(o *dragoneye.VideoDetectedObject) wire.WriteObject {
	row := wire.WriteObject{ObjectID: wire.Ptr(o.ObjectID)}
	if o.TimestampRanges != nil {
		row.TimestampRanges = make([]*wire.WriteTimestampRange, len(o.TimestampRanges))
		for i, r := range o.TimestampRanges {
			row.TimestampRanges[i] = &wire.WriteTimestampRange{Start: wire.Ptr(r.StartUs), End: wire.Ptr(r.EndUs)}
		}
	}
	if o.BboxObservations != nil {
		row.BboxObservations = make([]*wire.WriteObservation, len(o.BboxObservations))
		for i, ob := range o.BboxObservations {
			w := &wire.WriteObservation{TimestampUs: wire.Ptr(ob.TimestampUs)}
			if ob.Observation != nil {
				w.NormalizedBbox = bboxOf(ob.Observation.NormalizedBbox)
				w.BboxScore = wire.Ptr(ob.Observation.BboxScore)
			}
			row.BboxObservations[i] = w
		}
	}
	if o.Categories != nil {
		row.Categories = make([]*wire.WriteCategory, len(o.Categories))
		for i, c := range o.Categories {
			wc := &wire.WriteCategory{CategoryID: wire.Ptr(c.CategoryID), Name: wire.Ptr(c.Name), Score: wire.Ptr(c.Score)}
			if c.Attributes != nil {
				wc.Attributes = make([]*wire.WriteAttribute, len(c.Attributes))
				for j, a := range c.Attributes {
					wa := attributeRow(a.AttributeID, a.AttributeName, a.OptionID, a.OptionName)
					if a.TimestampRanges != nil {
						wa.TimestampRanges = make([]*wire.WriteScoredTimestampRange, len(a.TimestampRanges))
						for n, r := range a.TimestampRanges {
							wa.TimestampRanges[n] = &wire.WriteScoredTimestampRange{Start: wire.Ptr(r.StartUs), End: wire.Ptr(r.EndUs), Score: wire.Ptr(r.Score)}
						}
					}
					wc.Attributes[j] = wa
				}
			}
			row.Categories[i] = wc
		}
	}
	return row
}

func bboxOf(bb dragoneye.NormalizedBbox) []*float32 {
	return []*float32{wire.Ptr(bb[0]), wire.Ptr(bb[1]), wire.Ptr(bb[2]), wire.Ptr(bb[3])}
}

func attributeRow(id int64, name string, optionID int64, optionName string) *wire.WriteAttribute {
	return &wire.WriteAttribute{AttributeID: wire.Ptr(id), AttributeName: wire.Ptr(name), OptionID: wire.Ptr(optionID), OptionName: wire.Ptr(optionName)}
}

func imageRow(o *dragoneye.ImageDetectedObject) wire.WriteObject {
	row := wire.WriteObject{
		ObjectID:        wire.Ptr(o.ObjectID),
		TimestampRanges: []*wire.WriteTimestampRange{{Start: wire.Ptr[int64](0), End: wire.Ptr[int64](0)}},
		BboxObservations: []*wire.WriteObservation{{
			TimestampUs:    wire.Ptr[int64](0),
			NormalizedBbox: bboxOf(o.BboxObservation.NormalizedBbox),
			BboxScore:      wire.Ptr(o.BboxObservation.BboxScore),
		}},
	}
	if o.Categories != nil {
		row.Categories = make([]*wire.WriteCategory, len(o.Categories))
		for i, c := range o.Categories {
			wc := &wire.WriteCategory{CategoryID: wire.Ptr(c.CategoryID), Name: wire.Ptr(c.Name), Score: wire.Ptr(c.Score)}
			if c.Attributes != nil {
				wc.Attributes = make([]*wire.WriteAttribute, len(c.Attributes))
				for j, a := range c.Attributes {
					wa := attributeRow(a.AttributeID, a.AttributeName, a.OptionID, a.OptionName)
					wa.TimestampRanges = []*wire.WriteScoredTimestampRange{{Start: wire.Ptr[int64](0), End: wire.Ptr[int64](0), Score: wire.Ptr(a.Score)}}
					wc.Attributes[j] = wa
				}
			}
			row.Categories[i] = wc
		}
	}
	return row
}
