package dial_test

import (
	"context"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestPoolSharesConnections(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("ka", "alice"), dialtest.WithAPIKey("kb", "bob"), dialtest.WithBearerToken("tc", "carol"))
	pool, err := dial.NewPool(option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	defer pool.Close()
	creds := []option.RequestOption{option.WithAPIKey("ka"), option.WithAPIKey("kb"), option.WithBearerToken("tc")}
	users := []string{"alice", "bob", "carol"}
	clients := make([]*dial.Client, len(creds))
	for i, cr := range creds {
		clients[i], err = pool.Client(cr)
		require.NoError(t, err)
	}
	var conns atomic.Int32
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		ConnectStart: func(string, string) { conns.Add(1) },
	})
	for round := 0; round < 3; round++ {
		for i, c := range clients {
			b, err := c.Bucket(ctx)
			require.NoError(t, err)
			require.Equal(t, dialtest.BucketOf(users[i]), b.Bucket, "each client keeps its credentials")
			got, err := c.Chat.Create(ctx, "gpt-4", ask("2+2="))
			require.NoError(t, err)
			require.Equal(t, "4", got.Text())
		}
	}
	require.Equal(t, int32(1), conns.Load(), "sequential calls from every client reuse one connection")

	// Concurrent use.
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i%len(clients)]
			ds, err := c.Deployments.List(context.Background())
			require.NoError(t, err)
			require.NotEmpty(t, ds)
		}()
	}
	wg.Wait()
	require.Empty(t, srv.Violations())
}

// A pool client may be made without a credential and given one per call;
// a call without any fails before sending.
func TestPoolClientPerCallCredential(t *testing.T) {
	t.Setenv(dial.EnvAPIKey, "")
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("ka", "alice"))
	pool, err := dial.NewPool(option.WithBaseURL(srv.URL))
	require.NoError(t, err)
	defer pool.Close()
	c, err := pool.Client()
	require.NoError(t, err)
	_, err = c.Deployments.List(context.Background())
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce)
	require.Empty(t, srv.Requests())
	b, err := c.Bucket(context.Background(), option.WithAPIKey("ka"))
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("alice"), b.Bucket)
}
