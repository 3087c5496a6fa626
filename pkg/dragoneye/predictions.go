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
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/upload"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
)

// PredictionService runs Dragoneye predictions: Client.Predictions.
type PredictionService struct {
	core *core.Client
	raw  *dragoneyeapi.Client
}

// DefaultPollInterval is the wait between status checks when
// WaitOptions.Interval is 0 (the official SDK's interval).
const DefaultPollInterval = time.Second

// WaitOptions says how Wait, Image and Video wait for a task: Interval
// between status checks (0: DefaultPollInterval), Timeout of the whole wait
// (0: until ctx ends) and Progress, called with every status read.
type WaitOptions = poll.WaitOptions[TaskStatus]

// PredictParams configures Image and Video.
type PredictParams struct {
	// ModelName is the model to predict with, e.g.
	// "recognize_anything/<your_model_name>". Required.
	ModelName string
	// FramesPerSecond is the video sampling rate (Video only; 0 means 1, as
	// dragoneye-python 2.0.0 sends; 2.0.1 omits the field and gets the
	// service's default, which no source states). Never sent for images.
	FramesPerSecond int
	// Fields are extra form fields sent with the begin and predict calls
	// (the official SDK's **kwargs, e.g. "molecule_backend_override").
	Fields map[string]string
	// Wait says how to wait for the task to finish (status polling only, as
	// in the official SDK).
	Wait WaitOptions
}

// Succeeded reports whether the task finished successfully.
func (s TaskStatus) Succeeded() bool { return s.Status == StatusPredicted }

// Failed reports whether the task failed.
func (s TaskStatus) Failed() bool { return strings.HasPrefix(s.Status, FailedStatusPrefix) }

// Done reports whether the task finished, successfully or not.
func (s TaskStatus) Done() bool { return s.Succeeded() || s.Failed() }

// Image predicts on an image: it begins a task, uploads the media, starts
// the prediction with params.ModelName, waits for it (params.Wait) and
// returns the decoded results. Media whose MIME type is not image/* is
// refused before any request. Errors: *apierror.InputError (bad arguments),
// *StepError (a step's call failed; it wraps the *apierror.Error),
// *apierror.RunError (the task failed), *apierror.TimeoutError (the wait
// gave up) and *ResultsError (undecodable results).
//
// option.WithProgress reports the media's upload (Total is its size; a
// reader of unknown size is spooled to disk first, which is not reported).
func (p *PredictionService) Image(ctx context.Context, media *Media, params PredictParams, opts ...option.RequestOption) (*ImageResult, error) {
	task, ctx, err := p.run(ctx, "image", media, params, opts)
	if err != nil {
		return nil, err
	}
	return p.ImageResults(ctx, task)
}

// Video predicts on a video, sampled at params.FramesPerSecond (see Image).
// Media whose MIME type is not video/* is refused before any request.
func (p *PredictionService) Video(ctx context.Context, media *Media, params PredictParams, opts ...option.RequestOption) (*VideoResult, error) {
	task, ctx, err := p.run(ctx, "video", media, params, opts)
	if err != nil {
		return nil, err
	}
	return p.VideoResults(ctx, task)
}

// run does everything up to the results: begin, upload, predict, wait. It
// returns the task id and the call's context.
func (p *PredictionService) run(ctx context.Context, family string, media *Media, pp PredictParams, opts []option.RequestOption) (string, context.Context, error) {
	if err := media.check(family); err != nil {
		return "", nil, err
	}
	if strings.TrimSpace(pp.ModelName) == "" {
		return "", nil, inputErr("model name", "must not be empty")
	}
	if pp.FramesPerSecond < 0 {
		return "", nil, inputErr("frames per second", "must not be negative")
	}
	if err := checkWait(pp.Wait); err != nil {
		return "", nil, err
	}
	for k := range pp.Fields {
		if reservedFields[k] {
			return "", nil, inputErr("fields", fmt.Sprintf("%q is set by the client; it cannot be an extra field", k))
		}
	}
	ctx, err := p.core.Context(ctx, opts)
	if err != nil {
		return "", nil, err
	}
	form := url.Values{}
	form.Set("mimetype", media.MIMEType())
	form.Set("response_version", string(ResponseVersionParquetObject))
	if media.Name() != "" {
		form.Set("file_name", media.Name())
	}
	if family == "video" {
		fps := pp.FramesPerSecond
		if fps == 0 {
			fps = 1
		}
		form.Set("frames_per_second", strconv.Itoa(fps))
	}
	for k, v := range pp.Fields {
		form.Set(k, v)
	}
	begin, err := p.begin(ctx, form)
	if err != nil {
		return "", nil, err
	}
	task := begin.PredictionTaskUUID
	if err := p.uploadMedia(ctx, begin.SignedURLs[0].PresignedPostRequest, media); err != nil {
		return task, nil, &StepError{Step: StepUpload, TaskID: task, Err: err}
	}
	pf := url.Values{}
	for k, v := range pp.Fields {
		pf.Set(k, v)
	}
	pf.Set("model_name", pp.ModelName)
	pf.Set("prediction_task_uuid", task)
	err = p.core.Call(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return p.raw.PredictWithBody(ctx, formType, strings.NewReader(pf.Encode()))
	}, nil)
	if err != nil {
		return task, nil, &StepError{Step: StepPredict, TaskID: task, Err: err}
	}
	if _, err := p.Wait(ctx, task, pp.Wait); err != nil {
		return task, nil, err
	}
	return task, ctx, nil
}

