package vectorvein_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/gen/vectorveinapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func newClient(t *testing.T, srv *vectorveintest.Server, opts ...option.RequestOption) *vectorvein.Client {
	t.Helper()
	base := []option.RequestOption{
		option.WithAPIKey(vectorveintest.APIKey),
		option.WithBaseURL(srv.APIBaseURL()),
		option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 0),
	}
	c, err := vectorvein.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// noViolations checks, at the end of a test, that every request and reply kept to the spec.
func noViolations(t *testing.T, srv *vectorveintest.Server) {
	t.Cleanup(func() { require.Empty(t, srv.Violations()) })
}

func ops(srv *vectorveintest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Operation)
	}
	return out
}

func fast(progress func(int, *vectorvein.RunResult)) vectorvein.WaitOptions {
	return vectorvein.WaitOptions{Interval: 5 * time.Millisecond, Progress: progress}
}

func TestRunFireAndForget(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{
		WorkflowID:  vectorveintest.EchoWorkflowID,
		InputFields: []vectorvein.InputField{{NodeID: "n1", FieldName: "text", Value: "hello"}},
	})
	require.NoError(t, err)
	require.NotEmpty(t, rid)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "/api/v1/open-api/workflow/run", reqs[0].Path)
	require.Equal(t, vectorveintest.APIKey, reqs[0].Header.Get("VECTORVEIN-API-KEY"))
	require.Equal(t, "20240508", reqs[0].Header.Get("VECTORVEIN-API-VERSION"))
	require.Empty(t, reqs[0].Header.Get("VECTORVEIN-API-KEY-TYPE"))
	require.JSONEq(t, `{"wid":"wf-echo","output_scope":"output_fields_only","wait_for_completion":false,
		"input_fields":[{"node_id":"n1","field_name":"text","value":"hello"}]}`, string(reqs[0].Body))

	// The run is there to check.
	st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	require.NoError(t, err)
	require.True(t, st.Done())
	require.Equal(t, "FINISHED", st.Message)
	require.Equal(t, []vectorvein.WorkflowOutput{{Type: "text", Title: "text", Value: "hello"}}, st.Outputs)
}

func TestRunAndWait(t *testing.T) {
	outputs := []vectorvein.WorkflowOutput{
		{Type: "text", Title: "Answer", Value: "42"},
		{Type: "Echarts", Title: "Chart", Value: map[string]any{"series": []any{1.0, 2.0}}},
	}
	srv := vectorveintest.NewServer(t, vectorveintest.WithWorkflows(
		vectorveintest.Workflow{ID: "three-polls", Polls: 3, Outputs: outputs},
		vectorveintest.Workflow{ID: "fails-late", Polls: 1, Fail: "LLM node timed out", FailTask: "node-7"},
	))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	tests := []struct {
		name     string
		wid      string
		checks   int
		messages []string
		wantErr  bool
	}{
		{"finishes at the first check", vectorveintest.EchoWorkflowID, 1, []string{"FINISHED"}, false},
		{"running then finished", vectorveintest.SlowWorkflowID, 2, []string{"QUEUED", "FINISHED"}, false},
		{"three polls", "three-polls", 4, []string{"QUEUED", "RUNNING", "RUNNING", "FINISHED"}, false},
		{"fails at once", vectorveintest.FailWorkflowID, 1, nil, true},
		{"fails after a poll", "fails-late", 2, []string{"QUEUED"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			var seen []string
			var lastN int
			res, err := c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: tc.wid, OutputScope: vectorvein.OutputAll},
				fast(func(n int, st *vectorvein.RunResult) {
					require.Equal(t, lastN+1, n)
					lastN = n
					seen = append(seen, st.Message)
				}))
			require.Equal(t, tc.messages, seen)
			checks := 0
			for _, op := range ops(srv) {
				if op == "checkWorkflowStatus" {
					checks++
				}
			}
			require.Equal(t, tc.checks, checks)
			if tc.wantErr {
				var re *apierror.RunError
				require.ErrorAs(t, err, &re)
				require.NotEmpty(t, re.ID)
				require.Equal(t, "workflow run", re.Kind)
				require.Equal(t, "FAILED", re.Status)
				require.NotEmpty(t, re.Message)
				require.Equal(t, re.ID, re.Last.(*vectorvein.RunResult).RunID)
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				require.Equal(t, 500, ae.StatusCode)
				require.Equal(t, "vectorvein", ae.Service)
				return
			}
			require.NoError(t, err)
			require.True(t, res.Done())
			require.NotEmpty(t, res.RunID)
			if tc.wid == "three-polls" {
				require.Equal(t, outputs, res.Outputs)
			}
		})
	}
}

