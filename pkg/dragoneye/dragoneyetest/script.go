package dragoneyetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
)

// Prediction scripts what a task returns.
//
// The usual way is Objects: each object's boxes are given per processed
// frame, and the emulator turns frame numbers into timestamps at the
// frames_per_second the task was begun with (frame i is at
// i*1,000,000/fps µs), so a video sampled at 2 frames per second gets frames
// 0.5 s apart. ImageObjects and VideoObjects give the decoded results
// verbatim instead (with timestamps fixed in advance); each, when non-nil,
// wins over Objects for its kind of task.
type Prediction struct {
	// Polls is how many status checks answer an in-progress status after
	// /predict before the task ends; 0 means DefaultPolls, -1 none (the
	// first check already says "predicted").
	Polls int `json:"polls,omitempty"`
	// Fail, when set, ends the task with this status instead of
	// "predicted" (use a value starting with "failed", e.g.
	// "failed_prediction").
	Fail string `json:"fail,omitempty"`
	// Objects are the detected objects, for image and video tasks alike.
	Objects []Object `json:"objects,omitempty"`
	// Frames is how many frames of a video were processed (the rows of
	// frame_timestamps.parquet, at the task's rate from 0); 0 means up to
	// the last frame any object has a box in.
	Frames int `json:"frames,omitempty"`

	// ImageObjects, when non-nil, are the results of an image task as they
	// are (Objects is then ignored for images).
	ImageObjects []dragoneye.ImageDetectedObject `json:"image_objects,omitempty"`
	// VideoObjects, when non-nil, are the results of a video task as they
	// are (Objects and Frames are then ignored for videos).
	VideoObjects []dragoneye.VideoDetectedObject `json:"video_objects,omitempty"`
	// FrameTimestampsUs lists the processed frames of VideoObjects (written
	// to frame_timestamps.parquet). nil: every observation's timestamp, and
	// the frames at the task's frames_per_second up to the last one (at
	// most 100,000 of those).
	FrameTimestampsUs []int64 `json:"frame_timestamps_us,omitempty"`
}

// Object is one scripted detected object.
type Object struct {
	// ObjectID is the object's id; 0 means its position in the list, from 1.
	ObjectID int64 `json:"object_id,omitempty"`
	// FirstFrame is the frame of Boxes[0] (videos).
	FirstFrame int `json:"first_frame,omitempty"`
	// Boxes is the object's box in each processed frame from FirstFrame
	// on; a nil entry (JSON null) is a gap frame: the object is on screen
	// but was not detected. An image uses Boxes[0], which must not be nil.
	// The object is on screen (one timestamp range) from FirstFrame to its
	// last entry.
	Boxes []*dragoneye.BboxObservation `json:"boxes"`
	// Categories of the object.
	Categories []Category `json:"categories,omitempty"`
}

// Category is one category of a scripted object with its Attributes (the
// traits: for each attribute, the chosen option and its score), as the
// service's image results carry it.
type Category = dragoneye.ImageCategoryPrediction

// Trait is the chosen option of one attribute with its score (the
// service's attribute prediction), held over the object's whole life in a
// video (one scored range from its first to its last frame).
type Trait = dragoneye.ImageAttributePrediction

// Script chooses which tasks a Prediction is for. Empty fields match any
// task; the newest script that matches a task when /predict is called wins
// (then the built-in models, then DefaultPrediction).
type Script struct {
	// Model matches the model_name given to /predict.
	Model string `json:"model,omitempty"`
	// FileName matches the file_name given when the task began (the
	// media's name).
	FileName string `json:"file_name,omitempty"`
	// Kind matches "image" or "video" tasks.
	Kind string `json:"kind,omitempty"`
	// Prediction is what the matching tasks return.
	Prediction Prediction `json:"prediction"`
}

func (sc Script) matches(model, fileName, kind string) bool {
	return (sc.Model == "" || sc.Model == model) && (sc.FileName == "" || sc.FileName == fileName) &&
		(sc.Kind == "" || sc.Kind == kind)
}

// Validate reports what is wrong with a script: an unknown kind, an object
// without boxes or with frames past 100,000, a Frames count past that, or
// a first box that is a gap in a script that may serve images (Kind not
// "video"): an image needs a box.
func (sc Script) Validate() error {
	switch sc.Kind {
	case "", "image", "video":
	default:
		return fmt.Errorf("kind %q is neither \"image\" nor \"video\"", sc.Kind)
	}
	for i, o := range sc.Prediction.Objects {
		switch {
		case len(o.Boxes) == 0:
			return fmt.Errorf("objects[%d]: boxes must not be empty", i)
		case o.FirstFrame < 0:
			return fmt.Errorf("objects[%d]: first_frame must not be negative", i)
		case o.FirstFrame > maxRateFrames-len(o.Boxes):
			return fmt.Errorf("objects[%d]: its frames (first_frame + len(boxes)) go past %d, the most a video has here", i, maxRateFrames)
		case o.Boxes[0] == nil && sc.Kind != "video":
			return fmt.Errorf("objects[%d]: boxes[0] is a gap frame, but an image needs a box (set kind \"video\" or give a box)", i)
		}
	}
	if sc.Prediction.Frames < 0 || sc.Prediction.Frames > maxRateFrames {
		return fmt.Errorf("frames must be between 0 and %d", maxRateFrames)
	}
	return nil
}

