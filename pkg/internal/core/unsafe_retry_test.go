package core_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
)

// The retry policy of the operations that create work (x-retry in the
// specs), exercised through each service's client against a loopback server
// that reads the whole request and then fails.

const retries = 2 // option.WithMaxRetries in these tests

// serviceCall is one operation of a service client, sent to base.
type serviceCall func(ctx context.Context, base string, opts ...option.RequestOption) error

func quick(base string) []option.RequestOption {
	return []option.RequestOption{
		option.WithBaseURL(base), option.WithAPIKey("key-1"),
		option.WithMaxRetries(retries), option.WithRetryBackoff(0, 0, 0),
	}
}

func infshCall(method, path string) serviceCall {
	return func(ctx context.Context, base string, opts ...option.RequestOption) error {
		c, err := infsh.NewClient(quick(base)...)
		if err != nil {
			return err
		}
		return c.Do(ctx, method, path, map[string]any{"app": "a/b"}, nil, opts...)
	}
}

func dragoneyeCall(method, path string) serviceCall {
	return func(ctx context.Context, base string, opts ...option.RequestOption) error {
		c, err := dragoneye.NewClient(quick(base)...)
		if err != nil {
			return err
		}
		return c.Do(ctx, method, path, map[string]any{"mimetype": "image/jpeg"}, nil, opts...)
	}
}

func vectorveinRun(ctx context.Context, base string, opts ...option.RequestOption) error {
	c, err := vectorvein.NewClient(quick(base)...)
	if err != nil {
		return err
	}
	_, err = c.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "wf1"}, opts...)
	return err
}

func vectorveinCall(method, path string) serviceCall {
	return func(ctx context.Context, base string, opts ...option.RequestOption) error {
		c, err := vectorvein.NewClient(quick(base)...)
		if err != nil {
			return err
		}
		return c.Do(ctx, method, path, nil, nil, opts...)
	}
}

func dialUpload(p *dial.UploadParams) serviceCall {
	return func(ctx context.Context, base string, opts ...option.RequestOption) error {
		c, err := dial.NewClient(quick(base)...)
		if err != nil {
			return err
		}
		_, err = c.Files.Upload(ctx, "files/Bucket1/docs/a.txt", strings.NewReader("hello"), p, opts...)
		return err
	}
}

func dialCall(method, path string) serviceCall {
	return func(ctx context.Context, base string, opts ...option.RequestOption) error {
		c, err := dial.NewClient(quick(base)...)
		if err != nil {
			return err
		}
		return c.Do(ctx, method, path, nil, nil, opts...)
	}
}

// creates lists each service's operations that create work.
var creates = []struct {
	name string
	path string // as the server sees it
	call serviceCall
}{
	{"infsh apps/run", "/apps/run", infshCall(http.MethodPost, "/apps/run")},
	{"infsh agents/run", "/agents/run", infshCall(http.MethodPost, "/agents/run")},
	{"dragoneye begin", "/prediction-task/begin", dragoneyeCall(http.MethodPost, "/prediction-task/begin")},
	{"dragoneye predict", "/predict", dragoneyeCall(http.MethodPost, "/predict")},
	{"vectorvein workflow/run", "/workflow/run", vectorveinRun},
	{"vectorvein access-key/create", "/vapp/access-key/create", vectorveinCall(http.MethodPost, "/vapp/access-key/create")},
	{"dial upload", "/v1/files/Bucket1/docs/a.txt", dialUpload(nil)},
}

