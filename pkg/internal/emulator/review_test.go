package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// reviewSpec has a text/html response (like VectorVein's VApp page) and
// parameters named like credentials whose values fail to parse.
var reviewSpec = []byte(`openapi: 3.0.3
info: {title: review, version: "1"}
paths:
  /page:
    get:
      operationId: page
      parameters:
        - {name: api_key, in: query, schema: {type: integer}}
        - {name: X-Api-Key, in: header, schema: {type: integer}}
      responses:
        "200":
          description: a page
          content:
            text/html:
              schema: {type: string}
`)

// The kit registers a text/html body decoder, so an HTML response is
// validated instead of being reported as an unsupported content type.
func TestHTMLResponseValidated(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "review", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>ok</title>"))
	}), WithSpec(reviewSpec))
	require.NoError(t, err)
	resp, body := do(t, client(t), "GET", s.URL+"/page", "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Empty(t, s.Violations())
	require.Empty(t, ft.errors())
}

// A request violation never records a credential the client sent, even when
// kin-openapi quotes the offending value (parse errors do).
func TestViolationsDoNotHoldSentCredentials(t *testing.T) {
	tests := []struct {
		name   string
		url    string
		header map[string]string
	}{
		{"query", "/page?api_key=sk-SECRET-query-1234", nil},
		{"header", "/page", map[string]string{"X-Api-Key": "sk-SECRET-header-1234"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTB{}
			defer ft.runCleanups()
			s, err := Start(ft, "review", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), WithSpec(reviewSpec))
			require.NoError(t, err)
			req, err := http.NewRequest("GET", s.URL+tc.url, nil)
			require.NoError(t, err)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := client(t).Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body := make([]byte, 4096)
			n, _ := resp.Body.Read(body)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.NotContains(t, string(body[:n]), "SECRET")
			vs := s.Violations()
			require.Len(t, vs, 1)
			require.NotContains(t, vs[0].Message, "SECRET")
			require.NotContains(t, vs[0].Field, "SECRET")
			for _, l := range ft.logs {
				require.NotContains(t, l, "SECRET")
			}
		})
	}
}

// A fault with an impossible status used to make net/http panic inside the
// handler (the client saw a dropped connection); now the admin endpoint
// rejects it and InjectFault answers 500 naming the problem.
func TestInvalidFaults(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	for _, bad := range []string{`{"status":1000}`, `{"status":42}`, `{"status":100}`, `{"nth":-1,"status":503}`, `{"delay":"-1s"}`, `{"drop_after":-2}`} {
		resp, body := do(t, c, "POST", s.URL+"/_emulator/faults", "application/json", bad)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, bad)
		_, msg := errorMessage(t, body)
		require.Contains(t, msg, "emulator: fault:", bad)
	}
	s.InjectFault(Fault{Path: "/v1/items/{id}", Status: 1000})
	resp, body := do(t, c, "GET", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	typ, msg := errorMessage(t, body)
	require.Equal(t, "invalid_fault", typ)
	require.Contains(t, msg, "status 1000")
}

// Requests returns copies: changing a returned request's maps does not
// change what the server recorded.
func TestRequestsAreCopies(t *testing.T) {
	s := start(t, okHandler)
	do(t, client(t), "GET", s.URL+"/v1/items/it-1?limit=2", "", "")
	got := s.Requests()
	require.Len(t, got, 1)
	got[0].Header.Set("X-Changed", "1")
	got[0].Query.Set("limit", "9")
	got[0].PathParams["id"] = "changed"
	again := s.Requests()[0]
	require.Empty(t, again.Header.Get("X-Changed"))
	require.Equal(t, "2", again.Query.Get("limit"))
	require.Equal(t, "it-1", again.PathParams["id"])
}

// A query parameter the operation does not declare is a request violation
// (kin-openapi accepts any): a misspelt parameter would otherwise be ignored
// silently. Declared ones, exploded free-form objects, deepObject keys and
// query API keys stay accepted.
func TestUndeclaredQueryParameters(t *testing.T) {
	spec := []byte(`openapi: 3.0.3
info: {title: query, version: "1"}
paths:
  /plain:
    get:
      operationId: plain
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        "204": {description: ok}
  /free:
    get:
      operationId: free
      parameters:
        - {name: filter, in: query, schema: {type: object}}
      responses:
        "204": {description: ok}
  /deep:
    get:
      operationId: deep
      parameters:
        - {name: f, in: query, style: deepObject, schema: {type: object, additionalProperties: false, properties: {a: {type: string}}}}
      responses:
        "204": {description: ok}
components:
  securitySchemes:
    q: {type: apiKey, in: query, name: key}
`)
	s, err := Start(nil, "query", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), WithSpec(spec))
	require.NoError(t, err)
	defer s.Close()
	c := client(t)
	tests := []struct {
		path string
		want int
	}{
		{"/plain?limit=2", 204},
		{"/plain?key=k", 204},
		{"/plain?limt=2", 400},
		{"/plain?limit=2&extra=1", 400},
		{"/free?anything=1", 204},
		{"/deep?f[a]=x", 204},
		{"/deep?g=x", 400},
	}
	for _, tc := range tests {
		resp, body := do(t, c, "GET", s.URL+tc.path, "", "")
		require.Equal(t, tc.want, resp.StatusCode, "%s: %s", tc.path, body)
		if tc.want == 400 {
			_, msg := errorMessage(t, body)
			require.Contains(t, msg, "not in the spec", tc.path)
		}
	}
}