func TestRunAndWaitFirstCheckAtOnceAndDefaultInterval(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	// The first check does not wait for the 5 s default interval.
	start := time.Now()
	res, err := c.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID}, vectorvein.WaitOptions{})
	require.NoError(t, err)
	require.True(t, res.Done())
	require.Less(t, time.Since(start), 2*time.Second)

	// The second check waits for the default interval: a 200 ms deadline ends the wait
	// after exactly one check.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.SlowWorkflowID}, vectorvein.WaitOptions{})
	var te *apierror.TimeoutError
	require.ErrorAs(t, err, &te)
	require.NotNil(t, te.Last)
	require.Equal(t, vectorvein.StatusRunning, te.Last.(*vectorvein.RunResult).Status)
	checks, ok := srv.RunChecks(te.ID)
	require.True(t, ok)
	require.Equal(t, 1, checks)
}

func TestRunAndWaitTimeoutCarriesRunIDAndResumes(t *testing.T) {
	srv := vectorveintest.NewServer(t, vectorveintest.WithWorkflows(vectorveintest.Workflow{ID: "slow", Polls: 2}))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	_, err := c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "slow"},
		vectorvein.WaitOptions{Interval: time.Hour, Timeout: 50 * time.Millisecond})
	var te *apierror.TimeoutError
	require.ErrorAs(t, err, &te)
	require.Equal(t, "workflow run", te.Kind)
	require.NotEmpty(t, te.ID)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, te.Last, "the one status check made is kept")
	require.Contains(t, err.Error(), te.ID)

	// Resume with the run id.
	res, err := c.Workflows.Wait(ctx, vectorvein.CheckStatusRequest{RunID: te.ID}, fast(nil))
	require.NoError(t, err)
	require.True(t, res.Done())
	require.Equal(t, te.ID, res.RunID)

	// A cancelled ctx ends the wait at once, with the run id too.
	cctx, cancel := context.WithCancel(ctx)
	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "slow"})
	require.NoError(t, err)
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	_, err = c.Workflows.Wait(cctx, vectorvein.CheckStatusRequest{RunID: rid}, vectorvein.WaitOptions{Interval: time.Hour})
	require.ErrorAs(t, err, &te)
	require.Equal(t, rid, te.ID)
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunAndWaitOnServer(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()
	var progress []int
	w := vectorvein.WaitOptions{Interval: 5 * time.Millisecond,
		Progress: func(n int, _ *vectorvein.RunResult) { progress = append(progress, n) }}

	// The server finished the run: no polling at all.
	res, err := c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID, WaitForCompletion: true,
		InputFields: []vectorvein.InputField{{NodeID: "n", FieldName: "q", Value: 1.5}}}, w)
	require.NoError(t, err)
	require.True(t, res.Done())
	require.Equal(t, []string{"runWorkflow"}, ops(srv))
	require.Equal(t, []vectorvein.WorkflowOutput{{Type: "text", Title: "q", Value: 1.5}}, res.Outputs)
	require.Equal(t, []int{0}, progress)
	require.NotEmpty(t, res.RunID)

	// The server gave up waiting (202 TIMEOUT with the rid): poll.
	srv.ResetRequests()
	res, err = c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.SlowWorkflowID, WaitForCompletion: true}, w)
	require.NoError(t, err)
	require.True(t, res.Done())
	require.Equal(t, []string{"runWorkflow", "checkWorkflowStatus", "checkWorkflowStatus"}, ops(srv))

	// The server saw the run fail.
	_, err = c.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.FailWorkflowID, WaitForCompletion: true}, w)
	var re *apierror.RunError
	require.ErrorAs(t, err, &re)
	require.Equal(t, "node crashed (task node-1)", re.Message)
	require.JSONEq(t, `{"error":"node crashed","error_task":"node-1"}`, string(re.Last.(*vectorvein.RunResult).Data))
	require.NotEmpty(t, re.ID)
}

