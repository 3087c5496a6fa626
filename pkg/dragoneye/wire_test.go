package dragoneye_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// The JSON wire types of the calls are the ones generated from
// specs/dragoneye.yaml into models.gen.go; only the decoded Parquet results
// are written by hand. This fails the day someone replaces a generated type
// with a hand copy, or adds a JSON type without saying why.
func TestWireTypesAreGenerated(t *testing.T) {
	const parquet = "decoded from the results Parquet files, not JSON on the wire; " +
		"the spec's schema of the same name documents it (excluded from codegen in " +
		"specs/codegen/dragoneye-models.yaml); the json tags name the fields for " +
		"JSON output (internal/resultjson, the conformance cross-checks)"
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: ".",
		Generated: []string{
			// POST /prediction-task/begin
			"BeginPredictionTaskForm", "PredictionTaskBegin", "MediaUploadURL", "PresignedPostRequest",
			"PredictionType", "ResponseVersion",
			// POST /predict
			"PredictForm", "PredictStarted",
			// GET /prediction-task/status
			"TaskStatus",
			// every error body
			"ErrorResponse",
		},
		// Exactly the tags of the twelve result types (all in results.go):
		// users marshal results to JSON with the Python SDK's field names,
		// and the conformance cross-checks compare that JSON, so they stay.
		// Any new hand-written tag fails here.
		MaxJSONTags: 42,
		HandWritten: map[string]string{
			"TimestampRange":           parquet,
			"ScoredTimestampRange":     parquet,
			"BboxObservation":          parquet,
			"VideoBboxObservation":     parquet,
			"ImageAttributePrediction": parquet,
			"ImageCategoryPrediction":  parquet,
			"ImageDetectedObject":      parquet,
			"VideoAttributePrediction": parquet,
			"VideoCategoryPrediction":  parquet,
			"VideoDetectedObject":      parquet,
			"ImageResult":              parquet + "; plus the task id and the X-Original-File-Name header",
			"VideoResult":              parquet + "; plus the task id and the X-Frames-Per-Second and X-Original-File-Name headers",
		},
	})
	require.NoError(t, err)
	t.Logf("hand-written json tags: %d; generated types: %v", rep.JSONTags, rep.GeneratedTypes)
	require.NoError(t, rep.Error())
}