// failingServer counts the requests to path that reached it whole (body
// read to the end) and then answers 502, or resets the connection.
func failingServer(t *testing.T, path string, reset bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		if r.URL.Path == path {
			n.Add(1)
		}
		if !reset {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		_ = conn.(*net.TCPConn).SetLinger(0) // close with RST
		_ = conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestCreateNotRetriedAfterServerRead: the server read the whole request,
// then answered 502 or reset: exactly one request reached it, and the error
// is typed (*apierror.Error with the status, or *apierror.TransportError
// after one attempt). With option.WithRetryUnsafe the call is retried.
func TestCreateNotRetriedAfterServerRead(t *testing.T) {
	ctx := context.Background()
	for _, tc := range creates {
		for _, reset := range []bool{false, true} {
			name := tc.name + " 502"
			if reset {
				name = tc.name + " reset"
			}
			t.Run(name, func(t *testing.T) {
				srv, n := failingServer(t, tc.path, reset)
				err := tc.call(ctx, srv.URL)
				require.Error(t, err)
				require.Equal(t, int32(1), n.Load(), "requests that reached the server")
				if reset {
					var te *apierror.TransportError
					require.ErrorAs(t, err, &te)
					require.Equal(t, 1, te.Attempts)
				} else {
					var ae *apierror.Error
					require.ErrorAs(t, err, &ae)
					require.Equal(t, http.StatusBadGateway, ae.StatusCode)
				}
				require.NotContains(t, err.Error(), "key-1")

				n.Store(0)
				err = tc.call(ctx, srv.URL, option.WithRetryUnsafe())
				require.Error(t, err)
				require.Equal(t, int32(1+retries), n.Load(), "requests with the opt-in")
			})
		}
	}
}

// closedPort returns a base URL on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// TestCreateRetriedWhenRefused: a refused connection surely never reached
// the server, so even an operation that creates work is retried.
func TestCreateRetriedWhenRefused(t *testing.T) {
	base := closedPort(t)
	for _, tc := range creates {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), base)
			var te *apierror.TransportError
			require.ErrorAs(t, err, &te)
			require.Equal(t, 1+retries, te.Attempts)
			var op *net.OpError
			require.ErrorAs(t, err, &op)
			require.Equal(t, "dial", op.Op)
		})
	}
}

// TestCreateRetriedWhenTLSHandshakeFails: a server that is not TLS fails
// the handshake before anything of the request is sent: retried.
func TestCreateRetriedWhenTLSHandshakeFails(t *testing.T) {
	for name, greeting := range map[string]string{
		"garbage":    "\x00\x01\x02 not TLS at all\r\n",
		"plain HTTP": "HTTP/1.1 400 Bad Request\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) { testTLSHandshakeFails(t, greeting) })
	}
}

func testTLSHandshakeFails(t *testing.T, greeting string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			_, _ = c.Write([]byte(greeting))
			_ = c.Close()
		}
	}()
	defer func() { _ = l.Close(); <-done }()
	err = infshCall(http.MethodPost, "/apps/run")(context.Background(), "https://"+l.Addr().String())
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, 1+retries, te.Attempts)
	require.Equal(t, int32(1+retries), conns.Load())
}

// TestSafeOperationsRetriedOn502: operations that do not create work keep
// the usual retries, and so does a DIAL upload with a precondition.
func TestSafeOperationsRetriedOn502(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		call       serviceCall
	}{
		{"infsh get task", "/tasks/t1", infshCall(http.MethodGet, "/tasks/t1")},
		{"dragoneye status", "/prediction-task/status", dragoneyeCall(http.MethodGet, "/prediction-task/status")},
		{"vectorvein access-key get", "/vapp/access-key/get", vectorveinCall(http.MethodGet, "/vapp/access-key/get")},
		{"dial deployments", "/openai/deployments", dialCall(http.MethodGet, "/openai/deployments")},
		{"dial chat completions", "/openai/deployments/gpt/chat/completions", dialCall(http.MethodPost, "/openai/deployments/gpt/chat/completions")},
		{"dial create-only upload", "/v1/files/Bucket1/docs/a.txt", dialUpload(&dial.UploadParams{IfNoneMatch: true})},
		{"dial upload if match", "/v1/files/Bucket1/docs/a.txt", dialUpload(&dial.UploadParams{IfMatch: `"e1"`})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := failingServer(t, tc.path, false)
			err := tc.call(context.Background(), srv.URL)
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, http.StatusBadGateway, ae.StatusCode)
			require.Equal(t, int32(1+retries), n.Load())
		})
	}
}

// TestCreateFromMiddlewareErrorNotRetried: an error a middleware returns
// is not a connection failure: the create is not retried.
func TestCreateFromMiddlewareErrorNotRetried(t *testing.T) {
	var calls atomic.Int32
	mw := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		calls.Add(1)
		return nil, errors.New("middleware failed")
	})
	err := infshCall(http.MethodPost, "/apps/run")(context.Background(), closedPort(t), mw)
	var te *apierror.TransportError
	require.ErrorAs(t, err, &te)
	require.Equal(t, int32(1), calls.Load())
}
