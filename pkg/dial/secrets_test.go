package dial_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNotLogged runs calls of every kind, successful and failing,
// with debug logging on, and checks that no credential (API key, bearer
// token, per-request key, a token in a URL's query or userinfo) appears in
// the log or in an error.
func TestSecretsNotLogged(t *testing.T) {
	const (
		key    = "sk-secret-key-1111"
		token  = "jwt-secret-token-2222"
		prk    = "prk-secret-3333"
		wrong  = "sk-wrong-key-4444"
		inURL  = "url-secret-5555"
		inUser = "user-secret-6666"
	)
	srv := dialtest.NewServer(t, dialtest.WithAPIKey(key, "alice"), dialtest.WithBearerToken(token, "alice"),
		dialtest.WithPerRequestKey(prk, "alice", "app"))
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	base := []option.RequestOption{option.WithBaseURL(srv.URL), option.WithLogger(logger), option.WithMaxRetries(1), option.WithRetryBackoff(0, 0, 0)}
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	c, err := dial.NewClient(append(base, option.WithAPIKey(key))...)
	require.NoError(t, err)
	_, err = c.Deployments.List(ctx)
	require.NoError(t, err)
	m, err := c.Files.Upload(ctx, "s/a.txt", strings.NewReader("x"), nil)
	require.NoError(t, err)
	d, err := c.Files.Download(ctx, m.URL, nil)
	require.NoError(t, err)
	_, err = d.Bytes()
	require.NoError(t, err)
	s, err := c.Chat.Stream(ctx, "gpt-4", ask("a b c"))
	require.NoError(t, err)
	_, err = dial.Accumulate(s)
	require.NoError(t, err)
	_, err = c.Files.Download(ctx, srv.URL+"/v1/files/"+dialtest.BucketOf("alice")+"/nope.txt?token="+inURL, nil)
	check(err)
	_, err = c.Files.Download(ctx, "http://"+inUser+"@127.0.0.1:1/v1/files/b/x", nil)
	check(err)
	_, err = c.Files.Metadata(ctx, "files/b/x?sig="+inURL, nil)
	check(err)
	_, err = c.Deployments.List(ctx, option.WithBearerToken(token)) // both, not per-request
	check(err)

	for _, opts := range [][]option.RequestOption{
		{option.WithAPIKey(wrong)},
		{option.WithBearerToken(wrong)},
		{option.WithAPIKey(prk), option.WithBearerToken(token), dial.WithPerRequestKey()},
		{option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", errors.New("vault down") })},
	} {
		c, err := dial.NewClient(append(base, opts...)...)
		require.NoError(t, err)
		_, err = c.Bucket(ctx)
		check(err)
		_, err = c.Chat.Create(ctx, "gpt-4", ask("x"))
		check(err)
	}
	require.GreaterOrEqual(t, len(errs), 8, "the failing calls failed")
	out := logs.String()
	require.Contains(t, out, "http attempt", "debug logging was on")
	for _, secret := range []string{key, token, prk, wrong, inURL, inUser} {
		require.NotContains(t, out, secret, "log")
		for _, err := range errs {
			require.NotContains(t, err.Error(), secret, "error %v", err)
		}
	}
}
