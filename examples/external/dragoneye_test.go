package sdkuser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestDragoneye(t *testing.T) {
	ctx := context.Background()
	srv := dragoneyetest.NewServer(t)
	client, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 256)...)
	media, err := dragoneye.MediaFromBytes(jpeg, "a.jpg")
	require.NoError(t, err)
	params := dragoneye.PredictParams{
		ModelName: dragoneyetest.DefaultModel,
		Wait:      dragoneye.WaitOptions{Interval: 10 * time.Millisecond, Timeout: 10 * time.Second},
	}
	img, err := client.Predictions.Image(ctx, media, params)
	require.NoError(t, err)
	require.NotEmpty(t, img.Objects)

	failing := params
	failing.ModelName = dragoneyetest.FailModel
	_, err = client.Predictions.Image(ctx, media, failing)
	run := as[*apierror.RunError](t, err)
	require.Equal(t, "dragoneye", run.Service)
	require.NotEmpty(t, run.ID)

	slow := params
	slow.ModelName = dragoneyetest.SlowModel
	slow.Wait.Timeout = 50 * time.Millisecond
	_, err = client.Predictions.Image(ctx, media, slow)
	timeout := as[*apierror.TimeoutError](t, err)
	require.NotEmpty(t, timeout.ID)

	t.Setenv(dragoneye.EnvAPIKey, "")
	_, err = dragoneye.NewClient(option.WithBaseURL(srv.URL))
	as[*apierror.CredentialError](t, err)

	gone, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(closedURL(t)), option.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = gone.Predictions.Status(ctx, "00000000-0000-0000-0000-000000000000")
	as[*apierror.TransportError](t, err)
}
