package sdkuser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func TestVectorVein(t *testing.T) {
	ctx := context.Background()
	srv := vectorveintest.NewServer(t, vectorveintest.WithWorkflows(
		vectorveintest.Workflow{ID: "ok", Polls: 1, Outputs: []vectorveintest.Output{{Type: "text", Title: "Out", Value: "done"}}},
		vectorveintest.Workflow{ID: "broken", Fail: "node exploded", FailTask: "n1"},
		vectorveintest.Workflow{ID: "slow", Polls: 1000},
	))
	client, err := vectorvein.NewClient(option.WithAPIKey(vectorveintest.APIKey), option.WithBaseURL(srv.APIBaseURL()))
	require.NoError(t, err)
	fast := vectorvein.WaitOptions{Interval: 10 * time.Millisecond, Timeout: 10 * time.Second}

	res, err := client.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{
		WorkflowID:  "ok",
		InputFields: []vectorvein.InputField{{NodeID: "n", FieldName: "text", Value: "hi"}},
	}, fast)
	require.NoError(t, err)
	require.Equal(t, "done", res.Outputs[0].Value)

	keys, err := client.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{
		Type: vectorvein.AccessKeyMultiple, AppID: vectorveintest.DefaultAppID, MaxUseCount: 2,
	})
	require.NoError(t, err)
	link, err := client.VAppURL(vectorveintest.DefaultAppID, keys[0].AccessKey, vectorveintest.KeyID, nil)
	require.NoError(t, err)
	require.Contains(t, link, "token=")

	// The shared error kinds, found with errors.As from outside the repo.
	_, err = client.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "broken"}, fast)
	run := as[*apierror.RunError](t, err)
	require.Equal(t, "vectorvein", run.Service)
	require.Contains(t, run.Message, "node exploded")

	_, err = client.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "slow"},
		vectorvein.WaitOptions{Interval: 10 * time.Millisecond, Timeout: 50 * time.Millisecond})
	timeout := as[*apierror.TimeoutError](t, err)
	require.NotEmpty(t, timeout.ID, "the run id to wait for again")

	t.Setenv(vectorvein.EnvAPIKey, "")
	_, err = vectorvein.NewClient(option.WithBaseURL(srv.APIBaseURL()))
	as[*apierror.CredentialError](t, err)

	bad, err := vectorvein.NewClient(option.WithAPIKey("wrong-key"), option.WithBaseURL(srv.APIBaseURL()))
	require.NoError(t, err)
	_, err = bad.AccessKeys.GetAll(ctx)
	apiErr := as[*apierror.Error](t, err)
	require.NotContains(t, apiErr.Error(), "wrong-key", "the key never appears in an error")

	gone, err := vectorvein.NewClient(option.WithAPIKey(vectorveintest.APIKey), option.WithBaseURL(closedURL(t)), option.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = gone.AccessKeys.GetAll(ctx)
	as[*apierror.TransportError](t, err)

	require.Empty(t, srv.Violations())
}
