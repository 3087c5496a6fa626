package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// recorder is a loopback server that answers every request with its status
// and body and remembers the escaped path and headers it got.
type recorder struct {
	*httptest.Server
	mu      sync.Mutex
	paths   []string
	headers []http.Header
	status  int
	body    string
}

func newRecorder(t *testing.T, status int, body string) *recorder {
	r := &recorder{status: status, body: body}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.paths = append(r.paths, req.URL.EscapedPath())
		r.headers = append(r.headers, req.Header.Clone())
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(r.Close)
	return r
}

var keyAuth = &core.Auth{APIKey: &core.Credential{Name: "API key", Header: "X-Key"}}

func newCore(t *testing.T, svc core.Service, opts ...option.RequestOption) *core.Client {
	t.Helper()
	if svc.Name == "" {
		svc.Name = "svc"
	}
	c, err := core.New(svc, append([]option.RequestOption{option.WithMaxRetries(0)}, opts...))
	require.NoError(t, err)
	return c
}

// get is a SendFunc for GET path on the call's base URL.
func get(c *core.Client, path string) core.SendFunc {
	return c.SendRequest(func(ctx context.Context, base string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	})
}

func TestExecuteDecodesAndUnwraps(t *testing.T) {
	srv := newRecorder(t, 200, `{"status":200,"data":{"id":"r-1"}}`)
	unwrap := func(_ *http.Response, body []byte) ([]byte, error) {
		var env struct {
			Status int             `json:"status"`
			Data   json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, err
		}
		if env.Status != 200 {
			return nil, &apierror.Error{Service: "svc", StatusCode: env.Status, HTTPStatus: 200}
		}
		return env.Data, nil
	}
	c := newCore(t, core.Service{Credentials: keyAuth, Unwrap: unwrap}, option.WithBaseURL(srv.URL), option.WithAPIKey("k-secret"))
	type run struct {
		ID string `json:"id"`
	}
	out, err := core.Execute[run](context.Background(), c, nil, get(c, "/runs/1"))
	require.NoError(t, err)
	require.Equal(t, "r-1", out.ID)
	require.Equal(t, "k-secret", srv.headers[0].Get("X-Key"))

	srv.body = `{"status":401,"msg":"bad key"}`
	_, err = core.Execute[run](context.Background(), c, nil, get(c, "/runs/1"))
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 401, ae.StatusCode)
	require.Contains(t, ae.Error(), "HTTP 200 with error status 401", "an envelope status is not printed as the HTTP status")
}

type notFound struct{ err error }

func (e *notFound) Error() string { return "not found: " + e.err.Error() }
func (e *notFound) Unwrap() error { return e.err }

func TestMapErrorSeesEveryFailure(t *testing.T) {
	srv := newRecorder(t, 404, `{"message":"no such run"}`)
	mapErr := func(err error) error {
		var ae *apierror.Error
		if errors.As(err, &ae) && ae.StatusCode == 404 {
			return &notFound{err}
		}
		return err
	}
	c := newCore(t, core.Service{Credentials: keyAuth, MapError: mapErr}, option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	err := c.Call(context.Background(), nil, get(c, "/runs/x"), nil)
	var nf *notFound
	require.ErrorAs(t, err, &nf)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "the mapped error still unwraps to the API error")
	require.Equal(t, "no such run", ae.Message)

	srv.status, srv.body = 200, `{"id": 1`
	var v map[string]any
	err = c.Call(context.Background(), nil, get(c, "/runs/x"), &v)
	var re *apierror.ResponseError
	require.ErrorAs(t, err, &re)
	require.ErrorContains(t, err, "svc: GET /runs/x: unusable 200 response: decoding the body:")
}

func TestSendLeavesTheBodyOpen(t *testing.T) {
	srv := newRecorder(t, 200, "data: 1\n\n")
	c := newCore(t, core.Service{Credentials: keyAuth}, option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	resp, err := c.Send(context.Background(), nil, get(c, "/stream"))
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, "data: 1\n\n", string(b))
}

func TestPerCallBaseURLAppliedOnce(t *testing.T) {
	client := newRecorder(t, 200, `{}`)
	call := newRecorder(t, 200, `{}`)
	c := newCore(t, core.Service{Credentials: keyAuth}, option.WithBaseURL(client.URL), option.WithAPIKey("k"))
	require.NoError(t, c.Do(context.Background(), "GET", "/a", nil, nil, option.WithBaseURL(call.URL+"/prefix")))
	require.Empty(t, client.paths)
	require.Equal(t, []string{"/prefix/a"}, call.paths)

	// A request built against the client's base URL (as the generated
	// client builds them) moves to the call's.
	send := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, client.URL+"/b", nil)
		return c.Doer().Do(req)
	}
	require.NoError(t, c.Call(context.Background(), []option.RequestOption{option.WithBaseURL(call.URL + "/prefix")}, send, nil))
	require.Equal(t, []string{"/prefix/a", "/prefix/b"}, call.paths)
}