const formType = "application/x-www-form-urlencoded"

// reservedFields are the form fields the client sets itself.
var reservedFields = map[string]bool{
	"mimetype": true, "response_version": true, "file_name": true, "frames_per_second": true,
	"model_name": true, "prediction_task_uuid": true,
}

func (p *PredictionService) begin(ctx context.Context, form url.Values) (*PredictionTaskBegin, error) {
	br, err := core.Execute[PredictionTaskBegin](ctx, p.core, nil, func(ctx context.Context) (*http.Response, error) {
		return p.raw.BeginPredictionTaskWithBody(ctx, formType, strings.NewReader(form.Encode()))
	})
	switch {
	case err != nil:
		return nil, &StepError{Step: StepBegin, Err: err}
	case br.PredictionTaskUUID == "":
		return nil, &StepError{Step: StepBegin, Err: errors.New("the response has no prediction_task_uuid")}
	case len(br.SignedURLs) == 0 || br.SignedURLs[0].PresignedPostRequest.URL == "":
		return nil, &StepError{Step: StepBegin, TaskID: br.PredictionTaskUUID, Err: errors.New("the response has no presigned upload URL")}
	}
	return br, nil
}

type formField struct{ name, value string }

// policyFields reads the policy fields of a presigned POST in the order the
// service sent them (a JSON object; null or absent is none); values become
// the text the official SDK sends (Python's str(): strings as they are,
// numbers as written, true/false as True/False, null as None).
func policyFields(b []byte) ([]formField, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("presigned_post_request.fields is not an object")
	}
	var out []formField
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, formField{name: key, value: pythonStr(raw)})
	}
	return out, nil
}