func TestStatusStopAndErrors(t *testing.T) {
	srv := vectorveintest.NewServer(t, vectorveintest.WithWorkflows(vectorveintest.Workflow{ID: "long", Polls: 100}))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()

	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "long"})
	require.NoError(t, err)
	st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	require.NoError(t, err)
	require.False(t, st.Done())
	require.Equal(t, vectorvein.StatusRunning, st.Status)

	require.NoError(t, c.Workflows.Stop(ctx, vectorvein.StopRunRequest{RunID: rid}))
	_, err = c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	var we *apierror.RunError
	require.ErrorAs(t, err, &we)
	require.Equal(t, rid, we.ID)

	// Unknown ids: a plain API error with the envelope status.
	_, err = c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: "nope"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	require.Equal(t, "Record not found", ae.Message)
	require.False(t, errors.As(err, &we))
	err = c.Workflows.Stop(ctx, vectorvein.StopRunRequest{RunID: "nope"})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	_, err = c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "no-such-workflow"})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)

	// Bad input: nothing is sent.
	srv.ResetRequests()
	for _, call := range []func() error{
		func() error { _, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{}); return err },
		func() error {
			_, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "w", OutputScope: "some"})
			return err
		},
		func() error {
			_, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "w"}, vectorvein.WithKeyType("OTHER"))
			return err
		},
		func() error { _, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{}); return err },
		func() error {
			_, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: "r"}, vectorvein.WithKeyType(vectorvein.KeyTypeVApp))
			return err
		},
		func() error { return c.Workflows.Stop(ctx, vectorvein.StopRunRequest{}) },
		func() error {
			_, err := c.Workflows.Wait(ctx, vectorvein.CheckStatusRequest{}, vectorvein.WaitOptions{})
			return err
		},
		func() error {
			_, err := c.Workflows.Wait(ctx, vectorvein.CheckStatusRequest{RunID: "r"}, vectorvein.WaitOptions{Timeout: -1})
			return err
		},
	} {
		var ie *apierror.InputError
		require.ErrorAs(t, call(), &ie)
	}
	require.Empty(t, srv.Requests())
}

func TestVAppKeyType(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv, vectorvein.WithKeyType(vectorvein.KeyTypeVApp))
	res, err := c.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{
		WorkflowID: vectorveintest.SlowWorkflowID,
	}, fast(nil))
	require.NoError(t, err)
	require.True(t, res.Done())
	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		require.Equal(t, "VAPP", r.Header.Get("VECTORVEIN-API-KEY-TYPE"))
	}
	var body map[string]string
	require.NoError(t, json.Unmarshal(reqs[1].Body, &body))
	require.Equal(t, vectorveintest.SlowWorkflowID, body["wid"])
}

