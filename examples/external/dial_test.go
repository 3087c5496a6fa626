package sdkuser_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/aiclients/sdk-go"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestDial(t *testing.T) {
	ctx := context.Background()
	var violations atomic.Int32
	srv := dialtest.NewServer(t, dialtest.WithEmulatorOptions(emulator.WithViolationHook(func(emulator.Violation) { violations.Add(1) })))
	client, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	require.NoError(t, err)

	reply, err := client.Chat.Create(ctx, "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("2+3=")}})
	require.NoError(t, err)
	require.Equal(t, "5", reply.Text())
	ua := srv.Requests()[0].Header.Get("User-Agent")
	require.True(t, strings.HasPrefix(ua, "aiclients-sdk-go/"+sdk.Version+" (dial) go/"), "User-Agent %q names the SDK version", ua)

	s, err := client.Chat.Stream(ctx, "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("say hello world")}})
	require.NoError(t, err)
	final, err := dial.Accumulate(s)
	require.NoError(t, err)
	require.NotEmpty(t, final.Text())

	meta, err := client.Files.Upload(ctx, "docs/a b.txt", strings.NewReader("hello"), &dial.UploadParams{ContentType: "text/plain"})
	require.NoError(t, err)
	d, err := client.Files.Download(ctx, meta.URL, nil)
	require.NoError(t, err)
	b, err := d.Bytes()
	require.NoError(t, err)
	require.Equal(t, "hello", string(b))

	// The public emulator kit: a fault injected from this module, the
	// recorded requests, no spec violation.
	srv.InjectFault(emulator.Fault{Method: "GET", Path: "/openai/deployments", Nth: 1, Status: 503, RetryAfter: "0"})
	before := len(srv.Requests())
	deployments, err := client.Deployments.List(ctx)
	require.NoError(t, err, "the 503 is retried")
	require.NotEmpty(t, deployments)
	require.Len(t, srv.Requests(), before+2, "one failed and one retried request")
	require.Empty(t, srv.Violations())
	require.Zero(t, violations.Load())

	_, err = client.Files.Download(ctx, "docs/missing.txt", nil)
	apiErr := as[*apierror.Error](t, err)
	require.Equal(t, http.StatusNotFound, apiErr.StatusCode)
	require.True(t, dial.IsNotFound(err))

	_, err = client.Files.Download(ctx, "docs/../../other/x", nil)
	as[*apierror.InputError](t, err)

	t.Setenv(dial.EnvAPIKey, "")
	_, err = dial.NewClient(option.WithBaseURL(srv.URL))
	as[*apierror.CredentialError](t, err)

	gone, err := dial.NewClient(option.WithBaseURL(closedURL(t)), option.WithAPIKey(dialtest.APIKey), option.WithMaxRetries(1),
		option.WithRetryBackoff(1, 1, 0))
	require.NoError(t, err)
	_, err = gone.Deployments.List(ctx)
	te := as[*apierror.TransportError](t, err)
	require.Equal(t, 2, te.Attempts)
}