func pythonStr(raw json.RawMessage) string {
	switch strings.TrimSpace(string(raw)) {
	case "true":
		return "True"
	case "false":
		return "False"
	case "null": // before the string case: null unmarshals into a string as ""
		return "None"
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

// uploadMedia POSTs the media to the presigned URL as multipart/form-data:
// the policy fields first, in order, then the file (named "file") last. The
// request carries no API key and no extra headers, streams the media and
// has a Content-Length (a reader of unknown size is spooled to a temporary
// file first). It is not retried (as in the official SDK), since the media
// may be a one-shot reader.
func (p *PredictionService) uploadMedia(ctx context.Context, target PresignedPostRequest, media *Media) error {
	fields, err := policyFields(target.Fields)
	if err != nil {
		return err
	}
	u, err := url.Parse(target.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("presigned upload URL %q is not an absolute http(s) URL", target.URL)
	}
	var pre bytes.Buffer
	mw := multipart.NewWriter(&pre)
	for _, f := range fields {
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
	meter := upload.NewMeter(p.core.CallConfig(ctx).Progress, media.Name(), size)
	body := io.MultiReader(bytes.NewReader(prefix), meter.Reader(rc), bytes.NewReader(suffix))

	// The body cannot be rewound (GetBody is nil), so it is never retried.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), io.NopCloser(body))
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(prefix)) + size + int64(len(suffix))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := p.core.SendPresigned(req)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The target got no credential, but its answer may quote one the
		// API handed it (it is the API's choice of host).
		return p.core.ScrubError(apierror.FromResponse(ServiceName, resp, nil))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.Body.Close()
}

// Status returns the status of a prediction task once. A failed call is an
// *apierror.Error; a 200 whose body is empty, null, or lacks a non-empty
// "status" is an *apierror.ResponseError (a status that says nothing would
// keep Wait polling until its timeout).
func (p *PredictionService) Status(ctx context.Context, taskID string, opts ...option.RequestOption) (*TaskStatus, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, inputErr("prediction task id", "must not be empty")
	}
	st, err := core.Execute[TaskStatus](ctx, p.core, opts, func(ctx context.Context) (*http.Response, error) {
		return p.raw.GetPredictionTaskStatus(ctx, &dragoneyeapi.GetPredictionTaskStatusParams{PredictionTaskUUID: taskID})
	})
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(st.Status) == "" {
		return nil, &apierror.ResponseError{Service: ServiceName, Request: "GET /prediction-task/status",
			StatusCode: http.StatusOK, Missing: []string{"status"}, Reason: `"status" is empty`}
	}
	return st, nil
}

func checkWait(w WaitOptions) error {
	if w.Timeout < 0 {
		return inputErr("wait timeout", "must not be negative")
	}
	if w.Interval < 0 {
		return inputErr("wait interval", "must not be negative")
	}
	return nil
}

// Wait polls the status of a task (at once, then every w.Interval) until it
// is StatusPredicted, which it returns. A status starting with "failed" is an
// *apierror.RunError (Last: the final *TaskStatus); a status call that fails
// is a *StepError (StepStatus) wrapping the call's error; w.Timeout or the
// end of ctx is an *apierror.TimeoutError carrying the task id and the last
// *TaskStatus read.
func (p *PredictionService) Wait(ctx context.Context, taskID string, w WaitOptions, opts ...option.RequestOption) (*TaskStatus, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, inputErr("prediction task id", "must not be empty")
	}
	if err := checkWait(w); err != nil {
		return nil, err
	}
	ctx, err := p.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var last *TaskStatus
	st, err := poll.Until(ctx, w.Policy(DefaultPollInterval), func(ctx context.Context) (TaskStatus, bool, error) {
		s, err := p.Status(ctx, taskID)
		if err != nil {
			return TaskStatus{}, false, err
		}
		last = s
		return *s, s.Done(), nil
	}, w.Progress)
	var te *poll.TimeoutError
	switch {
	case errors.As(err, &te):
		return nil, timeoutErr(taskID, te.Elapsed, last, te.Err)
	case err != nil:
		if ctx.Err() != nil {
			return nil, timeoutErr(taskID, time.Since(start), last, err)
		}
		return nil, &StepError{Step: StepStatus, TaskID: taskID, Err: err}
	case st.Failed():
		return nil, p.core.ScrubError(&apierror.RunError{Service: ServiceName, Kind: taskKind, ID: taskID, Status: st.Status, Last: &st})
	}
	return &st, nil
}

// taskKind names a prediction task in the shared error kinds.
const taskKind = "prediction task"

func timeoutErr(taskID string, elapsed time.Duration, last *TaskStatus, err error) error {
	te := &apierror.TimeoutError{Service: ServiceName, Kind: taskKind, ID: taskID, Elapsed: elapsed, Err: err}
	if last != nil {
		te.Last = last
	}
	return te
}

// ImageResults downloads and decodes the results of a finished image task.
// Called on a video task, it returns a *KindError that says to call
// VideoResults (the results of a video carry X-Frames-Per-Second; the
// client then asks the task's status for its kind).
func (p *PredictionService) ImageResults(ctx context.Context, taskID string, opts ...option.RequestOption) (*ImageResult, error) {
	body, hdr, limit, err := p.results(ctx, taskID, opts)
	if err != nil {
		return nil, err
	}
	if hdr.Get(headerFramesPerSecond) != "" {
		if err := p.checkKind(ctx, taskID, PredictionTypeImage, opts); err != nil {
			return nil, err
		}
	}
	objs, err := decodeImageBody(body, limit)
	if err != nil {
		return nil, withTask(err, taskID)
	}
	return &ImageResult{Objects: objs, PredictionTaskUUID: taskID, OriginalFileName: hdr.Get("X-Original-File-Name")}, nil
}