// DefaultPrediction is what a model without a scripted Prediction returns:
// the README examples of the official SDKs (a detached house with a white
// exterior; in a video tracked over four frames, the third a gap frame, at
// the task's frame rate).
func DefaultPrediction() Prediction {
	box := func(x float32) *dragoneye.BboxObservation {
		return &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, 0.25, x + 0.43, 0.78}, BboxScore: 0.94}
	}
	return Prediction{Objects: []Object{{
		ObjectID: 1,
		Boxes:    []*dragoneye.BboxObservation{box(0.12), box(0.14), nil, box(0.18)},
		Categories: []Category{{
			CategoryID: 2084323334, Name: "House (detached)", Score: 0.92,
			Attributes: []Trait{{AttributeID: 1371766615, AttributeName: "Building Exterior Color",
				OptionID: 3498033303, OptionName: "White / Off-white", Score: 0.85}},
		}},
	}}}
}

// Image returns the results of an image task: ImageObjects when set, else
// Objects with their first box.
func (p Prediction) Image() []dragoneye.ImageDetectedObject {
	if p.ImageObjects != nil {
		return p.ImageObjects
	}
	out := make([]dragoneye.ImageDetectedObject, 0, len(p.Objects))
	for i, o := range p.Objects {
		obj := dragoneye.ImageDetectedObject{ObjectID: objectID(o, i), Categories: []dragoneye.ImageCategoryPrediction{}}
		if len(o.Boxes) > 0 && o.Boxes[0] != nil {
			obj.BboxObservation = *o.Boxes[0]
		}
		for _, c := range o.Categories {
			c.Attributes = append([]dragoneye.ImageAttributePrediction{}, c.Attributes...)
			obj.Categories = append(obj.Categories, c)
		}
		out = append(out, obj)
	}
	return out
}

// FrameTimestampUs is the timestamp of processed frame i of a video sampled
// at fps frames per second (fps < 1 counts as 1).
func FrameTimestampUs(i, fps int) int64 {
	return int64(i) * 1_000_000 / int64(max(fps, 1))
}

// Video returns the results of a video task sampled at fps frames per
// second: the objects and the processed frames' timestamps. VideoObjects,
// when set, are returned as they are (with FrameTimestampsUs, or the frames
// their observations imply); otherwise Objects are placed on the frames at
// fps.
func (p Prediction) Video(fps int) ([]dragoneye.VideoDetectedObject, []int64) {
	if p.VideoObjects != nil {
		frames := p.FrameTimestampsUs
		if frames == nil {
			frames = framesOf(p.VideoObjects, fps)
		}
		return p.VideoObjects, frames
	}
	ts := func(i int) int64 { return FrameTimestampUs(i, fps) }
	out := make([]dragoneye.VideoDetectedObject, 0, len(p.Objects))
	last := -1
	for i, o := range p.Objects {
		obj := dragoneye.VideoDetectedObject{ObjectID: objectID(o, i), TimestampRanges: []dragoneye.TimestampRange{},
			BboxObservations: []dragoneye.VideoBboxObservation{}, Categories: []dragoneye.VideoCategoryPrediction{}}
		for j, b := range o.Boxes {
			obj.BboxObservations = append(obj.BboxObservations, dragoneye.VideoBboxObservation{TimestampUs: ts(o.FirstFrame + j), Observation: b})
		}
		end := o.FirstFrame + len(o.Boxes) - 1
		last = max(last, end)
		if len(o.Boxes) > 0 {
			obj.TimestampRanges = append(obj.TimestampRanges, dragoneye.TimestampRange{StartUs: ts(o.FirstFrame), EndUs: ts(end)})
		}
		for _, c := range o.Categories {
			vc := dragoneye.VideoCategoryPrediction{CategoryID: c.CategoryID, Name: c.Name, Score: c.Score,
				Attributes: []dragoneye.VideoAttributePrediction{}}
			for _, t := range c.Attributes {
				ranges := []dragoneye.ScoredTimestampRange{{StartUs: ts(o.FirstFrame), EndUs: ts(end), Score: t.Score}}
				vc.Attributes = append(vc.Attributes, dragoneye.VideoAttributePrediction{AttributeID: t.AttributeID,
					AttributeName: t.AttributeName, OptionID: t.OptionID, OptionName: t.OptionName, TimestampRanges: ranges})
			}
			obj.Categories = append(obj.Categories, vc)
		}
		out = append(out, obj)
	}
	n := p.Frames
	if n == 0 {
		n = last + 1
	}
	n = min(n, maxRateFrames)
	frames := make([]int64, n)
	for i := range frames {
		frames[i] = ts(i)
	}
	return out, frames
}

