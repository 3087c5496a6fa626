package dragoneye_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
)

func sampleVideo() ([]dragoneye.VideoDetectedObject, []int64) {
	box := func(x float32, s float32) *dragoneye.BboxObservation {
		return &dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{x, 0.25, x + 0.4, 0.78}, BboxScore: s}
	}
	objs := []dragoneye.VideoDetectedObject{
		{
			ObjectID:        1,
			TimestampRanges: []dragoneye.TimestampRange{{StartUs: 0, EndUs: 3_000_000}},
			BboxObservations: []dragoneye.VideoBboxObservation{
				{TimestampUs: 0, Observation: box(0.12, 0.94)},
				{TimestampUs: 1_000_000, Observation: box(0.13, 0.9)},
				{TimestampUs: 2_000_000, Observation: nil}, // gap frame
				{TimestampUs: 3_000_000, Observation: box(0.15, 0.8)},
			},
			Categories: []dragoneye.VideoCategoryPrediction{{
				CategoryID: 2084323334, Name: "House (detached)", Score: 0.92,
				Attributes: []dragoneye.VideoAttributePrediction{
					{AttributeID: 1371766615, AttributeName: "Building Exterior Color", OptionID: 3498033303, OptionName: "White / Off-white",
						TimestampRanges: []dragoneye.ScoredTimestampRange{{StartUs: 0, EndUs: 1_000_000, Score: 0.85}}},
					{AttributeID: 1371766615, AttributeName: "Building Exterior Color", OptionID: 3498033304, OptionName: "Grey",
						TimestampRanges: []dragoneye.ScoredTimestampRange{{StartUs: 2_000_000, EndUs: 3_000_000, Score: 0.6}}},
				},
			}},
		},
		{ObjectID: 1 << 40}, // every list null
		{
			ObjectID:         3,
			TimestampRanges:  []dragoneye.TimestampRange{},
			BboxObservations: []dragoneye.VideoBboxObservation{{TimestampUs: 1_000_000, Observation: box(0.5, 0.5)}},
			Categories:       []dragoneye.VideoCategoryPrediction{{CategoryID: 7, Name: "Car", Score: 0.3}, {CategoryID: 8, Name: "Truck", Score: 0.6, Attributes: []dragoneye.VideoAttributePrediction{}}},
		},
	}
	return objs, []int64{3_000_000, 0, 2_000_000, 1_000_000, 4_000_000}
}

// normalise turns nil lists into empty ones, as the decoder does.
func normaliseVideo(objs []dragoneye.VideoDetectedObject) []dragoneye.VideoDetectedObject {
	out := make([]dragoneye.VideoDetectedObject, len(objs))
	for i, o := range objs {
		if o.TimestampRanges == nil {
			o.TimestampRanges = []dragoneye.TimestampRange{}
		}
		if o.BboxObservations == nil {
			o.BboxObservations = []dragoneye.VideoBboxObservation{}
		}
		if o.Categories == nil {
			o.Categories = []dragoneye.VideoCategoryPrediction{}
		}
		cats := make([]dragoneye.VideoCategoryPrediction, len(o.Categories))
		for j, c := range o.Categories {
			if c.Attributes == nil {
				c.Attributes = []dragoneye.VideoAttributePrediction{}
			}
			cats[j] = c
		}
		o.Categories = cats
		out[i] = o
	}
	return out
}

func TestDecodeVideoRoundTrip(t *testing.T) {
	objs, frames := sampleVideo()
	body, err := dragoneyetest.EncodeVideoResults(objs, frames)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(body, []byte("PK\x03\x04")))
	requireStored(t, body)

	got, ts, err := dragoneye.DecodeVideoObjects(body)
	require.NoError(t, err)
	require.Equal(t, []int64{0, 1_000_000, 2_000_000, 3_000_000, 4_000_000}, ts)
	require.Equal(t, normaliseVideo(objs), got)
	require.Nil(t, got[0].BboxObservations[2].Observation, "gap frame kept with a nil observation")
	require.Equal(t, int64(2_000_000), got[0].BboxObservations[2].TimestampUs)
	require.Equal(t, int64(3498033303), got[0].Categories[0].Attributes[0].OptionID)

	// JSON shows empty lists, never null lists.
	j, err := json.Marshal(got[1])
	require.NoError(t, err)
	require.JSONEq(t, `{"object_id":1099511627776,"timestamp_ranges":[],"bbox_observations":[],"categories":[]}`, string(j))
}

func requireStored(t testing.TB, body []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	for _, f := range zr.File {
		require.Equal(t, zip.Store, f.Method, f.Name)
	}
}