// VideoResults downloads and decodes the results of a finished video task.
// Called on an image task, it returns a *KindError that says to call
// ImageResults (image results carry no X-Frames-Per-Second; the client then
// asks the task's status for its kind). Any other response without a valid
// X-Frames-Per-Second header is a *ResultsError.
func (p *PredictionService) VideoResults(ctx context.Context, taskID string, opts ...option.RequestOption) (*VideoResult, error) {
	body, hdr, limit, err := p.results(ctx, taskID, opts)
	if err != nil {
		return nil, err
	}
	fpsText := strings.TrimSpace(hdr.Get(headerFramesPerSecond))
	if fpsText == "" {
		if err := p.checkKind(ctx, taskID, PredictionTypeVideo, opts); err != nil {
			return nil, err
		}
		return nil, &ResultsError{TaskID: taskID, Reason: "missing X-Frames-Per-Second header on video results"}
	}
	fps, err := strconv.Atoi(fpsText)
	if err != nil {
		return nil, &ResultsError{TaskID: taskID, Reason: fmt.Sprintf("X-Frames-Per-Second %q is not an integer", fpsText), Err: err}
	}
	objs, ts, err := decodeVideoBody(body, limit)
	if err != nil {
		return nil, withTask(err, taskID)
	}
	return &VideoResult{Objects: objs, FramesPerSecond: fps, FrameTimestampsUs: ts, PredictionTaskUUID: taskID,
		OriginalFileName: hdr.Get("X-Original-File-Name")}, nil
}

// headerFramesPerSecond carries the sampling rate of video results.
const headerFramesPerSecond = "X-Frames-Per-Second"

// checkKind asks the task's status whether it is of kind want; a task of
// the other kind is a *KindError. When the status cannot be read, or names
// no known kind, it returns nil and the caller goes on as it would have.
func (p *PredictionService) checkKind(ctx context.Context, taskID string, want PredictionType, opts []option.RequestOption) error {
	st, err := p.Status(ctx, taskID, opts...)
	if err != nil || st.PredictionType == want ||
		(st.PredictionType != PredictionTypeImage && st.PredictionType != PredictionTypeVideo) {
		return nil
	}
	calls := map[PredictionType]string{PredictionTypeImage: "ImageResults", PredictionTypeVideo: "VideoResults"}
	return &KindError{TaskID: taskID, Kind: st.PredictionType, Called: calls[want], Use: calls[st.PredictionType]}
}

func withTask(err error, taskID string) error {
	var re *ResultsError
	if errors.As(err, &re) {
		re.TaskID = taskID
	}
	return err
}

type maxResultsKey struct{}

// WithMaxResultsSize limits the size of a results body, and the total size
// its archive's files inflate to (default DefaultMaxResultsBytes). Whatever
// the limit, an archive inflates to at most MaxResultsInflateRatio times its
// body (at least MinResultsInflateBytes). A body or archive over a limit is
// a *ResultsError wrapping ErrResultsTooLarge, refused while it is read:
// reading it allocates at most a few MiB more than the limit. Use it on the
// client or on one call.
func WithMaxResultsSize(n int64) option.RequestOption {
	return func(c *option.Config) error {
		if n <= 0 {
			return &apierror.InputError{Service: ServiceName, Field: "max results size", Reason: "must be positive"}
		}
		c.SetValue(maxResultsKey{}, n)
		return nil
	}
}

func (p *PredictionService) maxResults(ctx context.Context) int64 {
	if n, ok := p.core.CallConfig(ctx).Value(maxResultsKey{}).(int64); ok {
		return n
	}
	return DefaultMaxResultsBytes
}

// results fetches the results body, bounded by WithMaxResultsSize.
func (p *PredictionService) results(ctx context.Context, taskID string, opts []option.RequestOption) (*resultsBody, http.Header, int64, error) {
	if strings.TrimSpace(taskID) == "" {
		return nil, nil, 0, inputErr("prediction task id", "must not be empty")
	}
	ctx, err := p.core.Context(ctx, opts)
	if err != nil {
		return nil, nil, 0, err
	}
	version := dragoneyeapi.ResponseVersionParquetObject
	resp, err := p.core.Send(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return p.raw.GetPredictionTaskResults(ctx, &dragoneyeapi.GetPredictionTaskResultsParams{
			PredictionTaskUUID: taskID, ResponseVersion: &version})
	})
	if err != nil {
		return nil, nil, 0, &StepError{Step: StepResults, TaskID: taskID, Err: err}
	}
	defer resp.Body.Close()
	limit := p.maxResults(ctx)
	if resp.ContentLength > limit {
		re := tooLarge(fmt.Sprintf("results body of %d bytes is over the limit of %d", resp.ContentLength, limit))
		re.TaskID = taskID
		return nil, nil, 0, re
	}
	body, err := readResultsBody(resp.Body, limit)
	if err != nil {
		var re *ResultsError
		if errors.As(err, &re) {
			re.TaskID = taskID
			return nil, nil, 0, re
		}
		return nil, nil, 0, &StepError{Step: StepResults, TaskID: taskID, Err: err}
	}
	return body, resp.Header, limit, nil
}
