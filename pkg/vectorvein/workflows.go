package vectorvein

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/aiclients/sdk-go/gen/vectorveinapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
)

// DefaultPollInterval is how often RunAndWait and Wait check a run, as the official SDK.
const DefaultPollInterval = 5 * time.Second

// KeyTypeWorkflow is an ordinary (workflow) API key: no key-type header is sent. The
// other value, KeyTypeVApp, is generated from the spec.
const KeyTypeWorkflow KeyType = ""

// WithKeyType says which kind of API key the client (given to NewClient) or one call
// holds: KeyTypeVApp sends VECTORVEIN-API-KEY-TYPE: VAPP, the workflow id is then the VApp
// id, and status checks must name it. KeyTypeWorkflow (the default) sends nothing.
func WithKeyType(k KeyType) option.RequestOption {
	return func(cfg *option.Config) error {
		if k != KeyTypeWorkflow && !k.Valid() {
			return inputErr("key type", `must be "" or "VAPP"`)
		}
		return option.WithHeader(HeaderKeyType, string(k))(cfg)
	}
}

// Run statuses (RunResult.Status): the envelope status of workflow/check-status.
const (
	StatusFinished = 200
	StatusRunning  = 202
)

// RunResult is the state of a run as the SDK reports it: the envelope of
// workflow/check-status (or of workflow/run) read into one value. It is not a wire type:
// the service sends these fields spread over an envelope and a data union.
type RunResult struct {
	// RunID is the run's rid.
	RunID string
	// Status is StatusFinished (200) or StatusRunning (202); in the Last of an
	// *apierror.RunError, the failed reply's envelope status (500).
	Status int
	// Message is the server's msg: FINISHED, RUNNING, QUEUED, FAILED, ...
	Message string
	// Outputs are the run's outputs once finished.
	Outputs []WorkflowOutput
	// Data is the raw data of the reply (progress details while running; the error and
	// error_task of a failed run).
	Data json.RawMessage
}

// Done reports whether the run has finished.
func (r *RunResult) Done() bool { return r != nil && r.Status == StatusFinished }

// WaitOptions tunes RunAndWait and Wait: Interval between checks (0: DefaultPollInterval;
// the first check is at once), Timeout for the whole wait counted from the end of
// workflow/run (0: only ctx), and Progress, called after every check with its 1-based
// number and the state (with 0 when workflow/run itself returned the finished run, see
// RunWorkflowRequest.WaitForCompletion).
type WaitOptions = poll.WaitOptions[*RunResult]

// WorkflowService runs workflows. Get it from Client.Workflows.
type WorkflowService struct{ c *Client }

// Run starts a run and returns its id at once (fire and forget); follow it with Status,
// Wait or Stop. req.WaitForCompletion is ignored (use RunAndWait); an empty OutputScope
// means OutputFieldsOnly. A run the server reports failed at once is an *apierror.RunError.
// workflow/run creates work (x-retry: unsafe in the spec): it is retried only when the
// request surely never reached the server (a retry could start the workflow twice); pass
// option.WithRetryUnsafe to this call to retry it like any other call.
func (s *WorkflowService) Run(ctx context.Context, req RunWorkflowRequest, opts ...option.RequestOption) (string, error) {
	req.WaitForCompletion = false
	res, err := s.start(ctx, req, opts)
	if err != nil {
		return "", err
	}
	return res.RunID, nil
}

