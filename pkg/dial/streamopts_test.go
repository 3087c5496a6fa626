package dial_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/stream"
)

const chunkEvent = `data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}` + "\n\n"

// sseServer sends first as an SSE body, flushes, then stalls until the
// client goes away (or the test ends).
func sseServer(t *testing.T, first string) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = fmt.Fprint(w, first)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

var hello = &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("hi")}}

// TestChatStreamIdleTimeout: a server that sends one chunk and then stalls
// ends the stream with a *stream.IdleTimeoutError when
// WithStreamIdleTimeout is set on the client (before, Next waited for
// ever); the chunk before the stall is delivered.
func TestChatStreamIdleTimeout(t *testing.T) {
	srv := sseServer(t, chunkEvent)
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"),
		dial.WithStreamIdleTimeout(50*time.Millisecond))
	require.NoError(t, err)
	s, err := c.Chat.Stream(context.Background(), "m", hello)
	require.NoError(t, err)
	defer s.Close()
	require.True(t, s.Next())
	require.Equal(t, "c1", s.Current().ID)
	require.False(t, s.Next())
	var ie *stream.IdleTimeoutError
	require.ErrorAs(t, s.Err(), &ie)
}

// TestChatStreamMaxEventSize: an event larger than WithStreamMaxEventSize
// (here set per call) ends the stream with a *stream.EventTooLargeError; a
// negative size is an *apierror.InputError.
func TestChatStreamMaxEventSize(t *testing.T) {
	big := `data: {"id":"` + strings.Repeat("x", 4096) + `"}` + "\n\n"
	srv := sseServer(t, big)
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	s, err := c.Chat.Stream(context.Background(), "m", hello, dial.WithStreamMaxEventSize(1024))
	require.NoError(t, err)
	defer s.Close()
	require.False(t, s.Next())
	var te *stream.EventTooLargeError
	require.ErrorAs(t, s.Err(), &te)

	_, err = c.Chat.Stream(context.Background(), "m", hello, dial.WithStreamMaxEventSize(-1))
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
}
