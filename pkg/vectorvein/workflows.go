package vectorvein

import (
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

// InputField sets one field of one node: {node_id, field_name, value}. Value is any JSON
// value (text, number, a list of uploaded oss paths, ...).
type InputField = vectorveinapi.InputField

// WorkflowOutput is one output of a finished run: {type, title, value}.
type WorkflowOutput = vectorveinapi.WorkflowOutput

// KeyType says which kind of API key the client holds.
type KeyType string

const (
	// KeyTypeWorkflow is an ordinary (workflow) API key; no header is sent.
	KeyTypeWorkflow KeyType = ""
	// KeyTypeVApp is a VApp key: VECTORVEIN-API-KEY-TYPE: VAPP is sent, the workflow id
	// is the VApp id, and status checks must name it.
	KeyTypeVApp KeyType = "VAPP"
)

// OutputScope chooses which outputs a run reports.
type OutputScope string

const (
	// OutputFieldsOnly reports the output nodes only (the default).
	OutputFieldsOnly OutputScope = "output_fields_only"
	// OutputAll reports every node's result.
	OutputAll OutputScope = "all"
)

// Run statuses (RunResult.Status): the envelope status of workflow/check-status.
const (
	StatusFinished = 200
	StatusRunning  = 202
)

// RunRequest starts a workflow run.
type RunRequest struct {
	// WorkflowID is the workflow's wid (with a VApp key, the VApp id). Required.
	WorkflowID string
	// Inputs set the workflow's input fields.
	Inputs []InputField
	// OutputScope defaults to OutputFieldsOnly.
	OutputScope OutputScope
	// KeyType is KeyTypeVApp when the client's key is a VApp key.
	KeyType KeyType
}

// RunRef names an existing run.
type RunRef struct {
	// RunID is the run's rid. Required.
	RunID string
	// WorkflowID is required with a VApp key (the VApp id), optional otherwise.
	WorkflowID string
	// KeyType is KeyTypeVApp when the client's key is a VApp key.
	KeyType KeyType
}

// RunResult is the state of a run.
type RunResult struct {
	// RunID is the run's rid.
	RunID string
	// Status is StatusFinished (200) or StatusRunning (202).
	Status int
	// Message is the server's msg: FINISHED, RUNNING, QUEUED, ...
	Message string
	// Outputs are the run's outputs once finished.
	Outputs []WorkflowOutput
	// Data is the raw data of the reply (for progress details while running).
	Data json.RawMessage
}

// Done reports whether the run has finished.
func (r *RunResult) Done() bool { return r != nil && r.Status == StatusFinished }

// WaitOptions tunes RunAndWait and Wait. The zero value (or nil) checks at once and then
// every 5 seconds until ctx ends.
type WaitOptions struct {
	// Interval between checks; 0 means DefaultPollInterval. The first check is at once.
	Interval time.Duration
	// Timeout bounds the wait, counted from the end of workflow/run; 0: only ctx.
	Timeout time.Duration
	// Progress, if set, is called after every check with its 1-based number and the state
	// (with 0 when workflow/run itself returned the finished run).
	Progress func(check int, state *RunResult)
	// WaitOnServer sends wait_for_completion: true, asking the server to hold the
	// workflow/run reply up to about 30 s; a run that finishes in that window is
	// returned without polling. Proxies may cut such long replies: off by default.
	WaitOnServer bool
}

// WorkflowService runs workflows. Get it from Client.Workflows.
type WorkflowService struct{ c *Client }

func inputErr(field, reason string) error {
	return &apierror.InputError{Service: ServiceName, Field: field, Reason: reason}
}

func keyTypeParam(k KeyType) (*vectorveinapi.KeyType, error) {
	switch k {
	case KeyTypeWorkflow:
		return nil, nil
	case KeyTypeVApp:
		v := vectorveinapi.APIKeyType(KeyTypeVApp)
		return &v, nil
	}
	return nil, inputErr("key type", `must be "" or "VAPP"`)
}

// Run starts a run and returns its id at once (fire and forget); follow it with Status,
// Wait or Stop. A run the server reports failed at once is a *WorkflowError. workflow/run
// is sent without retries (a retry could start the workflow twice); pass
// option.WithMaxRetries to this call to allow them.
func (s *WorkflowService) Run(ctx context.Context, req RunRequest, opts ...option.RequestOption) (string, error) {
	res, err := s.start(ctx, req, false, opts)
	if err != nil {
		return "", err
	}
	if res.RunID == "" {
		return "", &RequestError{Reason: "workflow/run: reply has no run id"}
	}
	return res.RunID, nil
}

// start calls workflow/run. The result is finished when the server already returned the
// outputs, else it carries only the run id.
func (s *WorkflowService) start(ctx context.Context, req RunRequest, wait bool, opts []option.RequestOption) (*RunResult, error) {
	if req.WorkflowID == "" {
		return nil, inputErr("workflow id", "must not be empty")
	}
	kt, err := keyTypeParam(req.KeyType)
	if err != nil {
		return nil, err
	}
	scope := req.OutputScope
	switch scope {
	case "":
		scope = OutputFieldsOnly
	case OutputFieldsOnly, OutputAll:
	default:
		return nil, inputErr("output scope", `must be "output_fields_only" or "all"`)
	}
	inputs := req.Inputs
	if inputs == nil {
		inputs = []InputField{}
	}
	osc := vectorveinapi.RunWorkflowRequestOutputScope(scope)
	body := vectorveinapi.RunWorkflowRequest{Wid: req.WorkflowID, OutputScope: &osc, WaitForCompletion: &wait, InputFields: inputs}
	// Starting a run is not idempotent: a retried workflow/run could start the workflow
	// twice, so retries are off unless the caller's options turn them back on.
	opts = append([]option.RequestOption{option.WithMaxRetries(0)}, opts...)
	env, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewRunWorkflowRequest(server, &vectorveinapi.RunWorkflowParams{APIVersion: APIVersion, KeyType: kt}, body)
	}, func(env *envelope, apiErr *apierror.Error) error {
		if env.Status == 500 {
			return workflowError(runIDOf(env), env, apiErr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &RunResult{RunID: runIDOf(env), Status: env.Status, Message: env.Msg, Data: env.Data}
	if env.Status == StatusFinished && isArray(env.Data) {
		if err := json.Unmarshal(env.Data, &res.Outputs); err != nil {
			return nil, &RequestError{Reason: "workflow/run: unexpected outputs", Err: err}
		}
		return res, nil
	}
	res.Status = StatusRunning
	return res, nil
}

// runIDOf prefers a top-level rid, then data.rid.
func runIDOf(env *envelope) string {
	if env.RID != "" {
		return env.RID
	}
	var d struct {
		RID string `json:"rid"`
	}
	if len(env.Data) > 0 && env.Data[0] == '{' && json.Unmarshal(env.Data, &d) == nil {
		return d.RID
	}
	return ""
}

func isArray(raw json.RawMessage) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '['
	}
	return false
}

func workflowError(runID string, env *envelope, apiErr *apierror.Error) *WorkflowError {
	we := &WorkflowError{RunID: runID, Message: env.Msg, Err: apiErr}
	var d struct {
		Error     any `json:"error"`
		ErrorTask any `json:"error_task"`
	}
	if len(env.Data) > 0 && env.Data[0] == '{' && json.Unmarshal(env.Data, &d) == nil {
		we.Detail = stringify(d.Error)
		we.Task = stringify(d.ErrorTask)
	}
	return we
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
// Status 202. A failed run is a *WorkflowError; an unknown run id an *apierror.Error with
// StatusCode 404.
func (s *WorkflowService) Status(ctx context.Context, ref RunRef, opts ...option.RequestOption) (*RunResult, error) {
	if ref.RunID == "" {
		return nil, inputErr("run id", "must not be empty")
	}
	if ref.KeyType == KeyTypeVApp && ref.WorkflowID == "" {
		return nil, inputErr("workflow id", "must be set (to the VApp id) with a VApp key")
	}
	kt, err := keyTypeParam(ref.KeyType)
	if err != nil {
		return nil, err
	}
	body := vectorveinapi.CheckStatusRequest{Rid: ref.RunID}
	if ref.WorkflowID != "" {
		body.Wid = &ref.WorkflowID
	}
	env, err := s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewCheckWorkflowStatusRequest(server, &vectorveinapi.CheckWorkflowStatusParams{APIVersion: APIVersion, KeyType: kt}, body)
	}, func(env *envelope, apiErr *apierror.Error) error {
		if env.Status == 500 {
			return workflowError(ref.RunID, env, apiErr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &RunResult{RunID: ref.RunID, Status: env.Status, Message: env.Msg, Data: env.Data}
	if env.Status == StatusFinished {
		if isArray(env.Data) {
			if err := json.Unmarshal(env.Data, &res.Outputs); err != nil {
				return nil, &RequestError{Reason: "workflow/check-status: unexpected outputs", Err: err}
			}
		}
		return res, nil
	}
	// 201 and 202 both mean "not finished yet" here.
	res.Status = StatusRunning
	return res, nil
}

// Stop stops a run.
func (s *WorkflowService) Stop(ctx context.Context, ref RunRef, opts ...option.RequestOption) error {
	if ref.RunID == "" {
		return inputErr("run id", "must not be empty")
	}
	kt, err := keyTypeParam(ref.KeyType)
	if err != nil {
		return err
	}
	_, err = s.c.call(ctx, opts, func(server string) (*http.Request, error) {
		return vectorveinapi.NewStopWorkflowRunRequest(server, &vectorveinapi.StopWorkflowRunParams{APIVersion: APIVersion, KeyType: kt}, vectorveinapi.StopRunRequest{Rid: ref.RunID})
	}, nil)
	return err
}

// RunAndWait starts a run and waits for it: the first check comes at once, then one every
// wait.Interval (5 s by default). It returns the finished run, a *WorkflowError if the
// run failed, or a *TimeoutError carrying the run id when wait.Timeout or ctx ended the
// wait first (the run goes on; resume with Wait). A run the server already finished
// (wait.WaitOnServer) is returned without polling.
func (s *WorkflowService) RunAndWait(ctx context.Context, req RunRequest, wait *WaitOptions, opts ...option.RequestOption) (*RunResult, error) {
	var w WaitOptions
	if wait != nil {
		w = *wait
	}
	started, err := s.start(ctx, req, w.WaitOnServer, opts)
	if err != nil {
		return nil, err
	}
	if started.Done() {
		if w.Progress != nil {
			w.Progress(0, started)
		}
		return started, nil
	}
	if started.RunID == "" {
		return nil, &RequestError{Reason: "workflow/run: reply has no run id"}
	}
	return s.Wait(ctx, RunRef{RunID: started.RunID, WorkflowID: req.WorkflowID, KeyType: req.KeyType}, &w, opts...)
}

// Wait waits for an existing run, like RunAndWait without starting one.
func (s *WorkflowService) Wait(ctx context.Context, ref RunRef, wait *WaitOptions, opts ...option.RequestOption) (*RunResult, error) {
	var w WaitOptions
	if wait != nil {
		w = *wait
	}
	if w.Interval <= 0 {
		w.Interval = DefaultPollInterval
	}
	if w.Timeout < 0 {
		return nil, inputErr("wait timeout", "must not be negative")
	}
	if ref.RunID == "" {
		return nil, inputErr("run id", "must not be empty")
	}
	var progress poll.Progress[*RunResult]
	if w.Progress != nil {
		progress = func(n int, st *RunResult) { w.Progress(n, st) }
	}
	res, err := poll.Until(ctx, poll.Policy{Interval: w.Interval, Timeout: w.Timeout, Immediate: true},
		func(ctx context.Context) (*RunResult, bool, error) {
			st, err := s.Status(ctx, ref, opts...)
			if err != nil {
				return nil, false, err
			}
			return st, st.Done(), nil
		}, progress)
	if err != nil {
		var pt *poll.TimeoutError
		if errors.As(err, &pt) {
			te := &TimeoutError{RunID: ref.RunID, Err: pt}
			if last, ok := pt.Last.(*RunResult); ok {
				te.Last = last
			}
			return nil, te
		}
		var re *RequestError
		if errors.As(err, &re) && ctx.Err() != nil {
			// The wait's ctx ended during a check.
			return nil, &TimeoutError{RunID: ref.RunID, Err: &poll.TimeoutError{Err: ctx.Err()}}
		}
		return nil, err
	}
	return res, nil
}