func TestAPIKeyErrors(t *testing.T) {
	for _, mirror := range []bool{false, true} {
		srv := vectorveintest.NewServer(t, vectorveintest.WithHTTPStatusMirroring(mirror))
		noViolations(t, srv)
		c := newClient(t, srv, option.WithAPIKey("wrong-key-0123456789abcdef012345"))
		_, err := c.Workflows.Run(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID})
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae, "mirror %v", mirror)
		require.Equal(t, 401, ae.StatusCode)
		if !mirror {
			require.Equal(t, 200, ae.HTTPStatus, "the envelope status is not the HTTP status")
			require.Contains(t, err.Error(), "HTTP 200 with error status 401")
		}
		require.NotContains(t, err.Error(), "wrong-key-0123456789abcdef012345")
		require.NotContains(t, string(ae.Body), "wrong-key-0123456789abcdef012345")

		// A missing key header: 403 with DRF's message is an API-key error too.
		c = newClient(t, srv, option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			r.Header.Del("VECTORVEIN-API-KEY")
			return next(r)
		}))
		_, err = c.AccessKeys.GetAll(context.Background())
		require.ErrorAs(t, err, &ae)
		require.Equal(t, 403, ae.StatusCode)
		var ake *vectorvein.AccessKeyError
		require.False(t, errors.As(err, &ake), "a 403 about the API key is not an access-key error")
	}

	// No key at all: a CredentialError before anything is sent, as the official SDK.
	t.Setenv("VECTORVEIN_API_KEY", "")
	_, err := vectorvein.NewClient()
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "VECTORVEIN_API_KEY")
	_, err = vectorvein.NewClient(option.WithAPIKey(""))
	require.Error(t, err)
}

func TestEnvironment(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	t.Setenv("VECTORVEIN_API_KEY", vectorveintest.APIKey)
	t.Setenv("VECTORVEIN_BASE_URL", srv.APIBaseURL())
	c, err := vectorvein.NewClient()
	require.NoError(t, err)
	require.Equal(t, srv.APIBaseURL(), c.BaseURL())
	_, err = c.AccessKeys.GetAll(context.Background())
	require.NoError(t, err)

	t.Setenv("VECTORVEIN_BASE_URL", "")
	c, err = vectorvein.NewClient()
	require.NoError(t, err)
	require.Equal(t, vectorvein.DefaultBaseURL, c.BaseURL())
}

func TestRequestErrors(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c := newClient(t, srv, option.WithMaxRetries(0))
	ctx := context.Background()

	// A reply that is not an envelope (here the kit's JSON error for an injected 502).
	srv.InjectFault(emulator.Fault{Path: "/api/v1/open-api/workflow/check-status", Status: 502})
	_, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: "r"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 502, ae.StatusCode)
	require.Zero(t, ae.HTTPStatus)

	// A dropped connection.
	srv.InjectFault(emulator.Fault{Path: "/api/v1/open-api/workflow/check-status", DropAfter: 1})
	_, err = c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: "r"})
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 200, te.LastStatus)
	require.ErrorContains(t, err, "vectorvein: POST ")
	require.ErrorContains(t, err, "reading the response body")

	// Nothing listening.
	dead := newClient(t, srv, option.WithBaseURL("http://127.0.0.1:1"), option.WithMaxRetries(0))
	_, err = dead.AccessKeys.GetAll(ctx)
	require.ErrorAs(t, err, &te)
	require.Equal(t, vectorvein.ServiceName, te.Service)
	require.False(t, errors.As(err, &ae))
}

// notEnvelope checks the decode error of a 2xx reply that is no envelope: it names the
// operation and wraps the *apierror.Error holding the HTTP status and body.
func notEnvelope(t *testing.T, err error) {
	t.Helper()
	var re *apierror.ResponseError
	require.ErrorAs(t, err, &re, "a 200 that is no envelope is a typed error")
	require.Equal(t, "GET /vapp/access-key/get", re.Request)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 200, ae.StatusCode)
	require.NotEmpty(t, ae.Body)
}