func TestDecodeImageRoundTrip(t *testing.T) {
	objs := []dragoneye.ImageDetectedObject{
		{
			ObjectID:        1,
			BboxObservation: dragoneye.BboxObservation{NormalizedBbox: dragoneye.NormalizedBbox{0.12, 0.25, 0.55, 0.78}, BboxScore: 0.94},
			Categories: []dragoneye.ImageCategoryPrediction{{
				CategoryID: 2084323334, Name: "House (detached)", Score: 0.92,
				Attributes: []dragoneye.ImageAttributePrediction{{AttributeID: 1371766615, AttributeName: "Building Exterior Color", OptionID: 3498033303, OptionName: "White / Off-white", Score: 0.85}},
			}},
		},
		{ObjectID: 2, Categories: []dragoneye.ImageCategoryPrediction{}},
	}
	body, err := dragoneyetest.EncodeImageResults(objs)
	require.NoError(t, err)
	got, err := dragoneye.DecodeImageObjects(body)
	require.NoError(t, err)
	require.Equal(t, objs, got)
	top, ok := got[0].TopCategory()
	require.True(t, ok)
	require.Equal(t, "House (detached)", top.Name)
	_, ok = got[1].TopCategory()
	require.False(t, ok)
}

func TestDecodeEmptyResults(t *testing.T) {
	body, err := dragoneyetest.EncodeVideoResults(nil, nil)
	require.NoError(t, err)
	objs, ts, err := dragoneye.DecodeVideoObjects(body)
	require.NoError(t, err)
	require.NotNil(t, objs)
	require.Empty(t, objs)
	require.NotNil(t, ts)
	require.Empty(t, ts)

	img, err := dragoneye.DecodeImageObjects(body)
	require.NoError(t, err)
	require.NotNil(t, img)
	require.Empty(t, img)
}

func predictionsOnly(t testing.TB, body []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	for _, f := range zr.File {
		if f.Name == "predictions.parquet" {
			rc, err := f.Open()
			require.NoError(t, err)
			defer rc.Close()
			var b bytes.Buffer
			_, err = b.ReadFrom(rc)
			require.NoError(t, err)
			return b.Bytes()
		}
	}
	t.Fatal("no predictions.parquet")
	return nil
}

func zipOf(t *testing.T, method uint16, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestDecodeBareParquetAndDeflate(t *testing.T) {
	objs, frames := sampleVideo()
	body, err := dragoneyetest.EncodeVideoResults(objs, frames)
	require.NoError(t, err)
	pred := predictionsOnly(t, body)

	got, ts, err := dragoneye.DecodeVideoObjects(pred) // bare Parquet, sniffed by PAR1
	require.NoError(t, err)
	require.Empty(t, ts)
	require.Equal(t, normaliseVideo(objs), got)

	deflated := zipOf(t, zip.Deflate, map[string][]byte{"predictions.parquet": pred, "other.txt": []byte("x")})
	got, _, err = dragoneye.DecodeVideoObjects(deflated)
	require.NoError(t, err)
	require.Len(t, got, len(objs))
}

func TestDecodeBadInput(t *testing.T) {
	objs, frames := sampleVideo()
	good, err := dragoneyetest.EncodeVideoResults(objs, frames)
	require.NoError(t, err)
	pred := predictionsOnly(t, good)

	many := map[string][]byte{"predictions.parquet": pred}
	for i := range 20 {
		many[filepath.Join("x", string(rune('a'+i)))] = nil
	}
	bomb := zipOf(t, zip.Deflate, map[string][]byte{"predictions.parquet": make([]byte, 2<<20)})

	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "empty results body"},
		{"json", `{"detail":"x"}`, "neither a ZIP archive nor a Parquet file"},
		{"truncated zip", string(good[:len(good)/2]), "results archive"},
		{"no predictions member", string(zipOf(t, zip.Store, map[string][]byte{"frame_timestamps.parquet": nil})), "missing predictions.parquet"},
		{"too many entries", string(zipOf(t, zip.Store, many)), "more than the limit"},
		{"zip bomb", string(bomb), "over the limit"},
		{"truncated parquet", string(pred[:len(pred)-10]), "predictions.parquet"},
		{"corrupt parquet", string(append([]byte("PAR1"), bytes.Repeat([]byte{0xff}, 64)...)), "predictions.parquet"},
		{"garbage member", string(zipOf(t, zip.Store, map[string][]byte{"predictions.parquet": []byte("PAR1garbagePAR1")})), "predictions.parquet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := dragoneye.DecodeVideoObjectsLimit([]byte(tc.body), 1<<20)
			var re *dragoneye.ResultsError
			require.True(t, errors.As(err, &re), "%v", err)
			require.Contains(t, re.Error(), tc.want)
			_, err = dragoneye.DecodeImageObjectsLimit([]byte(tc.body), 1<<20)
			require.True(t, errors.As(err, &re), "%v", err)
		})
	}
}