// start calls workflow/run. The result is finished when the server already returned the
// outputs, else it carries only the run id.
func (s *WorkflowService) start(ctx context.Context, req RunWorkflowRequest, opts []option.RequestOption) (*RunResult, error) {
	if req.WorkflowID == "" {
		return nil, inputErr("workflow id", "must not be empty")
	}
	switch req.OutputScope {
	case "":
		req.OutputScope = OutputFieldsOnly
	case OutputFieldsOnly, OutputAll:
	default:
		return nil, inputErr("output scope", `must be "output_fields_only" or "all"`)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, inputErr("input fields", err.Error())
	}
	var env RunWorkflowEnvelope
	err = s.c.core.Call(wholeEnvelope(ctx), opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.RunWorkflowWithBody(ctx, &vectorveinapi.RunWorkflowParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", bytes.NewReader(body))
	}, &env)
	if err != nil {
		return nil, runFailed("", err)
	}
	data, _ := env.Data.MarshalJSON()
	res := &RunResult{RunID: env.RunID, Status: int(env.Status), Message: msgOf(env.Msg), Data: data}
	if outs, err := env.Data.AsWorkflowOutputs(); err == nil && int(env.Status) == StatusFinished {
		res.Outputs = outs
		return res, nil
	}
	if res.RunID == "" {
		if started, err := env.Data.AsRunStarted(); err == nil {
			res.RunID = started.RunID
		}
	}
	if res.RunID == "" {
		return nil, decodeErr("workflow/run", "reply has no run id")
	}
	res.Status = StatusRunning
	return res, nil
}

func msgOf(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// decodeErr is a success envelope whose data is not what the operation documents.
func decodeErr(op, reason string) error {
	return &apierror.ResponseError{Service: ServiceName, Request: op, Reason: reason}
}

// runFailed turns the error envelope 500 of workflow/run and workflow/check-status (a run
// that failed) into an *apierror.RunError; other errors pass unchanged.
func runFailed(runID string, err error) error {
	var ae *apierror.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusInternalServerError {
		return err
	}
	var env ErrorEnvelope
	if json.Unmarshal(ae.Body, &env) != nil || env.Status != http.StatusInternalServerError {
		return err
	}
	last := &RunResult{RunID: runID, Status: env.Status, Message: msgOf(env.Msg)}
	var d RunFailure
	if env.Data != nil {
		last.Data, _ = env.Data.MarshalJSON()
		d, _ = env.Data.AsRunFailure() // another shape: no details
	}
	for _, id := range []string{env.RunID, d.RunID} {
		if last.RunID == "" {
			last.RunID = id
		}
	}
	msg := stringify(d.Error)
	if task := stringify(d.ErrorTask); task != "" {
		msg += " (task " + task + ")"
	}
	return &apierror.RunError{Service: ServiceName, Kind: "workflow run", ID: last.RunID,
		Status: last.Message, Message: msg, Last: last, Err: ae}
}

func stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Status checks a run once. A finished run has Status 200 and its outputs; a running one
// Status 202. A failed run is an *apierror.RunError; an unknown run id an *apierror.Error
// with StatusCode 404. With a VApp key (WithKeyType) req.WorkflowID must be the VApp id.
func (s *WorkflowService) Status(ctx context.Context, req CheckStatusRequest, opts ...option.RequestOption) (*RunResult, error) {
	if req.RunID == "" {
		return nil, inputErr("run id", "must not be empty")
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	if req.WorkflowID == "" && s.c.core.CallConfig(ctx).Header.Get(HeaderKeyType) == string(KeyTypeVApp) {
		return nil, inputErr("workflow id", "must be set (to the VApp id) with a VApp key")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, inputErr("request", err.Error())
	}
	var env CheckStatusEnvelope
	err = s.c.core.Call(wholeEnvelope(ctx), nil, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.CheckWorkflowStatusWithBody(ctx, &vectorveinapi.CheckWorkflowStatusParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", bytes.NewReader(body))
	}, &env)
	if err != nil {
		return nil, runFailed(req.RunID, err)
	}
	res := &RunResult{RunID: req.RunID, Status: int(env.Status), Message: msgOf(env.Msg)}
	if env.Data != nil {
		res.Data = *env.Data
	}
	// data is a list of outputs for 200 and 202 (the spec, after vectorvein-sdk
	// _parse_workflow_result). Tolerated: no data, or another shape while running (kept
	// in Data only); a finished run's list must decode.
	if isArray(res.Data) {
		var outs []WorkflowOutput
		if err := json.Unmarshal(res.Data, &outs); err != nil {
			if res.Status == StatusFinished {
				return nil, decodeErr("workflow/check-status", "unexpected outputs: "+err.Error())
			}
		} else {
			res.Outputs = outs
		}
	}
	if res.Status == StatusFinished {
		return res, nil
	}
	// 201 and 202 both mean "not finished yet" here.
	res.Status = StatusRunning
	return res, nil
}

func isArray(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '['
}

// Stop stops a run.
func (s *WorkflowService) Stop(ctx context.Context, req StopRunRequest, opts ...option.RequestOption) error {
	if req.RunID == "" {
		return inputErr("run id", "must not be empty")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return inputErr("request", err.Error())
	}
	return s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.StopWorkflowRunWithBody(ctx, &vectorveinapi.StopWorkflowRunParams{APIVersion: vectorveinapi.APIVersion20240508}, "application/json", bytes.NewReader(body))
	}, nil)
}