// A server that answers whatever a test says, to reach the envelope decoder's corners.
func TestEnvelopeDecoding(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		check  func(t *testing.T, err error)
	}{
		{"not json", 200, "<html>oops</html>", func(t *testing.T, err error) {
			notEnvelope(t, err)
			require.Contains(t, err.Error(), "not JSON")
		}},
		{"json array", 200, "[]", func(t *testing.T, err error) {
			notEnvelope(t, err)
		}},
		{"no status", 200, `{"msg":"missing"}`, func(t *testing.T, err error) {
			notEnvelope(t, err)
			require.Contains(t, err.Error(), "no envelope status")
		}},
		{"string status", 200, `{"status":"200"}`, func(t *testing.T, err error) {
			notEnvelope(t, err)
		}},
		{"403 not about the key", 200, `{"status":403,"msg":"forbidden action"}`, func(t *testing.T, err error) {
			var ake *vectorvein.AccessKeyError
			require.ErrorAs(t, err, &ake, "an access-key call refused")
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, 403, ae.StatusCode)
			require.Equal(t, "forbidden action", ae.Message)
		}},
		{"403 about the key", 200, `{"status":403,"msg":"API key expired"}`, func(t *testing.T, err error) {
			var ake *vectorvein.AccessKeyError
			require.False(t, errors.As(err, &ake))
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, 403, ae.StatusCode)
			require.Equal(t, 200, ae.HTTPStatus)
		}},
		{"other business error", 200, `{"status":429,"msg":"too many calls","data":null}`, func(t *testing.T, err error) {
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, 429, ae.StatusCode)
			require.True(t, ae.Retryable())
		}},
		{"envelope in an HTTP 400", 400, `{"status":404,"msg":"Access key does not exist"}`, func(t *testing.T, err error) {
			var ake *vectorvein.AccessKeyError
			require.ErrorAs(t, err, &ake)
			require.Equal(t, 404, ake.StatusCode())
		}},
		{"success without data", 200, `{"status":200,"msg":""}`, func(t *testing.T, err error) {
			require.ErrorContains(t, err, "reply has no data")
		}},
		{"wrong data shape", 200, `{"status":200,"data":{"a":1}}`, func(t *testing.T, err error) {
			require.ErrorContains(t, err, "decoding")
		}},
		{"extra fields tolerated", 200, `{"status":200,"msg":"","extra":1,"data":[{"access_key":"k","access_key_type":"L","status":"AC","new_field":{"x":1}}]}`,
			func(t *testing.T, err error) { require.NoError(t, err) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := newStaticServer(t, tc.status, tc.body)
			c, err := vectorvein.NewClient(option.WithAPIKey("k"), option.WithBaseURL(hs), option.WithMaxRetries(0))
			require.NoError(t, err)
			_, err = c.AccessKeys.Get(context.Background(), []string{"k"})
			tc.check(t, err)
		})
	}
}

func TestRawClient(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv)
	resp, err := c.Raw().RunWorkflow(context.Background(), &vectorveinapi.RunWorkflowParams{APIVersion: vectorveinapi.APIVersion20240508},
		vectorveinapi.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID})
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(b), `"rid"`)
	require.Equal(t, vectorveintest.APIKey, srv.Requests()[0].Header.Get("VECTORVEIN-API-KEY"))
}

