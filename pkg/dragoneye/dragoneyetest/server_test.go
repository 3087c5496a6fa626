package dragoneyetest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

type beginReply struct {
	PredictionTaskUUID string `json:"prediction_task_uuid"`
	PredictionType     string `json:"prediction_type"`
	SignedURLs         []struct {
		BlobPath             string `json:"blob_path"`
		PresignedPostRequest struct {
			URL    string            `json:"url"`
			Fields map[string]string `json:"fields"`
		} `json:"presigned_post_request"`
	} `json:"signed_urls"`
}

func do(t *testing.T, method, u, contentType string, body io.Reader, key string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b, resp.Header
}

// beginMultipart begins a task the way the node SDK does (multipart form).
func beginMultipart(t *testing.T, srv *dragoneyetest.Server, mimeType string) beginReply {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("mimetype", mimeType))
	require.NoError(t, mw.WriteField("response_version", "parquet_object"))
	require.NoError(t, mw.WriteField("file_name", "x"))
	require.NoError(t, mw.Close())
	code, body, _ := do(t, http.MethodPost, srv.URL+"/prediction-task/begin", mw.FormDataContentType(), &buf, dragoneyetest.APIKey)
	require.Equal(t, http.StatusOK, code, string(body))
	var br beginReply
	require.NoError(t, json.Unmarshal(body, &br))
	return br
}

type part struct{ name, value string }

func uploadBody(t *testing.T, parts []part) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.name == "file" {
			w, err := mw.CreateFormFile("file", "file")
			require.NoError(t, err)
			_, err = w.Write([]byte(p.value))
			require.NoError(t, err)
			continue
		}
		require.NoError(t, mw.WriteField(p.name, p.value))
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

func TestUploadChecksThePresignedPost(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	br := beginMultipart(t, srv, "image/png")
	require.Equal(t, "image", br.PredictionType)
	target := br.SignedURLs[0].PresignedPostRequest
	f := target.Fields
	good := []part{{"key", f["key"]}, {"policy", f["policy"]}, {"x-amz-signature", f["x-amz-signature"]}}

	tests := []struct {
		name  string
		parts []part
		key   string
		want  int
	}{
		{"API key sent", append(append([]part{}, good...), part{"file", "data"}), dragoneyetest.APIKey, http.StatusForbidden},
		{"file not last", append([]part{{"file", "data"}}, good...), "", http.StatusBadRequest},
		{"field missing", append(append([]part{}, good[:2]...), part{"file", "data"}), "", http.StatusForbidden},
		{"field wrong", []part{good[0], {"policy", "forged"}, good[2], {"file", "data"}}, "", http.StatusForbidden},
		{"no file", good, "", http.StatusBadRequest},
		{"ok", append(append([]part{}, good...), part{"file", "data"}), "", http.StatusNoContent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := uploadBody(t, tc.parts)
			code, resp, _ := do(t, http.MethodPost, target.URL, ct, body, tc.key)
			require.Equal(t, tc.want, code, string(resp))
		})
	}
	task, ok := srv.Task(br.PredictionTaskUUID)
	require.True(t, ok)
	require.True(t, task.Uploaded)
	require.Equal(t, int64(4), task.UploadBytes)
	// Only "no file" broke the spec (the file part is required there); the
	// emulator's own checks answered the rest.
	v := srv.Violations()
	require.Len(t, v, 1)
	require.Contains(t, v[0].Message, `"file" is missing`)
}

func TestTaskLifecycle(t *testing.T) {
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m", dragoneyetest.Prediction{Polls: 1}))
	br := beginMultipart(t, srv, "video/webm")
	require.Equal(t, "video", br.PredictionType)
	id := br.PredictionTaskUUID
	status := func() string {
		code, body, _ := do(t, http.MethodGet, srv.URL+"/prediction-task/status?predictionTaskUuid="+id, "", nil, dragoneyetest.APIKey)
		require.Equal(t, http.StatusOK, code, string(body))
		var st dragoneye.TaskStatus
		require.NoError(t, json.Unmarshal(body, &st))
		require.Equal(t, dragoneye.PredictionTypeVideo, st.PredictionType)
		return st.Status
	}
	results := func() (int, []byte, http.Header) {
		return do(t, http.MethodGet, srv.URL+"/prediction-task/results?response_version=parquet_object&predictionTaskUuid="+id, "", nil, dragoneyetest.APIKey)
	}
	predict := func() int {
		code, _, _ := do(t, http.MethodPost, srv.URL+"/predict", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"model_name": {"m"}, "prediction_task_uuid": {id}}.Encode()), dragoneyetest.APIKey)
		return code
	}

	require.Equal(t, "awaiting_media", status())
	require.Equal(t, http.StatusBadRequest, predict(), "predict before the upload")
	f := br.SignedURLs[0].PresignedPostRequest.Fields
	ct, body := uploadBody(t, []part{{"key", f["key"]}, {"policy", f["policy"]}, {"x-amz-signature", f["x-amz-signature"]}, {"file", "vid"}})
	code, _, _ := do(t, http.MethodPost, br.SignedURLs[0].PresignedPostRequest.URL, ct, body, "")
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, "uploaded", status())
	code, _, _ = results()
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, http.StatusOK, predict())
	require.Equal(t, http.StatusBadRequest, predict(), "predict twice")
	require.Equal(t, "queued", status())
	require.Equal(t, "predicted", status())

	code, zip, hdr := results()
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "application/zip", hdr.Get("Content-Type"))
	require.Equal(t, "1", hdr.Get("X-Frames-Per-Second"))
	require.Equal(t, "x", hdr.Get("X-Original-File-Name"))
	objs, frames, err := dragoneye.DecodeVideoObjects(zip)
	require.NoError(t, err)
	require.Empty(t, objs) // the scripted Prediction has no objects
	require.Empty(t, frames)

	code, _, _ = do(t, http.MethodGet, srv.URL+"/prediction-task/status?predictionTaskUuid="+id, "", nil, "wrong")
	require.Equal(t, http.StatusUnauthorized, code)
	code, _, _ = do(t, http.MethodGet, srv.URL+"/prediction-task/status?predictionTaskUuid=nope", "", nil, dragoneyetest.APIKey)
	require.Equal(t, http.StatusNotFound, code)
	require.Empty(t, srv.Violations())
}

