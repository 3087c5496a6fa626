// Package wire holds the Parquet row types of Dragoneye's v2
// ("object-forward") results and reads and writes them. The types stay
// internal so the Parquet library behind them can change.
package wire

// TimestampRange is one presence range of an object.
type TimestampRange struct {
	Start int64 `parquet:"timestamp_start_us_inclusive,optional"`
	End   int64 `parquet:"timestamp_end_us_inclusive,optional"`
}

// ScoredTimestampRange is one range over which an attribute option held.
type ScoredTimestampRange struct {
	Start int64   `parquet:"timestamp_start_us_inclusive,optional"`
	End   int64   `parquet:"timestamp_end_us_inclusive,optional"`
	Score float32 `parquet:"score,optional"`
}

// BboxObservation is one processed frame of an object; a nil
// NormalizedBbox marks a gap frame.
type BboxObservation struct {
	TimestampUs    int64     `parquet:"timestamp_microseconds,optional"`
	NormalizedBbox []float32 `parquet:"normalized_bbox,optional,list" parquet-element:",optional"`
	BboxScore      float32   `parquet:"bbox_score,optional"`
}

// Attribute is the chosen option of one attribute.
type Attribute struct {
	AttributeID     int64                  `parquet:"attribute_id,optional"`
	AttributeName   string                 `parquet:"attribute_name,optional"`
	OptionID        int64                  `parquet:"option_id,optional"`
	OptionName      string                 `parquet:"option_name,optional"`
	TimestampRanges []ScoredTimestampRange `parquet:"timestamp_ranges,optional,list" parquet-element:",optional"`
}

// Category is one category of an object.
type Category struct {
	CategoryID int64       `parquet:"category_id,optional"`
	Name       string      `parquet:"name,optional"`
	Score      float32     `parquet:"score,optional"`
	Attributes []Attribute `parquet:"attributes,optional,list" parquet-element:",optional"`
}

// Object is one row of predictions.parquet.
type Object struct {
	ObjectID         int64             `parquet:"object_id,optional"`
	TimestampRanges  []TimestampRange  `parquet:"timestamp_ranges,optional,list" parquet-element:",optional"`
	BboxObservations []BboxObservation `parquet:"bbox_observations,optional,list" parquet-element:",optional"`
	Categories       []Category        `parquet:"categories,optional,list" parquet-element:",optional"`
}

// Frame is one row of frame_timestamps.parquet.
type Frame struct {
	TimestampUs int64  `parquet:"timestamp_microseconds,optional"`
	ImageID     string `parquet:"image_id,optional"`
}

// The Write* types are the row types as written. parquet-go writes the zero
// value of a non-pointer optional field as null, so every field here is a
// pointer (nil = null) and every list element optional, which gives exactly
// the schema polars writes.

// WriteTimestampRange is TimestampRange as written.
type WriteTimestampRange struct {
	Start *int64 `parquet:"timestamp_start_us_inclusive,optional"`
	End   *int64 `parquet:"timestamp_end_us_inclusive,optional"`
}

// WriteScoredTimestampRange is ScoredTimestampRange as written.
type WriteScoredTimestampRange struct {
	Start *int64   `parquet:"timestamp_start_us_inclusive,optional"`
	End   *int64   `parquet:"timestamp_end_us_inclusive,optional"`
	Score *float32 `parquet:"score,optional"`
}

// WriteObservation is BboxObservation as written: a gap frame has a nil
// (null) NormalizedBbox and BboxScore.
type WriteObservation struct {
	TimestampUs    *int64     `parquet:"timestamp_microseconds,optional"`
	NormalizedBbox []*float32 `parquet:"normalized_bbox,optional,list"`
	BboxScore      *float32   `parquet:"bbox_score,optional"`
}

// WriteAttribute is Attribute as written.
type WriteAttribute struct {
	AttributeID     *int64                       `parquet:"attribute_id,optional"`
	AttributeName   *string                      `parquet:"attribute_name,optional"`
	OptionID        *int64                       `parquet:"option_id,optional"`
	OptionName      *string                      `parquet:"option_name,optional"`
	TimestampRanges []*WriteScoredTimestampRange `parquet:"timestamp_ranges,optional,list"`
}

// WriteCategory is Category as written.
type WriteCategory struct {
	CategoryID *int64            `parquet:"category_id,optional"`
	Name       *string           `parquet:"name,optional"`
	Score      *float32          `parquet:"score,optional"`
	Attributes []*WriteAttribute `parquet:"attributes,optional,list"`
}

// WriteObject is Object as written.
type WriteObject struct {
	ObjectID         *int64                 `parquet:"object_id,optional"`
	TimestampRanges  []*WriteTimestampRange `parquet:"timestamp_ranges,optional,list"`
	BboxObservations []*WriteObservation    `parquet:"bbox_observations,optional,list"`
	Categories       []*WriteCategory       `parquet:"categories,optional,list"`
}

// WriteFrame is Frame as written.
type WriteFrame struct {
	TimestampUs *int64  `parquet:"timestamp_microseconds,optional"`
	ImageID     *string `parquet:"image_id,optional"`
}

// Ptr returns a pointer to v, for the Write* types.
func Ptr[T any](v T) *T { return &v }