func TestRateLimit(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	noViolations(t, srv)
	c := newClient(t, srv, vectorvein.WithRateLimit(2, 300*time.Millisecond))
	ctx := context.Background()
	start := time.Now()
	for range 3 {
		_, err := c.AccessKeys.GetAll(ctx)
		require.NoError(t, err)
	}
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "the third call waited for a token")

	// The budget is spent: a short deadline ends the wait with the context's error.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err := c.AccessKeys.GetAll(sctx)
	require.ErrorContains(t, err, "rate limit")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestVAppURLOpensInEmulator(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var clock atomic.Int64
	clock.Store(now.Unix())
	srv := vectorveintest.NewServer(t, vectorveintest.WithClock(func() time.Time { return time.Unix(clock.Load(), 0) }))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()
	keys, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: vectorvein.AccessKeyMultiple, AppID: vectorveintest.DefaultAppID, MaxUseCount: 2})
	require.NoError(t, err)
	ak := keys[0].AccessKey

	open := func(u string) int {
		t.Helper()
		resp, err := http.Get(u)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	sign := func(app string, o *vectorvein.VAppURLOptions) string {
		t.Helper()
		if o == nil {
			o = &vectorvein.VAppURLOptions{}
		}
		o.Now = func() time.Time { return now }
		u, err := c.VAppURL(app, ak, vectorveintest.KeyID, o)
		require.NoError(t, err)
		return u
	}

	// The link defaults to the origin of the client's base URL.
	u := sign(vectorveintest.DefaultAppID, nil)
	require.True(t, strings.HasPrefix(u, srv.URL+"/public/v-app/"+vectorveintest.DefaultAppID+"?token="), u)
	require.Equal(t, 200, open(u))
	got, ok := srv.AccessKey(ak)
	require.True(t, ok)
	require.Equal(t, 1, got.UseCount)
	require.NotNil(t, got.LastUseTime)

	// Wrong app, unknown key id, tampered token, unknown access key, expired.
	require.Equal(t, 403, open(sign(vectorveintest.SecondAppID, nil)))
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	q := parsed.Query()
	q.Set("key_id", "other")
	parsed.RawQuery = q.Encode()
	require.Equal(t, 403, open(parsed.String()))
	q.Set("key_id", vectorveintest.KeyID)
	tok := []byte(q.Get("token"))
	tok[20] ^= 1
	q.Set("token", string(tok))
	parsed.RawQuery = q.Encode()
	require.Equal(t, 403, open(parsed.String()))
	u2, err := vectorvein.SignVAppURL(vectorveintest.APIKey, vectorveintest.DefaultAppID, "AKnope", vectorveintest.KeyID, &vectorvein.VAppURLOptions{BaseURL: srv.URL, Now: func() time.Time { return now }})
	require.NoError(t, err)
	require.Equal(t, 403, open(u2))
	expiring := sign(vectorveintest.DefaultAppID, &vectorvein.VAppURLOptions{Timeout: time.Minute})
	clock.Add(61)
	require.Equal(t, 403, open(expiring))
	clock.Store(now.Unix())

	// The second use reaches max_use_count; a third is refused.
	require.Equal(t, 200, open(sign(vectorveintest.DefaultAppID, nil)))
	require.Equal(t, 403, open(sign(vectorveintest.DefaultAppID, nil)))
	got, _ = srv.AccessKey(ak)
	require.Equal(t, vectorvein.AccessKeyUsed, got.Status)

	// Without a base URL ending in /api/v1/open-api the link goes to vectorvein.com.
	other := newClient(t, srv, option.WithBaseURL(srv.URL))
	u, err = other.VAppURL("a", "b", "c", nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u, "https://vectorvein.com/public/v-app/a?token="))

	// A key that cannot be an AES key.
	short := newClient(t, srv, option.WithAPIKey("short"))
	_, err = short.VAppURL("a", "b", "c", nil)
	var kl *vectorvein.KeyLengthError
	require.ErrorAs(t, err, &kl)
}

// Behind a proxy that puts the envelope status in the HTTP status line, a failed run is
// still an *apierror.RunError (after the transport's retries of the 500, which are harmless for
// a status check) and a missing run still a 404 API error.
func TestMirroredStatuses(t *testing.T) {
	srv := vectorveintest.NewServer(t, vectorveintest.WithHTTPStatusMirroring(true))
	noViolations(t, srv)
	c := newClient(t, srv)
	ctx := context.Background()
	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.FailWorkflowID})
	require.NoError(t, err)
	_, err = c.Workflows.Wait(ctx, vectorvein.CheckStatusRequest{RunID: rid}, fast(nil))
	var we *apierror.RunError
	require.ErrorAs(t, err, &we)
	require.Equal(t, rid, we.ID)
	require.Equal(t, "node crashed (task node-1)", we.Message)
	_, err = c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: "missing"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)

	// workflow/run is never retried: one failed start is one request.
	srv.ResetRequests()
	srv.InjectFault(emulator.Fault{Path: "/api/v1/open-api/workflow/run", Status: 503})
	_, err = c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID})
	require.Error(t, err)
	require.Len(t, srv.Requests(), 1)
}