func TestBeginRejects(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"text mimetype", url.Values{"mimetype": {"text/plain"}}, http.StatusBadRequest},
		{"old response version", url.Values{"mimetype": {"image/png"}, "response_version": {"parquet"}}, http.StatusBadRequest},
		{"bad fps", url.Values{"mimetype": {"video/mp4"}, "frames_per_second": {"0"}}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, hdr := do(t, http.MethodPost, srv.URL+"/prediction-task/begin", "application/x-www-form-urlencoded",
				strings.NewReader(tc.form.Encode()), dragoneyetest.APIKey)
			require.Equal(t, tc.want, code, string(body))
			require.Equal(t, "application/json", hdr.Get("Content-Type"))
			var e struct {
				Detail any `json:"detail"`
			}
			require.NoError(t, json.Unmarshal(body, &e))
		})
	}
}

func TestEncodeImageResults(t *testing.T) {
	objs := dragoneyetest.DefaultPrediction().Image()
	body, err := dragoneyetest.EncodeImageResults(objs)
	require.NoError(t, err)
	got, err := dragoneye.DecodeImageObjects(body)
	require.NoError(t, err)
	require.Equal(t, objs, got)
}

// The emulator lists every frame at the task's rate up to the last
// observation: a rate above 1,000,000 frames per second (a zero step) looped
// for ever, and a high rate over a long video built a huge list. Results
// come back promptly either way.
func TestResultsForExtremeFrameRates(t *testing.T) {
	long := []dragoneye.VideoDetectedObject{{ObjectID: 1, BboxObservations: []dragoneye.VideoBboxObservation{
		{TimestampUs: 0}, {TimestampUs: 1 << 50}}}}
	srv := dragoneyetest.NewServer(t, dragoneyetest.WithModel("m/long", dragoneyetest.Prediction{VideoObjects: long}))
	c, err := dragoneye.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dragoneyetest.APIKey))
	require.NoError(t, err)
	video, err := dragoneye.MediaFromBytes([]byte("\x00\x00\x00\x18ftypmp42"), "v.mp4")
	require.NoError(t, err)
	for _, tc := range []struct {
		model string
		fps   int
	}{{dragoneyetest.DefaultModel, 2_000_000}, {"m/long", 1000}} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := c.Predictions.Video(ctx, video, dragoneye.PredictParams{ModelName: tc.model, FramesPerSecond: tc.fps, Wait: dragoneye.WaitOptions{Interval: time.Millisecond}})
		cancel()
		require.NoError(t, err, "fps %d", tc.fps)
		require.Equal(t, tc.fps, res.FramesPerSecond)
		require.NotEmpty(t, res.FrameTimestampsUs)
	}
}

// The emulator's results are a STORED ZIP whose predictions.parquet has
// exactly the columns polars writes for the v2 schema (paths, physical
// types, repetition and definition levels), ZSTD-compressed, and whose
// frame_timestamps.parquet has its timestamp column.
func TestResultsArchiveMatchesPolarsLayout(t *testing.T) {
	objs, _ := dragoneyetest.DefaultPrediction().Video(1)
	body, err := dragoneyetest.EncodeVideoResults(objs, []int64{0, 1_000_000})
	require.NoError(t, err)
	polars, err := os.ReadFile("../testdata/polars_video.zip")
	require.NoError(t, err)
	members := func(b []byte) map[string]*parquet.File {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err)
		out := map[string]*parquet.File{}
		for _, f := range zr.File {
			require.Equal(t, zip.Store, f.Method, f.Name)
			rc, err := f.Open()
			require.NoError(t, err)
			data, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			out[f.Name] = pf
		}
		return out
	}
	type leaf struct {
		path     string
		kind     parquet.Kind
		rep, def int
	}
	leaves := func(f *parquet.File) []leaf {
		var out []leaf
		for _, p := range f.Schema().Columns() {
			lc, ok := f.Schema().Lookup(p...)
			require.True(t, ok)
			out = append(out, leaf{strings.Join(p, "."), lc.Node.Type().Kind(), lc.MaxRepetitionLevel, lc.MaxDefinitionLevel})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
		return out
	}
	ours, theirs := members(body), members(polars)
	require.ElementsMatch(t, []string{"predictions.parquet", "frame_timestamps.parquet"}, slices.Collect(maps.Keys(ours)))
	require.Equal(t, leaves(theirs["predictions.parquet"]), leaves(ours["predictions.parquet"]))
	for _, rg := range ours["predictions.parquet"].Metadata().RowGroups {
		for _, cc := range rg.Columns {
			require.Equal(t, format.Zstd, cc.MetaData.Codec)
		}
	}
	_, ok := ours["frame_timestamps.parquet"].Schema().Lookup("timestamp_microseconds")
	require.True(t, ok)
}
