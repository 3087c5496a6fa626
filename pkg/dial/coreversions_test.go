package dial_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// TestChatStreamHeartbeats: ": heartbeat" comment lines (aidial-sdk apps
// with DIAL_SDK_SSE_HEARTBEAT_INTERVAL, relayed by DIAL Core) are skipped.
func TestChatStreamHeartbeats(t *testing.T) {
	srv, c := newClient(t, []dialtest.Option{dialtest.WithHeartbeats()})
	st, err := c.Chat.Stream(context.Background(), "gpt-4", &dial.ChatCompletionRequest{
		Messages: []dial.Message{dial.UserMessage("one two three")},
	})
	require.NoError(t, err)
	acc, err := dial.Accumulate(st)
	require.NoError(t, err)
	require.Equal(t, "one two three", acc.Text())
	require.Empty(t, srv.Violations())
}

// TestETagQuotedOrBare: DIAL Core 0.18 sends ETag headers bare; a quoted
// header (other versions, proxies) gives the same bare ETag, which works
// in If-Match.
func TestETagQuotedOrBare(t *testing.T) {
	for _, quoted := range []bool{false, true} {
		var opts []dialtest.Option
		if quoted {
			opts = append(opts, dialtest.WithQuotedETags())
		}
		_, c := newClient(t, opts, option.WithMaxRetries(0))
		ctx := context.Background()
		sum := md5.Sum([]byte("v1"))
		want := hex.EncodeToString(sum[:])
		m, err := c.Files.Upload(ctx, "q/a.txt", strings.NewReader("v1"), nil)
		require.NoError(t, err)
		require.Equal(t, want, m.ETag, "quoted=%v", quoted)
		d, err := c.Files.Download(ctx, "q/a.txt", nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, d.Body)
		require.NoError(t, d.Body.Close())
		require.Equal(t, want, d.ETag, "quoted=%v", quoted)
		// Both forms work in If-Match (DIAL Core strips the quotes).
		_, err = c.Files.Upload(ctx, "q/a.txt", strings.NewReader("v2"), &dial.UploadParams{IfMatch: d.ETag})
		require.NoError(t, err)
		sum = md5.Sum([]byte("v2"))
		_, err = c.Files.Upload(ctx, "q/a.txt", strings.NewReader("v3"), &dial.UploadParams{IfMatch: `"` + hex.EncodeToString(sum[:]) + `"`})
		require.NoError(t, err)
	}
}