// Shapes the emulator does not send but the service may: a progress object while running
// (not what the spec says, tolerated), partial outputs while running,
// a finished run without a list, a top-level rid.
func TestStatusDataShapes(t *testing.T) {
	tests := []struct {
		body    string
		done    bool
		outputs int
	}{
		{`{"status":202,"msg":"RUNNING","data":{"finished_nodes":["a"]}}`, false, 0},
		// 202's data is a list of outputs, as vectorvein-sdk 0.3.91 reads it: kept.
		{`{"status":202,"msg":"RUNNING","data":[{"type":"text","title":"t","value":"partial"}]}`, false, 1},
		{`{"status":202,"msg":"RUNNING","data":[1]}`, false, 0},
		{`{"status":202,"msg":"QUEUED"}`, false, 0},
		{`{"status":201,"msg":"QUEUED","data":[]}`, false, 0},
		{`{"status":200,"msg":"FINISHED","data":{}}`, true, 0},
		{`{"status":200,"msg":"FINISHED","data":[{"type":"text","title":"t","value":null,"extra":1}]}`, true, 1},
	}
	for _, tc := range tests {
		c, err := vectorvein.NewClient(option.WithAPIKey("k"), option.WithBaseURL(newStaticServer(t, 200, tc.body)))
		require.NoError(t, err)
		st, err := c.Workflows.Status(context.Background(), vectorvein.CheckStatusRequest{RunID: "r"})
		require.NoError(t, err, tc.body)
		require.Equal(t, tc.done, st.Done(), tc.body)
		require.Len(t, st.Outputs, tc.outputs, tc.body)
		require.Equal(t, "r", st.RunID)
	}

	// workflow/run with the rid at the top level and outputs as data: finished, not polled.
	c, err := vectorvein.NewClient(option.WithAPIKey("k"), option.WithBaseURL(newStaticServer(t, 200,
		`{"status":200,"msg":"FINISHED","rid":"top","data":[{"type":"text","title":"t","value":"v"}]}`)))
	require.NoError(t, err)
	res, err := c.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: "w", WaitForCompletion: true}, vectorvein.WaitOptions{})
	require.NoError(t, err)
	require.Equal(t, "top", res.RunID)
	require.Equal(t, "v", res.Outputs[0].Value)

	// A reply with neither a top-level rid nor data.rid cannot be followed.
	c, err = vectorvein.NewClient(option.WithAPIKey("k"), option.WithBaseURL(newStaticServer(t, 200, `{"status":200,"msg":"","data":{}}`)))
	require.NoError(t, err)
	_, err = c.Workflows.Run(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: "w"})
	require.ErrorContains(t, err, "reply has no run id")
	_, err = c.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: "w"}, vectorvein.WaitOptions{})
	require.ErrorContains(t, err, "reply has no run id")
}

// A base URL given to one call is used by that call only (the transport applies it), for
// the wrapped calls and for Do alike.
func TestPerCallBaseURL(t *testing.T) {
	a, b := vectorveintest.NewServer(t), vectorveintest.NewServer(t)
	noViolations(t, a)
	noViolations(t, b)
	c := newClient(t, a)
	ctx := context.Background()

	rid, err := c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID}, option.WithBaseURL(b.APIBaseURL()))
	require.NoError(t, err)
	require.Empty(t, a.Requests())
	require.Len(t, b.Requests(), 1)
	st, err := c.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid}, option.WithBaseURL(b.APIBaseURL()))
	require.NoError(t, err)
	require.True(t, st.Done())

	var page vectorvein.AccessKeyPage
	require.NoError(t, c.Do(ctx, http.MethodPost, "vapp/access-key/list", vectorvein.ListAccessKeysRequest{Page: 1, PageSize: 10}, &page,
		option.WithBaseURL(b.APIBaseURL())))
	require.Equal(t, 10, page.PageSize)
	require.Empty(t, a.Requests(), "the client's own base URL saw nothing")
	require.Equal(t, a.APIBaseURL(), c.BaseURL())
}