func TestCredentialsChecked(t *testing.T) {
	_, err := core.New(core.Service{Name: "svc", EnvAPIKey: "SVC_TEST_KEY", Credentials: keyAuth}, []option.RequestOption{option.WithBaseURL("http://127.0.0.1:1")})
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce, "a client without any credential fails at New")
	require.Equal(t, "svc: API key: none set; set SVC_TEST_KEY or pass option.WithAPIKey", err.Error())

	both := &core.Auth{
		APIKey:     &core.Credential{Name: "API key", Header: "Api-Key"},
		Bearer:     &core.Credential{Name: "bearer token", Header: "Authorization", Scheme: "Bearer "},
		BothReason: "the server refuses both",
	}
	_, err = core.New(core.Service{Name: "svc", Credentials: both}, []option.RequestOption{option.WithBaseURL("http://127.0.0.1:1"), option.WithAPIKey("a"), option.WithBearerToken("b")})
	require.ErrorAs(t, err, &ce)
	require.Contains(t, err.Error(), "not both (the server refuses both)")

	optional := *keyAuth
	optional.Optional = true
	srv := newRecorder(t, 200, `{}`)
	c := newCore(t, core.Service{Credentials: &optional}, option.WithBaseURL(srv.URL))
	err = c.Do(context.Background(), "GET", "/x", nil, nil)
	require.ErrorAs(t, err, &ce, "an optional credential is still needed by a call")
	require.Empty(t, srv.paths, "nothing sent without a credential")
	require.NoError(t, c.Do(context.Background(), "GET", "/x", nil, nil, option.WithAPIKey("per-call")))
	require.Equal(t, "per-call", srv.headers[0].Get("X-Key"))

	failing := option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", errors.New("vault sealed") })
	c = newCore(t, core.Service{Credentials: keyAuth}, option.WithBaseURL(srv.URL), failing)
	err = c.Do(context.Background(), "GET", "/x", nil, nil)
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "svc: API key provider failed: vault sealed", err.Error())

	same := &core.Auth{
		APIKey: &core.Credential{Name: "API key", Header: "Authorization", Scheme: "Bearer "},
		Bearer: &core.Credential{Name: "bearer token", Header: "Authorization", Scheme: "Bearer "},
	}
	c = newCore(t, core.Service{Credentials: same}, option.WithBaseURL(srv.URL), option.WithAPIKey("key"), option.WithBearerToken("tok"))
	require.NoError(t, c.Do(context.Background(), "GET", "/x", nil, nil))
	require.Equal(t, []string{"Bearer key"}, srv.headers[len(srv.headers)-1]["Authorization"], "one header: the API key wins")
}

func TestGreedyPaths(t *testing.T) {
	srv := newRecorder(t, 200, `{}`)
	svc := core.Service{Credentials: keyAuth, GreedyPaths: []core.GreedyPath{{
		Prefix: "/v1/files/", Fixed: 1,
		CheckFixed: func(s string) string {
			if strings.ContainsAny(s, "-") {
				return "must be letters and digits"
			}
			return ""
		},
	}}}
	c := newCore(t, svc, option.WithBaseURL(srv.URL+"/base"), option.WithAPIKey("k"))
	// What the generated client sends: each parameter escaped as one segment.
	send := func(bucket, path string) core.SendFunc {
		return func(ctx context.Context) (*http.Response, error) {
			u := fmt.Sprintf("%s/base/v1/files/%s/%s", srv.URL, escapeAll(bucket), escapeAll(path))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			return c.Doer().Do(req)
		}
	}
	tests := []struct {
		bucket, path string
		want         string // escaped path the server sees; "" for refused
		reason       string
	}{
		{"b1", "docs/a b.txt", "/base/v1/files/b1/docs/a%20b.txt", ""},
		{"b1", "docs/sub/", "/base/v1/files/b1/docs/sub/", ""},
		{"b1", "", "/base/v1/files/b1/", ""},
		{"b1", "x?y#z.txt", "/base/v1/files/b1/x%3Fy%23z.txt", ""},
		{"b1", "a/../../other/x", "", "segment .. is not allowed"},
		{"b1", "a//b", "", "empty path segment"},
		{"b-1", "a", "", "must be letters and digits"},
		{"b/1", "a", "", "must be one non-empty segment"},
	}
	for _, tc := range tests {
		t.Run(tc.bucket+"/"+tc.path, func(t *testing.T) {
			before := len(srv.paths)
			err := c.Call(context.Background(), nil, send(tc.bucket, tc.path), nil)
			if tc.want == "" {
				var ie *apierror.InputError
				require.ErrorAs(t, err, &ie)
				require.Contains(t, err.Error(), tc.reason)
				require.Len(t, srv.paths, before, "a refused path is not sent")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, srv.paths[len(srv.paths)-1])
		})
	}
}

// escapeAll escapes s as one segment, "/" included, as the generated client does.
func escapeAll(s string) string { return core.EscapeSegment(s) }

func TestSendPresignedCarriesNoCredentialAndReusesConnections(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]bool{}
	var headers []http.Header
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr] = true
		headers = append(headers, r.Header.Clone())
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(storage.Close)
	c := newCore(t, core.Service{Credentials: keyAuth}, option.WithBaseURL("http://127.0.0.1:1"),
		option.WithAPIKey("k-secret"), option.WithHeader("X-Custom", "for the API"))
	var into *http.Response
	for i := 0; i < 5; i++ {
		ctx, err := c.Context(context.Background(), []option.RequestOption{option.WithBearerToken("t-secret"), option.WithResponseInto(&into)})
		require.NoError(t, err)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, storage.URL+"/bucket/obj", strings.NewReader("bytes"))
		require.NoError(t, err)
		resp, err := c.SendPresigned(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
	}
	require.Len(t, headers, 5)
	for _, h := range headers {
		require.Empty(t, h.Get("X-Key"))
		require.Empty(t, h.Get("Authorization"))
		require.Empty(t, h.Get("X-Custom"), "the API's extra headers stay with the API")
	}
	require.Nil(t, into, "the presigned response does not land in the call's WithResponseInto")
	require.Len(t, conns, 1, "every upload goes through one connection pool")
}
