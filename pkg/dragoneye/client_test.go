package dragoneye_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/gen/dragoneyeapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// jpeg and mp4 are the first bytes of such files (enough to sniff).
var (
	jpegBytes = append([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 2000)...)
	mp4Bytes  = append([]byte{0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'm', 'p', '4', '2', 0, 0, 0, 0, 'm', 'p', '4', '2', 'i', 's', 'o', 'm'}, bytes.Repeat([]byte{9}, 5000)...)
)

func newClient(t *testing.T, srv *dragoneyetest.Server, opts ...option.RequestOption) *dragoneye.Client {
	t.Helper()
	base := []option.RequestOption{
		option.WithBaseURL(srv.URL),
		option.WithAPIKey(dragoneyetest.APIKey),
		option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 1),
	}
	c, err := dragoneye.NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func TestNewClientNeedsAPIKey(t *testing.T) {
	t.Setenv(dragoneye.EnvAPIKey, "")
	_, err := dragoneye.NewClient()
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, dragoneye.ServiceName, ce.Service)
	require.Contains(t, err.Error(), dragoneye.EnvAPIKey)

	t.Setenv(dragoneye.EnvAPIKey, "from-env")
	c, err := dragoneye.NewClient()
	require.NoError(t, err)
	require.Equal(t, dragoneye.DefaultBaseURL, c.BaseURL())
	require.NotNil(t, c.Raw())
}

// Every way to make a call (a service method, Do, the generated client of
// Raw) goes through the one call path: the API key is sent, and a per-call
// option.WithBaseURL reaches another server for that call only.
func TestOneCallPath(t *testing.T) {
	srv := dragoneyetest.NewServer(t)
	c, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL("http://127.0.0.1:1"), option.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()
	at := option.WithBaseURL(srv.URL)

	_, err = c.Predictions.Status(ctx, "no-such-task", at)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusNotFound, ae.StatusCode, "the per-call base URL reached the emulator")

	var st dragoneye.TaskStatus
	err = c.Do(ctx, http.MethodGet, "/prediction-task/status?predictionTaskUuid=no-such-task", nil, &st, at)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusNotFound, ae.StatusCode)
	require.Equal(t, "Prediction task not found", ae.Message)

	_, err = c.Predictions.Status(ctx, "no-such-task")
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te, "without the option, the client's base URL is used")

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		require.Equal(t, dragoneyetest.APIKey, r.Header.Get(dragoneye.HeaderAPIKey))
	}

	// The generated client sends through the same loop (API key included).
	raw, err := dragoneye.NewClient(option.WithAPIKey(dragoneyetest.APIKey), option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	resp, err := raw.Raw().GetPredictionTaskStatus(ctx, &dragoneyeapi.GetPredictionTaskStatusParams{PredictionTaskUUID: "no-such-task"})
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "authenticated: not a 401")
}
