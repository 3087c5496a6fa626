package dragoneye

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/gen/dragoneyeapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/upload"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
)

// PredictParams configures PredictImage and PredictVideo.
type PredictParams struct {
	// ModelName is the model to predict with, e.g.
	// "recognize_anything/<your_model_name>". Required.
	ModelName string
	// FramesPerSecond is the video sampling rate (PredictVideo only; 0
	// means 1, as the official SDK sends). Never sent for images.
	FramesPerSecond int
	// Fields are extra form fields sent with the begin and predict calls
	// (the official SDK's **kwargs, e.g. "molecule_backend_override").
	Fields map[string]string
	// Timeout bounds the wait for the task to finish (status polling only,
	// as in the official SDK); 0 waits until ctx ends.
	Timeout time.Duration
	// PollInterval is the wait between status checks; 0 means 1 s.
	PollInterval time.Duration
	// OnStatus, if set, is called with every status read while waiting.
	OnStatus func(TaskStatus)
}

// TaskStatus is the status of a prediction task.
type TaskStatus struct {
	PredictionTaskUUID string `json:"prediction_task_uuid"`
	// PredictionType is "image" or "video", decided by the service.
	PredictionType string `json:"prediction_type"`
	// Status is an open set of values: StatusPredicted when done, a value
	// starting with FailedStatusPrefix when failed, anything else while
	// running.
	Status string `json:"status"`
}

// Succeeded reports whether the task finished successfully.
func (s TaskStatus) Succeeded() bool { return s.Status == StatusPredicted }

// Failed reports whether the task failed.
func (s TaskStatus) Failed() bool { return strings.HasPrefix(s.Status, FailedStatusPrefix) }

// Done reports whether the task finished, successfully or not.
func (s TaskStatus) Done() bool { return s.Succeeded() || s.Failed() }

// PredictImage predicts on an image: it begins a task, uploads the media,
// starts the prediction with params.ModelName, waits for it and returns the
// decoded results. Media whose MIME type is not image/* is refused before
// any request. Errors: *apierror.InputError (bad arguments), *BeginError,
// *UploadError, *TaskError, *TimeoutError, *ResultsUnavailableError and
// *ResultsError.
func (c *Client) PredictImage(ctx context.Context, media *Media, params PredictParams, opts ...option.RequestOption) (*ImageResult, error) {
	task, ctx, err := c.run(ctx, "image", media, params, opts)
	if err != nil {
		return nil, err
	}
	return c.ImageResults(ctx, task)
}

// PredictVideo predicts on a video, sampled at params.FramesPerSecond (see
// PredictImage). Media whose MIME type is not video/* is refused before any
// request.
func (c *Client) PredictVideo(ctx context.Context, media *Media, params PredictParams, opts ...option.RequestOption) (*VideoResult, error) {
	task, ctx, err := c.run(ctx, "video", media, params, opts)
	if err != nil {
		return nil, err
	}
	return c.VideoResults(ctx, task)
}