func objectID(o Object, i int) int64 {
	if o.ObjectID != 0 {
		return o.ObjectID
	}
	return int64(i) + 1
}

// maxRateFrames bounds the frames a task lists at its rate.
const maxRateFrames = 100_000

// framesOf is every observation's timestamp plus the frames at fps up to
// the last one (at most maxRateFrames of those).
func framesOf(objs []dragoneye.VideoDetectedObject, fps int) []int64 {
	seen := map[int64]bool{}
	var last int64
	for _, o := range objs {
		for _, b := range o.BboxObservations {
			seen[b.TimestampUs] = true
			last = max(last, b.TimestampUs)
		}
	}
	if fps > 0 && len(seen) > 0 {
		// At least 1 µs apart, and at most maxRateFrames of them: a rate
		// over 1,000,000/s or a very long video must not loop for ever.
		for i := 0; i < maxRateFrames; i++ {
			ts := FrameTimestampUs(i, fps)
			if ts > last {
				break
			}
			seen[ts] = true
		}
	}
	out := make([]int64, 0, len(seen))
	for ts := range seen {
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WithScript adds scripts (see Script); later ones win over earlier ones.
func WithScript(scripts ...Script) Option {
	return func(c *config) { c.scripts = append(c.scripts, scripts...) }
}

// WithModel scripts what tasks predicted with model return (a Script with
// only Model set).
func WithModel(model string, p Prediction) Option {
	return WithScript(Script{Model: model, Prediction: p})
}

// AddScript adds a script to a running server; it wins over every earlier
// one. A script Validate refuses is an error.
func (s *Server) AddScript(sc Script) error {
	if err := sc.Validate(); err != nil {
		return fmt.Errorf("dragoneyetest: script: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, sc)
	return nil
}

// SetModel scripts (or re-scripts) a model on a running server.
func (s *Server) SetModel(model string, p Prediction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = append(s.scripts, Script{Model: model, Prediction: p})
}

// Scripts returns the scripts in force, oldest first (the built-in models
// FailModel and SlowModel first).
func (s *Server) Scripts() []Script {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Script(nil), s.scripts...)
}

// ClearScripts forgets every script added with WithScript, WithModel,
// AddScript, SetModel or the admin endpoint; the built-in models stay.
func (s *Server) ClearScripts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = builtinScripts()
}

func builtinScripts() []Script {
	return []Script{
		{Model: FailModel, Prediction: Prediction{Polls: 1, Fail: "failed_prediction"}},
		{Model: SlowModel, Prediction: Prediction{Polls: 1 << 30}},
	}
}

// predictionFor picks the prediction of a task (s.mu held).
func (s *Server) predictionFor(model, fileName, kind string) Prediction {
	for i := len(s.scripts) - 1; i >= 0; i-- {
		if s.scripts[i].matches(model, fileName, kind) {
			return s.scripts[i].Prediction
		}
	}
	return DefaultPrediction()
}

// AdminPredictionsPath is the admin endpoint that scripts predictions over
// HTTP (see the package documentation).
const AdminPredictionsPath = "/_emulator/predictions"

// serveAdmin serves AdminPredictionsPath.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSuffix(r.URL.Path, "/") != AdminPredictionsPath {
		adminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path+
			" (dragoneye serves GET, POST and DELETE "+AdminPredictionsPath+")")
		return
	}
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Scripts())
	case http.MethodPost:
		var sc Script
		dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sc); err != nil {
			adminError(w, http.StatusBadRequest, "script: "+err.Error())
			return
		}
		if err := s.AddScript(sc); err != nil {
			adminError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "dragoneyetest: "))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		s.ClearScripts()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, POST, DELETE")
		adminError(w, http.StatusMethodNotAllowed, r.Method+" "+AdminPredictionsPath+": use GET, POST or DELETE")
	}
}

// adminError answers in the kit's admin error shape.
func adminError(w http.ResponseWriter, status int, msg string) {
	type body struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error body `json:"error"`
	}{body{Type: "invalid_request", Message: "emulator dragoneye: " + msg}})
}
