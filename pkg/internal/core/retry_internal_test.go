package core

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/specs"
)

// specRetriesByParser reads every operation's x-retry with a full OpenAPI
// parser.
func specRetriesByParser(t *testing.T, name string) []specOp {
	t.Helper()
	src, err := specs.FS.ReadFile(name)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(src)
	require.NoError(t, err)
	var ops []specOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			v, ok := op.Extensions["x-retry"]
			if !ok {
				continue
			}
			s, isString := v.(string)
			require.True(t, isString, "%s %s %s: x-retry must be a string, got %v", name, method, path, v)
			ops = append(ops, specOp{Method: method, Path: path, Retry: s})
		}
	}
	return ops
}

func sortOps(ops []specOp) []specOp {
	ops = slices.Clone(ops)
	slices.SortFunc(ops, func(a, b specOp) int { return strings.Compare(a.Method+" "+a.Path, b.Method+" "+b.Path) })
	return ops
}

// TestSpecRetries: every operation of every spec has no x-retry or a known
// value; the scanner the core uses at run time reads exactly what a full
// OpenAPI parser reads; the operations that create work are marked.
func TestSpecRetries(t *testing.T) {
	all := map[string]string{}
	for _, svc := range specs.Services {
		name := svc + ".yaml"
		parsed := specRetriesByParser(t, name)
		scanned, err := retryOps(name)
		require.NoError(t, err)
		require.Equal(t, sortOps(parsed), sortOps(scanned), "%s: the scanner disagrees with the OpenAPI parser", name)
		for _, op := range parsed {
			require.True(t, knownRetry(op.Retry), "%s %s %s: unknown x-retry %q", name, op.Method, op.Path, op.Retry)
			all[svc+" "+op.Method+" "+op.Path] = op.Retry
		}
	}
	for op, want := range map[string]string{
		"infsh POST /apps/run":                                          retryUnsafe,
		"infsh POST /agents/run":                                        retryUnsafe,
		"dragoneye POST /prediction-task/begin":                         retryUnsafe,
		"dragoneye POST /predict":                                       retryUnsafe,
		"vectorvein POST /workflow/run":                                 retryUnsafe,
		"vectorvein POST /vapp/access-key/create":                       retryUnsafe,
		"dial PUT /v1/files/{bucket}/{path}":                            retryUnsafeUnlessPrecondition,
		"dial POST /openai/deployments/{deploymentId}/chat/completions": retrySafe,
	} {
		require.Equal(t, want, all[op], op)
	}
}

// TestScanRetriesSkipsBlockScalars: text inside a description that looks
// like the extension is not read as one.
func TestScanRetriesSkipsBlockScalars(t *testing.T) {
	src := `openapi: 3.0.3
info:
  description: |
    paths:
      /x:
        post:
          x-retry: unsafe
paths:
  /a/{id}:
    description: |
      x-retry: unsafe
          x-retry: unsafe
    post:
      description: >
        x-retry: unsafe
      x-retry: "unsafe"  # creates a thing
    get:
      summary: x
  "/b":
    put:
      x-retry: safe
components:
  x:
    x-retry: unsafe
`
	require.Equal(t, []specOp{
		{Method: "POST", Path: "/a/{id}", Retry: "unsafe"},
		{Method: "PUT", Path: "/b", Retry: "safe"},
	}, scanRetries([]byte(src)))
}

// TestRetryPolicyMatch: requests are matched to their operation by method
// and path below the client's or the call's base URL; DIAL's file path is
// greedy; a precondition makes an upload safe; anything else is safe.
func TestRetryPolicyMatch(t *testing.T) {
	ctx := context.Background()
	dial, err := New(Service{Name: "dial", Spec: "dial.yaml", GreedyPaths: []GreedyPath{{Prefix: "/v1/files/", Fixed: 1}}},
		[]option.RequestOption{option.WithBaseURL("http://h:1/base")})
	require.NoError(t, err)
	infsh, err := New(Service{Name: "infsh", Spec: "infsh.yaml"}, []option.RequestOption{option.WithBaseURL("http://h:1")})
	require.NoError(t, err)
	none, err := New(Service{Name: "none"}, []option.RequestOption{option.WithBaseURL("http://h:1")})
	require.NoError(t, err)
	_, err = New(Service{Name: "missing", Spec: "missing.yaml"}, []option.RequestOption{option.WithBaseURL("http://h:1")})
	require.ErrorContains(t, err, "missing.yaml")

	req := func(ctx context.Context, method, u string, header ...string) *http.Request {
		r, err := http.NewRequestWithContext(ctx, method, u, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return r
	}
	callCtx, err := dial.Context(ctx, []option.RequestOption{option.WithBaseURL("http://other:2/x/y")})
	require.NoError(t, err)
	for _, tc := range []struct {
		c    *Client
		r    *http.Request
		want transport.RetryPolicy
	}{
		{infsh, req(ctx, "POST", "http://h:1/apps/run"), transport.RetryUnsafe},
		{infsh, req(ctx, "POST", "http://h:1/agents/run?x=1"), transport.RetryUnsafe},
		{infsh, req(ctx, "GET", "http://h:1/apps/run"), transport.RetrySafe},
		{infsh, req(ctx, "POST", "http://h:1/apps/run/x"), transport.RetrySafe},
		{infsh, req(ctx, "POST", "http://h:1/tasks/t1/cancel"), transport.RetrySafe},
		{infsh, req(ctx, "POST", "http://elsewhere:1/apps/run"), transport.RetrySafe},
		{dial, req(ctx, "PUT", "http://h:1/base/v1/files/b1/a/b/c.txt"), transport.RetryUnsafe},
		{dial, req(ctx, "PUT", "http://h:1/base/v1/files/b1/c.txt"), transport.RetryUnsafe},
		{dial, req(ctx, "PUT", "http://h:1/base/v1/files/b1/c.txt", "If-None-Match", "*"), transport.RetrySafe},
		{dial, req(ctx, "PUT", "http://h:1/base/v1/files/b1/c.txt", "If-Match", `"e1"`), transport.RetrySafe},
		{dial, req(ctx, "PUT", "http://h:1/v1/files/b1/c.txt"), transport.RetrySafe}, // not below the base path
		{dial, req(ctx, "GET", "http://h:1/base/v1/files/b1/c.txt"), transport.RetrySafe},
		{dial, req(ctx, "POST", "http://h:1/base/openai/deployments/gpt/chat/completions"), transport.RetrySafe},
		{dial, req(callCtx, "PUT", "http://other:2/x/y/v1/files/b1/c.txt"), transport.RetryUnsafe},
		{none, req(ctx, "POST", "http://h:1/apps/run"), transport.RetrySafe},
	} {
		require.Equal(t, tc.want, tc.c.retryPolicy(tc.r), "%s %s %v", tc.r.Method, tc.r.URL, tc.r.Header)
	}
}