// run does everything up to the results: begin, upload, predict, wait. It
// returns the task id and the call's context.
func (c *Client) run(ctx context.Context, family string, media *Media, p PredictParams, opts []option.RequestOption) (string, context.Context, error) {
	if err := media.check(family); err != nil {
		return "", nil, err
	}
	if strings.TrimSpace(p.ModelName) == "" {
		return "", nil, inputErr("model name", "must not be empty")
	}
	if p.FramesPerSecond < 0 {
		return "", nil, inputErr("frames per second", "must not be negative")
	}
	if p.Timeout < 0 || p.PollInterval < 0 {
		return "", nil, inputErr("timeout", "must not be negative")
	}
	for k := range p.Fields {
		if reservedFields[k] {
			return "", nil, inputErr("fields", fmt.Sprintf("%q is set by the client; it cannot be an extra field", k))
		}
	}
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return "", nil, err
	}
	form := url.Values{}
	form.Set("mimetype", media.MIMEType())
	form.Set("response_version", ResponseVersion)
	if media.Name() != "" {
		form.Set("file_name", media.Name())
	}
	if family == "video" {
		fps := p.FramesPerSecond
		if fps == 0 {
			fps = 1
		}
		form.Set("frames_per_second", strconv.Itoa(fps))
	}
	for k, v := range p.Fields {
		form.Set(k, v)
	}
	begin, err := c.begin(ctx, form)
	if err != nil {
		return "", nil, err
	}
	task := begin.PredictionTaskUUID
	if err := c.uploadMedia(ctx, task, begin.SignedURLs[0].PresignedPostRequest, media); err != nil {
		return task, nil, &UploadError{TaskID: task, Err: err}
	}
	pf := url.Values{}
	for k, v := range p.Fields {
		pf.Set(k, v)
	}
	pf.Set("model_name", p.ModelName)
	pf.Set("prediction_task_uuid", task)
	resp, err := c.raw.PredictWithBody(ctx, "application/x-www-form-urlencoded", strings.NewReader(pf.Encode()))
	if err := c.core.DecodeJSON(resp, err, nil); err != nil {
		return task, nil, &TaskError{TaskID: task, Err: err}
	}
	if _, err := c.Wait(ctx, task, WaitParams{Timeout: p.Timeout, PollInterval: p.PollInterval, OnStatus: p.OnStatus}); err != nil {
		return task, nil, err
	}
	return task, ctx, nil
}

// reservedFields are the form fields the client sets itself.
var reservedFields = map[string]bool{
	"mimetype": true, "response_version": true, "file_name": true, "frames_per_second": true,
	"model_name": true, "prediction_task_uuid": true,
}

type beginResponse struct {
	PredictionTaskUUID string `json:"prediction_task_uuid"`
	PredictionType     string `json:"prediction_type"`
	SignedURLs         []struct {
		BlobPath             string           `json:"blob_path"`
		PresignedPostRequest presignedRequest `json:"presigned_post_request"`
	} `json:"signed_urls"`
}

type presignedRequest struct {
	URL    string        `json:"url"`
	Fields orderedFields `json:"fields"`
}

type formField struct{ name, value string }

// orderedFields keeps the policy fields in the order the service sent them.
type orderedFields []formField

// UnmarshalJSON reads a JSON object in order; values become the text the
// official SDK sends (Python's str(): strings as they are, numbers as
// written, true/false as True/False, null as None).
func (f *orderedFields) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		*f = nil
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return errors.New("presigned_post_request.fields is not an object")
	}
	var out orderedFields
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		out = append(out, formField{name: key, value: pythonStr(raw)})
	}
	*f = out
	return nil
}

