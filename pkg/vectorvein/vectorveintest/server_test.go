package vectorveintest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func post(t *testing.T, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServedUnderAPIBaseAndRoot(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	h := map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}
	for _, base := range []string{srv.APIBaseURL(), srv.URL} {
		code, body := post(t, base+"/workflow/run", `{"wid":"wf-echo","input_fields":[]}`, h)
		require.Equal(t, 200, code)
		require.Contains(t, body, `"rid"`)
	}
	require.Empty(t, srv.Violations())
}

func TestRequestsThatBreakTheSpecAreRejected(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	tests := []struct {
		name   string
		body   string
		header map[string]string
	}{
		{"no version header", `{"wid":"wf-echo"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey}},
		{"wrong version", `{"wid":"wf-echo"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "1"}},
		{"no wid", `{}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}},
		{"bad output scope", `{"wid":"w","output_scope":"some"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, srv.APIBaseURL()+"/workflow/run", tc.body, tc.header)
			require.Equal(t, 400, code)
			// The spec's error envelope (the `default` response), not the kit's shape.
			var env struct {
				Status *int            `json:"status"`
				Msg    string          `json:"msg"`
				Data   json.RawMessage `json:"data"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &env), body)
			require.NotNil(t, env.Status, body)
			require.Equal(t, 400, *env.Status)
			require.True(t, strings.HasPrefix(env.Msg, "runWorkflow: "), env.Msg)
			require.JSONEq(t, `{}`, string(env.Data))
			require.NotContains(t, body, vectorveintest.APIKey)
		})
	}
	// Only the request violations: the envelopes themselves fit the spec.
	vs := srv.Violations()
	require.Len(t, vs, len(tests))
	for _, v := range vs {
		require.Equal(t, "request", v.Direction)
	}
}

// The VApp page answers a link without key_id or token (or another malformed
// query) with the HTML 400 page its spec documents.
func TestVAppPageBadLinkIsHTML400(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	for _, q := range []string{"?token=x", "?key_id=" + vectorveintest.KeyID, "", "?token=x&key_id=k&extra=1"} {
		t.Run(q, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/public/v-app/" + vectorveintest.DefaultAppID + q)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			require.Contains(t, string(b), "<title>Bad Request</title>")
			require.Contains(t, string(b), "openVApp: query parameter")
		})
	}
	vs := srv.Violations()
	require.Len(t, vs, 4)
	for _, v := range vs {
		require.Equal(t, "request", v.Direction, v.Message)
	}
}

func TestStartOutsideTests(t *testing.T) {
	srv, err := vectorveintest.Start(vectorveintest.WithHTTPStatusMirroring(true))
	require.NoError(t, err)
	defer srv.Close()
	code, body := post(t, srv.APIBaseURL()+"/workflow/check-status", `{"rid":"nope"}`,
		map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"})
	require.Equal(t, 404, code)
	require.JSONEq(t, `{"status":404,"msg":"Record not found","data":{}}`, body)
	require.Empty(t, srv.Violations())
}
