package emulator

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// GET /_emulator/requests redacts credentials (sensitive headers and query
// values) unless asked for ?raw=1; Server.Requests (Go tests) stays raw.
func TestAdminRequestsRedactCredentials(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	req, err := http.NewRequest("GET", s.URL+"/v1/items/it-1?limit=2&api_key=sk-SECRET-query", nil)
	require.NoError(t, err)
	req.Header.Set("Api-Key", "sk-SECRET-header")
	req.Header.Set("Authorization", "Bearer sk-SECRET-bearer")
	req.Header.Set("X-Trace", "visible")
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())

	tests := []struct {
		name, query            string
		apiKey, auth, queryKey string
	}{
		{"default", "", "REDACTED", "REDACTED", "REDACTED"},
		{"raw=0", "?raw=0", "REDACTED", "REDACTED", "REDACTED"},
		{"raw=1", "?raw=1", "sk-SECRET-header", "Bearer sk-SECRET-bearer", "sk-SECRET-query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, c, "GET", s.URL+"/_emulator/requests"+tc.query, "", "")
			require.Equal(t, 200, resp.StatusCode)
			if tc.apiKey == "REDACTED" {
				require.NotContains(t, string(body), "SECRET")
			}
			var reqs []Request
			require.NoError(t, json.Unmarshal(body, &reqs))
			require.Len(t, reqs, 1)
			require.Equal(t, []string{tc.apiKey}, reqs[0].Header["Api-Key"])
			require.Equal(t, tc.auth, reqs[0].Header.Get("Authorization"))
			require.Equal(t, "visible", reqs[0].Header.Get("X-Trace"))
			require.Equal(t, tc.queryKey, reqs[0].Query.Get("api_key"))
			require.Equal(t, "2", reqs[0].Query.Get("limit"))
		})
	}
	got := s.Requests()
	require.Equal(t, "sk-SECRET-header", got[0].Header.Get("Api-Key"), "the Go API is raw")
}