func pythonStr(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	switch strings.TrimSpace(string(raw)) {
	case "true":
		return "True"
	case "false":
		return "False"
	case "null":
		return "None"
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

func (c *Client) begin(ctx context.Context, form url.Values) (*beginResponse, error) {
	resp, err := c.raw.BeginPredictionTaskWithBody(ctx, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	var br beginResponse
	if err := c.core.DecodeJSON(resp, err, &br); err != nil {
		return nil, &BeginError{Detail: detailOf(err), Err: err}
	}
	switch {
	case br.PredictionTaskUUID == "":
		return nil, &BeginError{Detail: "the response has no prediction_task_uuid"}
	case len(br.SignedURLs) == 0 || br.SignedURLs[0].PresignedPostRequest.URL == "":
		return nil, &BeginError{Detail: "the response has no presigned upload URL"}
	}
	return &br, nil
}

// uploadMedia POSTs the media to the presigned URL as multipart/form-data:
// the policy fields first, in order, then the file (named "file") last. The
// request carries no API key and no extra headers, streams the media and
// has a Content-Length (a reader of unknown size is spooled to a temporary
// file first). It is not retried (as in the official SDK), since the media
// may be a one-shot reader.
func (c *Client) uploadMedia(ctx context.Context, task string, target presignedRequest, media *Media) error {
	u, err := url.Parse(target.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("presigned upload URL %q is not an absolute http(s) URL", target.URL)
	}
	var pre bytes.Buffer
	mw := multipart.NewWriter(&pre)
	for _, f := range target.Fields {
		if err := mw.WriteField(f.name, f.value); err != nil {
			return err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="file"`)
	h.Set("Content-Type", media.MIMEType())
	if _, err := mw.CreatePart(h); err != nil {
		return err
	}
	head := pre.Len()
	if err := mw.Close(); err != nil {
		return err
	}
	all := pre.Bytes()
	prefix, suffix := all[:head], all[head:]

	rc, size, err := media.reader()
	if err != nil {
		return err
	}
	defer rc.Close()
	if size < 0 {
		// Storage services want a Content-Length on a POST upload, so a
		// reader of unknown size is spooled to a temporary file first.
		spool, n, cleanup, err := upload.Spool(ctx, rc, "dragoneye-upload-*")
		if err != nil {
			return err
		}
		defer cleanup()
		rc, size = spool, n
	}
	body := io.MultiReader(bytes.NewReader(prefix), rc, bytes.NewReader(suffix))

	cfg := c.core.CallConfig(ctx).Clone()
	cfg.Header = http.Header{}
	cfg.MaxRetries = 0
	cfg.APIKey, cfg.BearerToken, cfg.ResponseInto = nil, nil, nil
	uctx := option.NewContext(ctx, cfg)
	req, err := http.NewRequestWithContext(uctx, http.MethodPost, u.String(), io.NopCloser(body))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(prefix)) + size + int64(len(suffix))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.upload.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apierror.FromResponse(ServiceName, resp, nil)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

// Status returns the status of a prediction task once. A failed call is an
// *apierror.Error.
func (c *Client) Status(ctx context.Context, taskID string, opts ...option.RequestOption) (*TaskStatus, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, inputErr("prediction task id", "must not be empty")
	}
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.raw.GetPredictionTaskStatus(ctx, &dragoneyeapi.GetPredictionTaskStatusParams{PredictionTaskUuid: taskID})
	var st TaskStatus
	if err := c.core.DecodeJSON(resp, err, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// WaitParams configures Wait.
type WaitParams struct {
	// Timeout bounds the wait; 0 waits until ctx ends.
	Timeout time.Duration
	// PollInterval is the wait between checks; 0 means 1 s.
	PollInterval time.Duration
	// OnStatus, if set, is called with every status read.
	OnStatus func(TaskStatus)
}

// Wait polls the status of a task (at once, then every PollInterval) until
// it is StatusPredicted, which it returns. A status starting with "failed"
// is a *TaskError; a status call that fails is a *TaskError wrapping the
// *apierror.Error; the timeout or the end of ctx is a *TimeoutError
// carrying the task id.
func (c *Client) Wait(ctx context.Context, taskID string, p WaitParams, opts ...option.RequestOption) (*TaskStatus, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, inputErr("prediction task id", "must not be empty")
	}
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	policy := poll.Policy{Interval: p.PollInterval, Timeout: p.Timeout, Immediate: true}
	st, err := poll.Until(ctx, policy, func(ctx context.Context) (TaskStatus, bool, error) {
		s, err := c.Status(ctx, taskID)
		if err != nil {
			return TaskStatus{}, false, err
		}
		return *s, s.Done(), nil
	}, func(_ int, s TaskStatus) {
		if p.OnStatus != nil {
			p.OnStatus(s)
		}
	})
	var te *poll.TimeoutError
	switch {
	case errors.As(err, &te):
		last, _ := te.Last.(TaskStatus)
		return nil, &TimeoutError{TaskID: taskID, LastStatus: last.Status, Elapsed: te.Elapsed, Err: te}
	case err != nil:
		if ctx.Err() != nil {
			return nil, &TimeoutError{TaskID: taskID, Err: err}
		}
		return nil, &TaskError{TaskID: taskID, Err: err}
	case st.Failed():
		return nil, &TaskError{TaskID: taskID, Status: st.Status}
	}
	return &st, nil
}

// ImageResults downloads and decodes the results of a finished image task.
func (c *Client) ImageResults(ctx context.Context, taskID string, opts ...option.RequestOption) (*ImageResult, error) {
	body, hdr, limit, err := c.results(ctx, taskID, opts)
	if err != nil {
		return nil, err
	}
	objs, err := decodeImageObjects(body, limit)
	if err != nil {
		return nil, withTask(err, taskID)
	}
	return &ImageResult{Objects: objs, PredictionTaskUUID: taskID, OriginalFileName: hdr.Get("X-Original-File-Name")}, nil
}

// VideoResults downloads and decodes the results of a finished video task.
// A response without a valid X-Frames-Per-Second header is a *ResultsError.
func (c *Client) VideoResults(ctx context.Context, taskID string, opts ...option.RequestOption) (*VideoResult, error) {
	body, hdr, limit, err := c.results(ctx, taskID, opts)
	if err != nil {
		return nil, err
	}
	fpsText := strings.TrimSpace(hdr.Get("X-Frames-Per-Second"))
	if fpsText == "" {
		return nil, &ResultsError{TaskID: taskID, Reason: "missing X-Frames-Per-Second header on video results"}
	}
	fps, err := strconv.Atoi(fpsText)
	if err != nil {
		return nil, &ResultsError{TaskID: taskID, Reason: fmt.Sprintf("X-Frames-Per-Second %q is not an integer", fpsText), Err: err}
	}
	objs, ts, err := decodeVideoObjects(body, limit)
	if err != nil {
		return nil, withTask(err, taskID)
	}
	return &VideoResult{Objects: objs, FramesPerSecond: fps, FrameTimestampsUs: ts, PredictionTaskUUID: taskID,
		OriginalFileName: hdr.Get("X-Original-File-Name")}, nil
}

func withTask(err error, taskID string) error {
	var re *ResultsError
	if errors.As(err, &re) {
		re.TaskID = taskID
	}
	return err
}

type maxResultsKey struct{}

// WithMaxResultsSize limits the size of a results body, and of each file in
// its archive (default DefaultMaxResultsBytes). Use it on the client or on
// one call.
func WithMaxResultsSize(n int64) option.RequestOption {
	return func(c *option.Config) error {
		if n <= 0 {
			return &apierror.InputError{Service: ServiceName, Field: "max results size", Reason: "must be positive"}
		}
		c.SetValue(maxResultsKey{}, n)
		return nil
	}
}

func (c *Client) maxResults(ctx context.Context) int64 {
	if n, ok := c.core.CallConfig(ctx).Value(maxResultsKey{}).(int64); ok {
		return n
	}
	return DefaultMaxResultsBytes
}

// results fetches the results body, bounded by WithMaxResultsSize.
func (c *Client) results(ctx context.Context, taskID string, opts []option.RequestOption) ([]byte, http.Header, int64, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, nil, 0, inputErr("prediction task id", "must not be empty")
	}
	ctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return nil, nil, 0, err
	}
	version := dragoneyeapi.ResponseVersion(ResponseVersion)
	resp, err := c.raw.GetPredictionTaskResults(ctx, &dragoneyeapi.GetPredictionTaskResultsParams{PredictionTaskUuid: taskID, ResponseVersion: &version})
	resp, err = c.core.Check(resp, err)
	if err != nil {
		return nil, nil, 0, &ResultsUnavailableError{TaskID: taskID, Detail: detailOf(err), Err: err}
	}
	defer resp.Body.Close()
	limit := c.maxResults(ctx)
	if resp.ContentLength > limit {
		return nil, nil, 0, &ResultsError{TaskID: taskID, Reason: fmt.Sprintf("results body of %d bytes is over the limit of %d", resp.ContentLength, limit)}
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		// A length is a claim until the bytes arrive: reserve at most
		// 16 MiB for it up front; the buffer grows with what is read.
		buf.Grow(int(min(resp.ContentLength, 16<<20)))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, 0, &ResultsUnavailableError{TaskID: taskID, Detail: "reading the results body failed", Err: err}
	}
	if n > limit {
		return nil, nil, 0, &ResultsError{TaskID: taskID, Reason: fmt.Sprintf("results body is over the limit of %d bytes", limit)}
	}
	return buf.Bytes(), resp.Header, limit, nil
}
