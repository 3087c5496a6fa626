package dragoneye

import "time"

// NormalizedBbox is a bounding box as (x_min, y_min, x_max, y_max), each
// normalised to [0, 1] of the image's width or height. The service sends
// float32 values; they are kept exactly as sent.
type NormalizedBbox [4]float32

// TimestampRange is a span of a video in microseconds, inclusive on both
// ends.
type TimestampRange struct {
	StartUs int64 `json:"timestamp_start_us_inclusive"`
	EndUs   int64 `json:"timestamp_end_us_inclusive"`
}

// ScoredTimestampRange is a TimestampRange over which an attribute option
// held, with the mean of its per-frame scores over the range.
type ScoredTimestampRange struct {
	StartUs int64   `json:"timestamp_start_us_inclusive"`
	EndUs   int64   `json:"timestamp_end_us_inclusive"`
	Score   float32 `json:"score"`
}

// BboxObservation is a bounding box and the confidence of the detection
// that produced it.
type BboxObservation struct {
	NormalizedBbox NormalizedBbox `json:"normalized_bbox"`
	BboxScore      float32        `json:"bbox_score"`
}

// VideoBboxObservation is one processed frame within an object's lifespan.
// Observation is nil on a gap frame: the object was present (tracked) but
// not detected in that frame.
type VideoBboxObservation struct {
	TimestampUs int64            `json:"timestamp_microseconds"`
	Observation *BboxObservation `json:"observation"`
}

// ImageAttributePrediction is the chosen option of one attribute of an
// object in an image, with its score.
type ImageAttributePrediction struct {
	AttributeID   int64   `json:"attribute_id"`
	AttributeName string  `json:"attribute_name"`
	OptionID      int64   `json:"option_id"`
	OptionName    string  `json:"option_name"`
	Score         float32 `json:"score"`
}

// ImageCategoryPrediction is one category of an object in an image.
type ImageCategoryPrediction struct {
	CategoryID int64                      `json:"category_id"`
	Name       string                     `json:"name"`
	Score      float32                    `json:"score"`
	Attributes []ImageAttributePrediction `json:"attributes"`
}

// ImageDetectedObject is one object detected in an image.
type ImageDetectedObject struct {
	ObjectID        int64                     `json:"object_id"`
	BboxObservation BboxObservation           `json:"bbox_observation"`
	Categories      []ImageCategoryPrediction `json:"categories"`
}

// VideoAttributePrediction is a chosen attribute option with the time
// ranges over which it held. The same AttributeID may appear several times
// in one category when the chosen option changed over the object's life.
type VideoAttributePrediction struct {
	AttributeID     int64                  `json:"attribute_id"`
	AttributeName   string                 `json:"attribute_name"`
	OptionID        int64                  `json:"option_id"`
	OptionName      string                 `json:"option_name"`
	TimestampRanges []ScoredTimestampRange `json:"timestamp_ranges"`
}

// VideoCategoryPrediction is one category of a tracked object.
type VideoCategoryPrediction struct {
	CategoryID int64                      `json:"category_id"`
	Name       string                     `json:"name"`
	Score      float32                    `json:"score"`
	Attributes []VideoAttributePrediction `json:"attributes"`
}

// VideoDetectedObject is one tracked object: when it is on screen, its box
// in every processed frame of its lifespan (gap frames included) and its
// categories.
type VideoDetectedObject struct {
	ObjectID         int64                     `json:"object_id"`
	TimestampRanges  []TimestampRange          `json:"timestamp_ranges"`
	BboxObservations []VideoBboxObservation    `json:"bbox_observations"`
	Categories       []VideoCategoryPrediction `json:"categories"`
}

// ImageResult is the decoded result of an image prediction.
type ImageResult struct {
	Objects            []ImageDetectedObject `json:"objects"`
	PredictionTaskUUID string                `json:"prediction_task_uuid"`
	// OriginalFileName is the file name given when the task began ("" if none).
	OriginalFileName string `json:"original_file_name"`
}

// VideoResult is the decoded result of a video prediction.
type VideoResult struct {
	Objects []VideoDetectedObject `json:"objects"`
	// FramesPerSecond is the sampling rate used for the prediction, not the
	// video's native frame rate.
	FramesPerSecond int `json:"frames_per_second"`
	// FrameTimestampsUs lists every processed frame (with or without
	// detections), sorted ascending.
	FrameTimestampsUs  []int64 `json:"frame_timestamps_microseconds"`
	PredictionTaskUUID string  `json:"prediction_task_uuid"`
	// OriginalFileName is the file name given when the task began ("" if none).
	OriginalFileName string `json:"original_file_name"`
}

// String formats the range in seconds, e.g. "0s-3.5s".
func (r TimestampRange) String() string {
	return time.Duration(r.StartUs*1000).String() + "-" + time.Duration(r.EndUs*1000).String()
}
