package dialtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

func do(t *testing.T, method, url string, header map[string]string, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

// TestAuthRules checks DIAL Core's header rules and plain-text errors.
func TestAuthRules(t *testing.T) {
	srv := dialtest.NewServer(t)
	u := srv.URL + "/openai/deployments"
	tests := []struct {
		name   string
		header map[string]string
		status int
		body   string
	}{
		{"none", nil, 401, "At least API-KEY or Authorization header must be provided"},
		{"api key", map[string]string{"api-key": dialtest.APIKey}, 200, ""},
		{"API-KEY any case", map[string]string{"API-KEY": dialtest.APIKey}, 200, ""},
		{"x-api-key", map[string]string{"X-API-KEY": dialtest.APIKey}, 200, ""},
		{"bearer", map[string]string{"Authorization": "Bearer " + dialtest.BearerToken}, 200, ""},
		{"key as bearer", map[string]string{"Authorization": "Bearer " + dialtest.APIKey}, 200, ""},
		{"unknown key", map[string]string{"api-key": "nope"}, 401, "Unknown api key"},
		{"not bearer", map[string]string{"Authorization": "Basic abc"}, 401, "Bad Authorization header"},
		{"empty bearer uses key", map[string]string{"Authorization": "Bearer", "api-key": dialtest.APIKey}, 200, ""},
		{"both differ", map[string]string{"Authorization": "Bearer " + dialtest.BearerToken, "api-key": dialtest.APIKey}, 400, "Provided API key is not per request key"},
		{"both same", map[string]string{"Authorization": "Bearer " + dialtest.APIKey, "api-key": dialtest.APIKey}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := do(t, "GET", u, tt.header, "")
			require.Equal(t, tt.status, status, body)
			if tt.body != "" {
				require.Equal(t, tt.body, body)
			}
		})
	}
	require.Empty(t, srv.Violations())
}

func TestCoreErrors(t *testing.T) {
	srv := dialtest.NewServer(t)
	key := map[string]string{"api-key": dialtest.APIKey}
	b := dialtest.BucketOf(dialtest.DefaultUser)

	status, body, _ := do(t, "GET", srv.URL+"/v1/files/"+b+"/missing.txt", key, "")
	require.Equal(t, 404, status)
	require.Empty(t, body, "a missing file is 404 with an empty body")

	status, body, _ = do(t, "GET", srv.URL+"/v1/files/"+b+"/dir/", key, "")
	require.Equal(t, 400, status)
	require.Equal(t, "Can't download a folder", body)

	status, body, _ = do(t, "DELETE", srv.URL+"/v1/files/"+b+"/dir/", key, "")
	require.Equal(t, 400, status)
	require.Equal(t, "Can't delete a folder", body)

	status, _, _ = do(t, "GET", srv.URL+"/v1/files/"+b+"/a/%2E%2E/x", key, "")
	require.Equal(t, 400, status)

	status, body, _ = do(t, "GET", srv.URL+"/v1/metadata/files/"+b+"/", key, "")
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"name":null,"parentPath":null,"bucket":"`+b+`","url":"files/`+b+`/","nodeType":"FOLDER","resourceType":"FILE","items":[]}`, body)

	status, body, _ = do(t, "GET", srv.URL+"/v1/metadata/files/"+b+"/empty/", key, "")
	require.Equal(t, 404, status, body)

	status, body, _ = do(t, "GET", srv.URL+"/v1/files/Other1/x.txt", key, "")
	require.Equal(t, 403, status)
	require.Contains(t, body, "You don't have an access to: files/Other1/x.txt")

	// The spec rejects what DIAL Core rejects (limit range, If-None-Match values).
	status, body, _ = do(t, "GET", srv.URL+"/v1/metadata/files/"+b+"/?limit=5000", key, "")
	require.Equal(t, 400, status, body)
	require.Len(t, srv.Violations(), 1, "the kit reports the request violation")
}

func TestChatSSEWire(t *testing.T) {
	srv := dialtest.NewServer(t)
	key := map[string]string{"api-key": dialtest.APIKey, "Content-Type": "application/json"}
	status, body, h := do(t, "POST", srv.URL+"/openai/deployments/gpt-4/chat/completions", key,
		`{"messages":[{"role":"user","content":"2+3="}],"stream":true}`)
	require.Equal(t, 200, status)
	require.Equal(t, "text/event-stream", h.Get("Content-Type"))
	events := strings.Split(strings.TrimSpace(body), "\n\n")
	require.Equal(t, "data: [DONE]", events[len(events)-1])
	require.Contains(t, events[1], `"content":"5"`)
	require.Contains(t, events[len(events)-2], `"usage":{`)
	require.Contains(t, events[len(events)-2], `"finish_reason":"stop"`)
	for _, e := range events {
		require.True(t, strings.HasPrefix(e, "data: "), e)
	}

	status, body, _ = do(t, "POST", srv.URL+"/openai/deployments/gpt-4/chat/completions", key, `{"messages":[],"stream":false}`)
	require.Equal(t, 400, status)
	require.Contains(t, body, `"type":"invalid_request_error"`)
	require.Empty(t, srv.Violations())
}

func TestResponder(t *testing.T) {
	tests := []struct{ prompt, want string }{
		{"2+3=", "5"}, {"10 - 4", "6"}, {"3x4=", "12"}, {"1/0=", "Division by zero is undefined."}, {"2.5*2=", "5"},
		{"what?", "what?"}, {"", "Hello! How can I help?"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, dialtest.DefaultResponder(dialtest.Request{Prompt: tt.prompt}).Content, tt.prompt)
	}
}
