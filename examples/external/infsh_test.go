package sdkuser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestInfsh(t *testing.T) {
	ctx := context.Background()
	srv := infshtest.NewServer(t, infshtest.WithStepDelay(5*time.Millisecond))
	client, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey))
	require.NoError(t, err)

	task, err := client.Tasks.Run(ctx, infsh.RunParams{
		App:   infshtest.AppTemplating + "@latest",
		Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
	}, infsh.WaitOptions{Timeout: 30 * time.Second})
	require.NoError(t, err)
	var out struct{ Text string }
	require.NoError(t, task.DecodeOutput(&out))
	require.Equal(t, "Hello Go!", out.Text)

	// Progress as a stream, the one stream shape of the SDK.
	submitted, err := client.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSlow + "@latest", Input: map[string]any{"steps": 2, "delay_ms": 5}})
	require.NoError(t, err)
	var last infsh.Status
	for u, err := range client.Tasks.Updates(ctx, submitted.ID).All() {
		require.NoError(t, err)
		last = u.Status
	}
	require.True(t, last.IsTerminal())

	_, err = client.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppFail + "@latest", Input: map[string]any{"message": "boom"}}, infsh.WaitOptions{})
	run := as[*apierror.RunError](t, err)
	require.Equal(t, "infsh", run.Service)
	require.Contains(t, run.Message, "boom")
	failed, ok := infsh.FailedTask(err)
	require.True(t, ok)
	require.NotEmpty(t, failed.ID)

	_, err = client.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppNeedsSecret + "@latest"}, infsh.WaitOptions{})
	as[*infsh.RequirementsError](t, err)

	_, err = client.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppSlow + "@latest", Input: map[string]any{"steps": 50, "delay_ms": 50}},
		infsh.WaitOptions{Timeout: 100 * time.Millisecond})
	timeout := as[*apierror.TimeoutError](t, err)
	require.NotEmpty(t, timeout.ID)

	t.Setenv(infsh.EnvAPIKey, "")
	_, err = infsh.NewClient(option.WithBaseURL(srv.URL))
	as[*apierror.CredentialError](t, err)

	gone, err := infsh.NewClient(option.WithBaseURL(closedURL(t)), option.WithAPIKey(srv.APIKey), option.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = gone.Tasks.Get(ctx, "t-1")
	as[*apierror.TransportError](t, err)
}
