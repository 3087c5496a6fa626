package vectorveintest_test

import (
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
			require.Contains(t, body, "spec_violation")
		})
	}
	require.Len(t, srv.Violations(), len(tests))
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
