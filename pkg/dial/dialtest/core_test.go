package dialtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

var keyHeader = map[string]string{"api-key": dialtest.APIKey}

// TestCorePlainTextErrors: DIAL Core's own errors are a bare string without
// a Content-Type (ProxyContext.respond), a missing file an empty 404; the
// emulator labels them text/plain, or sends them bare with
// WithBareTextErrors, and the spec allows both.
func TestCorePlainTextErrors(t *testing.T) {
	for _, bare := range []bool{false, true} {
		var opts []dialtest.Option
		want := []string{"text/plain; charset=utf-8"}
		if bare {
			opts, want = append(opts, dialtest.WithBareTextErrors()), nil
		}
		srv := dialtest.NewServer(t, opts...)
		status, body, h := do(t, "GET", srv.URL+"/openai/deployments", nil, "")
		require.Equal(t, 401, status)
		require.Equal(t, "At least API-KEY or Authorization header must be provided", body)
		require.Equal(t, want, h.Values("Content-Type"), "bare=%v", bare)

		bucket := dialtest.BucketOf(dialtest.DefaultUser)
		status, body, h = do(t, "GET", srv.URL+"/v1/files/"+bucket+"/missing.txt", keyHeader, "")
		require.Equal(t, 404, status)
		require.Empty(t, body)
		require.Equal(t, want, h.Values("Content-Type"))
		status, _, h = do(t, "GET", srv.URL+"/openai/deployments", keyHeader, "")
		require.Equal(t, 200, status)
		require.Equal(t, "application/json", h.Get("Content-Type"))
		require.Empty(t, srv.Violations())
	}
}

// TestAPIVersionOnEveryOpenAIRoute: the openai SDK's AzureOpenAI sends
// api-version on every call (GET /openai/models too); DIAL Core accepts it.
func TestAPIVersionOnEveryOpenAIRoute(t *testing.T) {
	srv := dialtest.NewServer(t)
	for _, p := range []string{"/openai/models", "/openai/models/gpt-4", "/openai/deployments", "/openai/deployments/gpt-4",
		"/openai/applications", "/openai/applications/echo"} {
		status, body, _ := do(t, "GET", srv.URL+p+"?api-version=2024-02-01", keyHeader, "")
		require.Equal(t, 200, status, "%s: %s", p, body)
	}
	json := map[string]string{"api-key": dialtest.APIKey, "Content-Type": "application/json"}
	status, body, _ := do(t, "POST", srv.URL+"/openai/deployments/gpt-4/embeddings?api-version=2024-02-01", json, `{"input":"x"}`)
	require.Equal(t, 200, status, body)
	status, body, _ = do(t, "POST", srv.URL+"/openai/deployments/gpt-4/completions?api-version=2024-02-01", json, `{"prompt":"x"}`)
	require.Equal(t, 200, status, body)
	require.Empty(t, srv.Violations())
}

// TestTextCompletions: the legacy completions route, JSON and streamed.
func TestTextCompletions(t *testing.T) {
	srv := dialtest.NewServer(t)
	json := map[string]string{"api-key": dialtest.APIKey, "Content-Type": "application/json"}
	u := srv.URL + "/openai/deployments/gpt-4/completions"
	status, body, _ := do(t, "POST", u, json, `{"prompt":"say this","max_tokens":5}`)
	require.Equal(t, 200, status, body)
	require.Contains(t, body, `"object":"text_completion"`)
	require.Contains(t, body, `"text":"say this"`)
	status, body, h := do(t, "POST", u, json, `{"prompt":["say this"],"stream":true}`)
	require.Equal(t, 200, status, body)
	require.Equal(t, "text/event-stream", h.Get("Content-Type"))
	require.Contains(t, body, `"text":" this"`)
	require.Contains(t, body, "data: [DONE]\n\n")
	status, body, _ = do(t, "POST", srv.URL+"/openai/deployments/nope/completions", json, `{"prompt":"x"}`)
	require.Equal(t, 404, status)
	require.Equal(t, "Unknown application: nope", body)
	require.Empty(t, srv.Violations())
}

// TestHeartbeatsAndQuotedETags: the options that imitate other DIAL
// deployments' wire forms are visible on the wire and stay within the spec.
func TestHeartbeatsAndQuotedETags(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithHeartbeats(), dialtest.WithQuotedETags())
	json := map[string]string{"api-key": dialtest.APIKey, "Content-Type": "application/json"}
	status, body, _ := do(t, "POST", srv.URL+"/openai/deployments/gpt-4/chat/completions", json,
		`{"messages":[{"role":"user","content":"a b"}],"stream":true}`)
	require.Equal(t, 200, status, body)
	require.Contains(t, body, ": heartbeat\n\ndata: {")
	status, body, _ = do(t, "POST", srv.URL+"/openai/deployments/gpt-4/completions", json, `{"prompt":"a b","stream":true}`)
	require.Equal(t, 200, status, body)
	require.Contains(t, body, ": heartbeat\n\ndata: [DONE]")

	etag := srv.PutFile(dialtest.DefaultUser, "a.txt", "text/plain", []byte("x"))
	_, _, h := do(t, "GET", srv.URL+"/v1/files/"+dialtest.BucketOf(dialtest.DefaultUser)+"/a.txt", keyHeader, "")
	require.Equal(t, `"`+etag+`"`, h.Get("ETag"))
	require.Empty(t, srv.Violations())
}

// TestFolderMetadataWithoutSlash: DIAL Core treats a metadata path without
// the trailing slash as an item, so a folder answers 404; the lenient
// option (for aidial-client 0.3.0) lists it.
func TestFolderMetadataWithoutSlash(t *testing.T) {
	for _, lenient := range []bool{false, true} {
		var opts []dialtest.Option
		if lenient {
			opts = append(opts, dialtest.WithLenientFolderMetadata())
		}
		srv := dialtest.NewServer(t, opts...)
		srv.PutFile(dialtest.DefaultUser, "dir/a.txt", "text/plain", []byte("a"))
		u := srv.URL + "/v1/metadata/files/" + dialtest.BucketOf(dialtest.DefaultUser) + "/dir"
		status, body, _ := do(t, "GET", u+"/", keyHeader, "")
		require.Equal(t, 200, status, body)
		require.Contains(t, body, `"nodeType":"FOLDER"`)
		status, body, _ = do(t, "GET", u, keyHeader, "")
		if lenient {
			require.Equal(t, 200, status, body)
			require.Contains(t, body, `"a.txt"`)
		} else {
			require.Equal(t, 404, status, body)
			require.Empty(t, body)
		}
		require.Empty(t, srv.Violations())
	}
}
