package dragoneye

import (
	"slices"
	"sort"
	"time"
)

// NearestFrame returns the timestamp (µs) of the processed frame nearest to
// the playback position t, from FrameTimestampsUs, or from the objects'
// observations when the result has no frame list. ok is false when the
// result has no frames at all. On a tie the earlier frame wins.
func (r *VideoResult) NearestFrame(t time.Duration) (timestampUs int64, ok bool) {
	frames := r.FrameTimestampsUs
	if len(frames) == 0 {
		frames = r.observedFrames()
	}
	if len(frames) == 0 {
		return 0, false
	}
	want := t.Microseconds()
	i := sort.Search(len(frames), func(i int) bool { return frames[i] >= want })
	switch {
	case i == 0:
		return frames[0], true
	case i == len(frames):
		return frames[len(frames)-1], true
	// frames[i-1] < want <= frames[i]: both distances are non-negative and
	// below 2^64, so unsigned arithmetic cannot overflow where int64 would.
	case uint64(want)-uint64(frames[i-1]) <= uint64(frames[i])-uint64(want):
		return frames[i-1], true
	default:
		return frames[i], true
	}
}

func (r *VideoResult) observedFrames() []int64 {
	var ts []int64
	for i := range r.Objects {
		for _, o := range r.Objects[i].BboxObservations {
			ts = append(ts, o.TimestampUs)
		}
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// Detection is one object's box in one frame.
type Detection struct {
	Object      *VideoDetectedObject
	Observation *BboxObservation
}

// DetectionsAt snaps the playback position t to the nearest processed frame
// and returns that frame's timestamp (µs) and the objects with a box in it,
// in result order. Gap frames (object tracked but not detected) are left
// out.
func (r *VideoResult) DetectionsAt(t time.Duration) (timestampUs int64, detections []Detection) {
	ts, ok := r.NearestFrame(t)
	if !ok {
		return 0, nil
	}
	for i := range r.Objects {
		o := &r.Objects[i]
		if obs := o.ObservationAt(ts); obs != nil && obs.Observation != nil {
			detections = append(detections, Detection{Object: o, Observation: obs.Observation})
		}
	}
	return ts, detections
}

// ObservationAt returns the object's observation at exactly timestampUs (a
// gap frame has a nil Observation), or nil when the frame is outside the
// object's lifespan.
func (o *VideoDetectedObject) ObservationAt(timestampUs int64) *VideoBboxObservation {
	obs := o.BboxObservations
	i, found := slices.BinarySearchFunc(obs, timestampUs, func(v VideoBboxObservation, t int64) int {
		switch {
		case v.TimestampUs < t:
			return -1
		case v.TimestampUs > t:
			return 1
		}
		return 0
	})
	if found {
		return &obs[i]
	}
	// Not in time order after all (nothing promises it): scan.
	for i := range obs {
		if obs[i].TimestampUs == timestampUs {
			return &obs[i]
		}
	}
	return nil
}

// TopCategory returns the object's category with the highest score (the
// first one on a tie); ok is false when it has none.
func (o *VideoDetectedObject) TopCategory() (c VideoCategoryPrediction, ok bool) {
	return topCategory(o.Categories, func(c VideoCategoryPrediction) float32 { return c.Score })
}

// TopCategory returns the object's category with the highest score (the
// first one on a tie); ok is false when it has none.
func (o *ImageDetectedObject) TopCategory() (c ImageCategoryPrediction, ok bool) {
	return topCategory(o.Categories, func(c ImageCategoryPrediction) float32 { return c.Score })
}

func topCategory[C any](cs []C, score func(C) float32) (best C, ok bool) {
	for i, c := range cs {
		if i == 0 || score(c) > score(best) {
			best = c
		}
		ok = true
	}
	return best, ok
}