func TestDecodePolarsFixture(t *testing.T) {
	// testdata/polars_video.zip is the "video" case of
	// conformance/dragoneye/cases.json written by make_fixtures.py with polars
	// (the service's likely writer). polars_video.json is its decoding, which
	// conformance/test_dragoneye_parquet.py checks equal to the description
	// and to the official dragoneye-python 2.0.0 reading.
	// polars_video_snappy_rowgroups.zip is the same case written with
	// make_fixtures.archive(case, compression="snappy", row_group_size=2,
	// data_page_size=64): two rows per row group, many pages.
	want, err := os.ReadFile("testdata/polars_video.json")
	require.NoError(t, err)
	for _, name := range []string{"polars_video.zip", "polars_video_snappy_rowgroups.zip"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		objs, ts, err := dragoneye.DecodeVideoObjects(body)
		require.NoError(t, err, name)
		got, err := json.Marshal(map[string]any{"objects": objs, "frame_timestamps_microseconds": ts})
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(got), name)
	}
}

func TestNearestFrameAndDetections(t *testing.T) {
	objs, frames := sampleVideo()
	body, err := dragoneyetest.EncodeVideoResults(objs, frames)
	require.NoError(t, err)
	o, ts, err := dragoneye.DecodeVideoObjects(body)
	require.NoError(t, err)
	res := &dragoneye.VideoResult{Objects: o, FrameTimestampsUs: ts, FramesPerSecond: 1}

	tests := []struct {
		at        time.Duration
		wantFrame int64
		wantIDs   []int64
	}{
		{-time.Second, 0, []int64{1}},
		{400 * time.Millisecond, 0, []int64{1}},
		{500 * time.Millisecond, 0, []int64{1}}, // tie: earlier frame
		{600 * time.Millisecond, 1_000_000, []int64{1, 3}},
		{2 * time.Second, 2_000_000, nil}, // object 1 is in a gap frame
		{3100 * time.Millisecond, 3_000_000, []int64{1}},
		{time.Hour, 4_000_000, nil},
	}
	for _, tc := range tests {
		frame, dets := res.DetectionsAt(tc.at)
		require.Equal(t, tc.wantFrame, frame, tc.at)
		var ids []int64
		for _, d := range dets {
			ids = append(ids, d.Object.ObjectID)
			require.NotNil(t, d.Observation)
		}
		require.Equal(t, tc.wantIDs, ids, tc.at)
	}

	// Without a frame list, the observations' timestamps are the frames.
	res.FrameTimestampsUs = nil
	frame, ok := res.NearestFrame(10 * time.Second)
	require.True(t, ok)
	require.Equal(t, int64(3_000_000), frame)
	_, ok = (&dragoneye.VideoResult{}).NearestFrame(0)
	require.False(t, ok)

	top, ok := res.Objects[2].TopCategory()
	require.True(t, ok)
	require.Equal(t, "Truck", top.Name)
}

// A STORED member whose headers claim 400 MiB (under the default limit) in a
// body of a few hundred bytes must not make the decoder allocate 400 MiB
// before finding the data missing.
func TestStoredMemberClaimingHugeSizeAllocatesLittle(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "predictions.parquet", Method: zip.Store,
		CompressedSize64: 400 << 20, UncompressedSize64: 400 << 20})
	require.NoError(t, err)
	_, err = w.Write([]byte("PAR1 not really"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	body := buf.Bytes()

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err = dragoneye.DecodeVideoObjects(body)
	runtime.ReadMemStats(&after)
	var re *dragoneye.ResultsError
	require.ErrorAs(t, err, &re)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "allocated for a size the body cannot hold")
}

// Distances between timestamps far apart overflow int64: the nearest frame
// must still be the nearest.
func TestNearestFrameAtExtremeTimestamps(t *testing.T) {
	r := &dragoneye.VideoResult{FrameTimestampsUs: []int64{math.MinInt64, math.MaxInt64}}
	ts, ok := r.NearestFrame(5 * time.Microsecond)
	require.True(t, ok)
	require.Equal(t, int64(math.MaxInt64), ts) // 2^63-6 away, against 2^63+5
	ts, _ = r.NearestFrame(-5 * time.Microsecond)
	require.Equal(t, int64(math.MinInt64), ts)
}
