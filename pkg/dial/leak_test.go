package dial_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

// serverSide ignores the emulator's connection goroutines (a server that
// answered without reading a body lingers in closeWriteAndWait); the tests
// are about the client's.
var serverSide = goleak.IgnoreAnyFunction("net/http.(*conn).serve")

// TestNoGoroutineLeaks runs the calls that start goroutines or hold bodies
// and leave early (an upload the server refuses before reading it, a stream
// abandoned after one chunk, a cancelled stream, a download closed after a
// few bytes, a listing left after one item) and checks that, once the idle
// connections are closed, no goroutine is left behind.
func TestNoGoroutineLeaks(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithEmulatorOptions(emukit.WithValidateResponses(false)))
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey),
		option.WithHTTPClient(hc), option.WithMaxRetries(0))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.Home(ctx)
	require.NoError(t, err)
	srv.PutPatternFile(dialtest.DefaultUser, "leak/big.bin", "application/octet-stream", 32<<20)
	srv.PutFile(dialtest.DefaultUser, "leak/a.txt", "text/plain", []byte("a"))
	hc.CloseIdleConnections()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), serverSide)
	defer hc.CloseIdleConnections()

	// Refused before the body is read: the body goroutine must end.
	_, err = c.Files.Upload(ctx, "leak/a.txt", io.MultiReader(dialtest.Pattern(32<<20)), &dial.UploadParams{IfNoneMatch: true})
	require.True(t, dial.IsETagMismatch(err), "%v", err)

	s, err := c.Chat.Stream(ctx, "gpt-4", ask(strings.Repeat("word ", 200)))
	require.NoError(t, err)
	for range s.All() {
		break
	}

	cctx, cancel := context.WithCancel(ctx)
	s, err = c.Chat.Stream(cctx, "gpt-4", ask(strings.Repeat("word ", 200)))
	require.NoError(t, err)
	require.True(t, s.Next())
	cancel()
	for s.Next() {
	}
	require.NoError(t, s.Close())

	d, err := c.Files.Download(ctx, "leak/big.bin", nil)
	require.NoError(t, err)
	_, err = io.ReadFull(d, make([]byte, 1024))
	require.NoError(t, err)
	require.NoError(t, d.Close())

	for _, err := range c.Files.List(ctx, "leak/", &dial.ListParams{PageSize: 1}) {
		require.NoError(t, err)
		break
	}
}

// TestUploadStalledReader: an upload whose source blocks in Read returns
// when its context ends (it used to hang for ever: net/http waits for the
// body's Read, which waited for the source), and its body goroutine ends
// once the source's Read returns.
func TestUploadStalledReader(t *testing.T) {
	// A request cut short is a request violation of the emulator: no
	// newClient (which fails on violations).
	srv := dialtest.NewServer(t)
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.Home(ctx)
	require.NoError(t, err)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), serverSide)
	pr, pw := io.Pipe()
	defer pw.Close()
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Files.Upload(cctx, "stall.txt", pr, nil)
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(5 * time.Second):
		t.Fatal("Upload hangs after its context ended")
	}
}