// RunAndWait starts a run and waits for it: the first check comes at once, then one every
// wait.Interval (5 s by default). It returns the finished run, an *apierror.RunError if
// the run failed, or an *apierror.TimeoutError carrying the run id when wait.Timeout or
// ctx ended the wait first (the run goes on; resume with Wait). A run the server already
// finished (req.WaitForCompletion) is returned without polling.
func (s *WorkflowService) RunAndWait(ctx context.Context, req RunWorkflowRequest, wait WaitOptions, opts ...option.RequestOption) (*RunResult, error) {
	if wait.Timeout < 0 {
		return nil, inputErr("wait timeout", "must not be negative")
	}
	started, err := s.start(ctx, req, opts)
	if err != nil {
		return nil, err
	}
	if started.Done() {
		if wait.Progress != nil {
			wait.Progress(0, started)
		}
		return started, nil
	}
	return s.Wait(ctx, CheckStatusRequest{RunID: started.RunID, WorkflowID: req.WorkflowID}, wait, opts...)
}

// Wait waits for an existing run, like RunAndWait without starting one.
func (s *WorkflowService) Wait(ctx context.Context, req CheckStatusRequest, wait WaitOptions, opts ...option.RequestOption) (*RunResult, error) {
	if wait.Timeout < 0 {
		return nil, inputErr("wait timeout", "must not be negative")
	}
	if req.RunID == "" {
		return nil, inputErr("run id", "must not be empty")
	}
	start := time.Now()
	res, err := poll.Until(ctx, wait.Policy(DefaultPollInterval),
		func(ctx context.Context) (*RunResult, bool, error) {
			st, err := s.Status(ctx, req, opts...)
			if err != nil {
				return nil, false, err
			}
			return st, st.Done(), nil
		}, wait.Progress)
	if err == nil {
		return res, nil
	}
	var pt *poll.TimeoutError
	if errors.As(err, &pt) {
		te := &apierror.TimeoutError{Service: ServiceName, Kind: "workflow run", ID: req.RunID, Elapsed: pt.Elapsed, Err: pt.Err}
		if last, ok := pt.Last.(*RunResult); ok {
			te.Last = last
		}
		return nil, te
	}
	var ae *apierror.Error
	var re *apierror.RunError
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.As(err, &ae) && !errors.As(err, &re) {
		// The wait's ctx ended during a check.
		return nil, &apierror.TimeoutError{Service: ServiceName, Kind: "workflow run", ID: req.RunID, Elapsed: time.Since(start), Err: ctxErr}
	}
	return nil, err
}

// RunProgress is a progress object an earlier version of the spec allowed as the data of
// a running workflow/check-status.
//
// Deprecated: no source sends it; the data of check-status is a list of outputs for 200
// and 202 (vectorvein-sdk 0.3.91 _parse_workflow_result), which RunResult.Outputs holds.
// A reply that carries another shape is kept raw in RunResult.Data. The type is kept
// only so that code written against 0.1.0 compiles; it is no longer a wire type.
type RunProgress struct {
	FinishedNodes []string
}
