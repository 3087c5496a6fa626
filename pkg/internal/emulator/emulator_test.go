package emulator

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

//go:embed testdata/test.yaml
var testSpec []byte

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeTB records what the kit reports, to observe t.Errorf.
type fakeTB struct {
	mu       sync.Mutex
	errs     []string
	logs     []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}
func (f *fakeTB) errors() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errs...)
}
func (f *fakeTB) runCleanups() {
	f.mu.Lock()
	cs := f.cleanups
	f.cleanups = nil
	f.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

// start serves h with the test spec; the server closes with t.
func start(t *testing.T, h http.HandlerFunc, opts ...Option) *Server {
	t.Helper()
	s, err := Start(t, "test", h, append([]Option{WithSpec(testSpec)}, opts...)...)
	require.NoError(t, err)
	return s
}

// client returns an HTTP client whose idle connections close with t.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func do(t *testing.T, c *http.Client, method, url, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if body == "" {
		req.Body = nil
		req.ContentLength = 0
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// okHandler answers every operation of the test spec correctly.
func okHandler(w http.ResponseWriter, r *http.Request) {
	switch OperationID(r) {
	case "createItem":
		var in map[string]any
		_ = json.NewDecoder(r.Body).Decode(&in)
		writeJSONBody(w, 200, map[string]any{"id": "it-1", "name": in["name"]})
	case "getItem":
		w.Header().Set("X-Request-Id", "req-1")
		writeJSONBody(w, 200, map[string]any{"id": r.PathValue("id"), "name": "n"})
	case "deleteItem":
		w.WriteHeader(http.StatusNoContent)
	case "getFile":
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.WriteString(w, "content of "+r.PathValue("path"))
	case "putFile":
		n, _ := io.Copy(io.Discard, r.Body)
		writeJSONBody(w, 200, map[string]any{"bucket": r.PathValue("bucket"), "path": r.PathValue("path"), "size": n})
	case "getFileMetadata", "getSpecial":
		writeJSONBody(w, 200, map[string]any{"bucket": r.PathValue("bucket"), "path": r.PathValue("path")})
	case "predict":
		writeJSONBody(w, 200, map[string]any{"model": r.PathValue("model")})
	case "upload":
		writeJSONBody(w, 200, map[string]any{"bucket": "uploads", "path": "f"})
	default:
		http.Error(w, "unexpected operation", http.StatusTeapot)
	}
}

func errorMessage(t *testing.T, body []byte) (typ, msg string) {
	t.Helper()
	var e struct {
		Error struct{ Type, Message string }
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Error.Type, e.Error.Message
}

func TestRequestValidation(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	tests := []struct {
		name, method, path, ct, body string
		status                       int
		wantMsg                      []string // substrings of the error message
	}{
		{"valid", "POST", "/v1/items", "application/json", `{"name":"x","kind":"a"}`, 200, nil},
		{"enum", "POST", "/v1/items", "application/json", `{"name":"x","kind":"z"}`, 400,
			[]string{"createItem: ", "request body /kind", "allowed values"}},
		{"missing field", "POST", "/v1/items", "application/json", `{"kind":"a"}`, 400,
			[]string{"createItem: request body", `"name"`, "missing"}},
		{"wrong type nested", "POST", "/v1/items", "application/json", `{"name":"x","kind":"a","tags":[1]}`, 400,
			[]string{"request body /tags/0", "must be a string"}},
		{"unknown field", "POST", "/v1/items", "application/json", `{"name":"x","kind":"a","extra":1}`, 400,
			[]string{"request body", "extra"}},
		{"two issues", "POST", "/v1/items", "application/json", `{"name":"","kind":"z"}`, 400,
			[]string{"request body /name", "request body /kind"}},
		{"not json", "POST", "/v1/items", "application/json", `{"name":`, 400, []string{"createItem: request body"}},
		{"missing body", "POST", "/v1/items", "application/json", ``, 400, []string{"createItem: request body", "required"}},
		{"wrong content type", "POST", "/v1/items", "text/csv", `a,b`, 400, []string{"createItem: request body"}},
		{"path pattern", "GET", "/v1/items/bad", "", "", 400, []string{`getItem: path parameter "id"`}},
		{"query range", "GET", "/v1/items/it-1?limit=50", "", "", 400, []string{`getItem: query parameter "limit"`, "at most 10"}},
		{"query type", "GET", "/v1/items/it-1?limit=x", "", "", 400, []string{`getItem: query parameter "limit"`}},
		{"query ok", "GET", "/v1/items/it-1?limit=5", "", "", 200, nil},
		{"body not allowed", "DELETE", "/v1/items/it-1", "application/json", `{}`, 400, []string{"deleteItem: request", "not allowed"}},
		{"server base path", "GET", "/api/v1/items/it-1", "", "", 200, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, c, tc.method, s.URL+tc.path, tc.ct, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, string(body))
			if tc.status != 400 {
				return
			}
			typ, msg := errorMessage(t, body)
			require.Equal(t, "spec_violation", typ)
			for _, want := range tc.wantMsg {
				require.Contains(t, msg, want)
			}
			require.NotContains(t, msg, "Schema:", "no schema dump in messages")
		})
	}
	vs := s.Violations()
	require.NotEmpty(t, vs)
	for _, v := range vs {
		require.Equal(t, "request", v.Direction)
		require.NotEmpty(t, v.Field)
	}
}

func TestRequestViolationDoesNotLeakValues(t *testing.T) {
	s := start(t, okHandler)
	_, body := do(t, client(t), "POST", s.URL+"/v1/items", "application/json", `{"name":"sk-SECRET-123","kind":"sk-SECRET-456"}`)
	_, msg := errorMessage(t, body)
	require.Contains(t, msg, "request body /kind")
	require.NotContains(t, msg, "SECRET")
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	resp, body := do(t, c, "GET", s.URL+"/v2/nothing", "", "")
	require.Equal(t, 404, resp.StatusCode)
	typ, _ := errorMessage(t, body)
	require.Equal(t, "not_found", typ)

	resp, body = do(t, c, "PATCH", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 405, resp.StatusCode)
	require.Equal(t, "DELETE, GET", resp.Header.Get("Allow"))
	typ, _ = errorMessage(t, body)
	require.Equal(t, "method_not_allowed", typ)
	require.Empty(t, s.Violations())
}

func TestResponseViolations(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		handler http.HandlerFunc
		want    []string
	}{
		{"wrong type", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			writeJSONBody(w, 200, map[string]any{"id": 5, "name": "n"})
		}, []string{"getItem: ", "response body /id", "must be a string"}},
		{"missing property", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			writeJSONBody(w, 200, map[string]any{"id": "it-1"})
		}, []string{"getItem: response body", `"name"`}},
		{"missing header", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			writeJSONBody(w, 200, map[string]any{"id": "it-1", "name": "n"})
		}, []string{`getItem: response header "X-Request-Id"`, "missing"}},
		{"undocumented status", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			writeJSONBody(w, 500, map[string]any{"error": "boom"})
		}, []string{"getItem: response status", "500"}},
		{"wrong content type", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "hello")
		}, []string{`getItem: response header "Content-Type"`}},
		{"invalid JSON", "/v1/items/it-1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", "r")
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":`)
		}, []string{"getItem: response body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTB{}
			defer ft.runCleanups()
			s, err := Start(ft, "test", tc.handler, WithSpec(testSpec))
			require.NoError(t, err)
			resp, _ := do(t, client(t), "GET", s.URL+tc.path, "", "")
			require.NotEqual(t, 400, resp.StatusCode, "the request is valid")
			vs := s.Violations()
			require.Len(t, vs, 1)
			require.Equal(t, "response", vs[0].Direction)
			require.Equal(t, "getItem", vs[0].Operation)
			for _, want := range tc.want {
				require.Contains(t, vs[0].Message, want)
			}
			errs := ft.errors()
			require.Len(t, errs, 1)
			require.Contains(t, errs[0], vs[0].Message)
		})
	}
}

func TestResponseValidationOffAndValid(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	bad := func(w http.ResponseWriter, r *http.Request) { writeJSONBody(w, 200, map[string]any{"id": 5}) }
	s, err := Start(ft, "test", http.HandlerFunc(bad), WithSpec(testSpec), WithValidateResponses(false))
	require.NoError(t, err)
	resp, _ := do(t, client(t), "GET", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, s.Violations())
	require.Empty(t, ft.errors())

	// Without a TB, violations are still recorded.
	s2, err := Start(nil, "test", http.HandlerFunc(bad), WithSpec(testSpec))
	require.NoError(t, err)
	defer s2.Close()
	resp, _ = do(t, client(t), "GET", s2.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, s2.Violations(), 1)
}

func TestEmptyResponseIsValidated(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), WithSpec(testSpec))
	require.NoError(t, err)
	resp, _ := do(t, client(t), "DELETE", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 200, resp.StatusCode)
	vs := s.Violations()
	require.Len(t, vs, 1)
	require.Contains(t, vs[0].Message, "deleteItem: response status: status 200 is not documented")
}

func TestFaultJSON(t *testing.T) {
	var f Fault
	require.NoError(t, json.Unmarshal([]byte(`{"method":"GET","nth":2,"times":3,"delay":"1.5s","trickle":5,"drop_after":10,"header":{"X":["y"]}}`), &f))
	require.Equal(t, Fault{Method: "GET", Nth: 2, Times: 3, Delay: 1500 * time.Millisecond, Trickle: 5, DropAfter: 10, Header: http.Header{"X": {"y"}}}, f)
}

func TestValidResponsesRecordNothing(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(okHandler), WithSpec(testSpec))
	require.NoError(t, err)
	c := client(t)
	for _, p := range []struct{ method, path, ct, body string }{
		{"POST", "/v1/items", "application/json", `{"name":"x","kind":"a"}`},
		{"GET", "/v1/items/it-7", "", ""},
		{"DELETE", "/v1/items/it-7", "", ""},
		{"GET", "/v1/files/b/x/y.bin", "", ""},
		{"PUT", "/v1/files/b/x/y.bin", "application/octet-stream", "binary\x00data"},
	} {
		resp, body := do(t, c, p.method, s.URL+p.path, p.ct, p.body)
		require.Less(t, resp.StatusCode, 300, string(body))
	}
	require.Empty(t, s.Violations())
	require.Empty(t, ft.errors())
}

func TestRouting(t *testing.T) {
	s := start(t, func(w http.ResponseWriter, r *http.Request) {
		params := map[string]string{}
		for _, n := range []string{"bucket", "path", "id", "model"} {
			if v := r.PathValue(n); v != "" {
				params[n] = v
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r")
		w.Header().Set("X-Op", OperationID(r))
		p, _ := json.Marshal(params)
		w.Header().Set("X-Params", string(p))
		switch OperationID(r) {
		case "getFile":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte("x"))
		case "getItem":
			writeJSONBody(w, 200, map[string]any{"id": "it-1", "name": "n"})
		default:
			writeJSONBody(w, 200, map[string]any{"bucket": "b", "path": "p"})
		}
	})
	c := client(t)
	tests := []struct {
		method, path string
		op           string
		params       string
	}{
		{"GET", "/v1/files/b1/a.txt", "getFile", `{"bucket":"b1","path":"a.txt"}`},
		{"GET", "/v1/files/b1/a/b/c.txt", "getFile", `{"bucket":"b1","path":"a/b/c.txt"}`},
		{"GET", "/v1/files/b1/dir%20x/f%2Fg.txt", "getFile", `{"bucket":"b1","path":"dir x/f/g.txt"}`},
		{"GET", "/v1/files/b1/special", "getSpecial", `{"bucket":"b1"}`},
		{"GET", "/v1/files/b1/special/x", "getFile", `{"bucket":"b1","path":"special/x"}`},
		{"GET", "/v1/files/b1/metadata/x/y.txt", "getFileMetadata", `{"bucket":"b1","path":"x/y.txt"}`},
		{"GET", "/v1/files/b1/metadata", "getFile", `{"bucket":"b1","path":"metadata"}`},
		{"GET", "/v1/files/b1/a/metadata/x", "getFile", `{"bucket":"b1","path":"a/metadata/x"}`},
		{"PUT", "/v1/files/b1/metadata/x", "putFile", `{"bucket":"b1","path":"metadata/x"}`},
		{"POST", "/v1/models/m-1:predict", "predict", `{"model":"m-1"}`},
		{"GET", "/api/v1/items/it-3", "getItem", `{"id":"it-3"}`},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			body := ""
			ct := ""
			if tc.method == "PUT" {
				body, ct = "data", "application/octet-stream"
			}
			resp, data := do(t, c, tc.method, s.URL+tc.path, ct, body)
			require.Equal(t, 200, resp.StatusCode, string(data))
			require.Equal(t, tc.op, resp.Header.Get("X-Op"))
			require.JSONEq(t, tc.params, resp.Header.Get("X-Params"))
			reqs := s.Requests()
			require.Equal(t, tc.op, reqs[len(reqs)-1].Operation)
		})
	}
	for _, p := range []string{"/v1/files/b1", "/v1/files/b1/", "/v1/models/:predict", "/v1/items/it-1/x"} {
		resp, _ := do(t, c, "GET", s.URL+p, "", "")
		require.Equal(t, 404, resp.StatusCode, p)
	}
}

func TestRouterSpecificity(t *testing.T) {
	doc := `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a/{x}/c:
    get: {operationId: paramLiteral, parameters: [{name: x, in: path, required: true, schema: {type: string}}], responses: {"204": {description: ok}}}
  /a/b/{y}:
    get: {operationId: literalParam, parameters: [{name: y, in: path, required: true, schema: {type: string}}], responses: {"204": {description: ok}}}
  /g/{p}/end:
    get: {operationId: greedyEnd, parameters: [{name: p, in: path, required: true, schema: {type: string}, x-greedy-path: true}], responses: {"204": {description: ok}}}
  /g/{p}:
    get: {operationId: greedy, parameters: [{name: p, in: path, required: true, schema: {type: string}, x-greedy-path: true}], responses: {"204": {description: ok}}}
`
	cs, err := compileSpec([]byte(doc))
	require.NoError(t, err)
	tests := []struct {
		path, op string
		params   map[string]string
	}{
		{"/a/b/c", "literalParam", map[string]string{"y": "c"}},
		{"/a/z/c", "paramLiteral", map[string]string{"x": "z"}},
		{"/g/1/2/end", "greedyEnd", map[string]string{"p": "1/2"}},
		{"/g/1/2/end/x", "greedy", map[string]string{"p": "1/2/end/x"}},
		{"/g/end", "greedy", map[string]string{"p": "end"}},
		{"/g/x/end/end", "greedyEnd", map[string]string{"p": "x/end"}},
	}
	for _, tc := range tests {
		m := cs.find("GET", tc.path)
		require.NotNil(t, m.op, tc.path)
		require.Equal(t, tc.op, m.op.OperationID, tc.path)
		require.Equal(t, tc.params, m.params, tc.path)
	}
	m := cs.find("POST", "/a/b/c")
	require.Nil(t, m.op)
	require.True(t, m.specified)
	require.Equal(t, []string{"GET"}, m.allowed)
}

func TestSpecErrors(t *testing.T) {
	_, err := Start(nil, "no-such-service", nil)
	require.ErrorContains(t, err, "no-such-service")
	_, err = Start(nil, "test", nil, WithSpec([]byte("openapi: 3.0.3\ninfo: {}\npaths: {}\n")))
	require.Error(t, err)
	_, err = Start(nil, "test", nil, WithSpec([]byte("{not yaml")))
	require.Error(t, err)
	bad := strings.Replace(string(testSpec), "/v1/models/{model}:predict", "/v1/models/{model}{x}", 1)
	_, err = Start(nil, "test", nil, WithSpec([]byte(bad)))
	require.Error(t, err)
}

func TestSpecCacheConcurrent(t *testing.T) {
	doc := append([]byte("# concurrent\n"), testSpec...)
	var wg sync.WaitGroup
	specsSeen := make([]*compiledSpec, 8)
	for i := range specsSeen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs, err := loadSpec("test", doc)
			if err == nil {
				specsSeen[i] = cs
			}
		}()
	}
	wg.Wait()
	for _, cs := range specsSeen {
		require.NotNil(t, cs)
		require.Same(t, specsSeen[0], cs)
	}
}

func TestRequestValidationOff(t *testing.T) {
	s := start(t, okHandler, WithValidateRequests(false))
	resp, body := do(t, client(t), "POST", s.URL+"/v1/items", "application/json", `{"name":"x","kind":"z"}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.Empty(t, s.Violations())
}

func TestNilHandler(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", nil, WithSpec(testSpec), WithValidateResponses(false))
	require.NoError(t, err)
	resp, _ := do(t, client(t), "DELETE", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 501, resp.StatusCode)
}

func TestHandlerPanic(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }), WithSpec(testSpec))
	require.NoError(t, err)
	resp, _ := do(t, client(t), "DELETE", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 500, resp.StatusCode)
	require.NotEmpty(t, ft.errors())
	require.Contains(t, ft.errors()[0], "panicked")
}

func TestRecording(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	do(t, c, "POST", s.URL+"/v1/items?x=1", "application/json", `{"name":"x","kind":"a"}`)
	do(t, c, "GET", s.URL+"/nope", "", "")
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "POST", reqs[0].Method)
	require.Equal(t, "/v1/items", reqs[0].Path)
	require.Equal(t, "1", reqs[0].Query.Get("x"))
	require.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	require.JSONEq(t, `{"name":"x","kind":"a"}`, string(reqs[0].Body))
	require.Equal(t, "createItem", reqs[0].Operation)
	require.Equal(t, "/v1/items", reqs[0].Template)
	require.Equal(t, "", reqs[1].Operation)
	s.ResetRequests()
	require.Empty(t, s.Requests())

	s2 := start(t, okHandler, WithMaxRecorded(2))
	for i := range 3 {
		do(t, c, "GET", fmt.Sprintf("%s/v1/items/it-%d", s2.URL, i), "", "")
	}
	reqs = s2.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "/v1/items/it-1", reqs[0].Path)
}

func TestAdminEndpoints(t *testing.T) {
	s, err := Start(nil, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSONBody(w, 200, map[string]any{"id": 1})
	}), WithSpec(testSpec))
	require.NoError(t, err)
	defer s.Close()
	c := client(t)
	resp, body := do(t, c, "GET", s.URL+"/_emulator/health", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok","service":"test"}`, string(body))

	do(t, c, "GET", s.URL+"/v1/items/it-1", "", "")
	resp, body = do(t, c, "GET", s.URL+"/_emulator/violations", "", "")
	require.Equal(t, 200, resp.StatusCode)
	var vs []Violation
	require.NoError(t, json.Unmarshal(body, &vs))
	require.Len(t, vs, 1)
	require.Equal(t, "getItem", vs[0].Operation)

	resp, _ = do(t, c, "DELETE", s.URL+"/_emulator/violations", "", "")
	require.Equal(t, 204, resp.StatusCode)
	_, body = do(t, c, "GET", s.URL+"/_emulator/violations", "", "")
	require.JSONEq(t, `[]`, string(body))

	_, body = do(t, c, "GET", s.URL+"/_emulator/requests", "", "")
	var reqs []Request
	require.NoError(t, json.Unmarshal(body, &reqs))
	require.Len(t, reqs, 1, "admin requests are not recorded")

	resp, _ = do(t, c, "POST", s.URL+"/_emulator/faults", "application/json", `{"path":"/v1/items/{id}","status":429,"retry_after":"2","delay":"1ms","trickle":1000}`)
	require.Equal(t, 204, resp.StatusCode)
	resp, _ = do(t, c, "GET", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 429, resp.StatusCode)
	require.Equal(t, "2", resp.Header.Get("Retry-After"))
	for _, bad := range []string{`{"bogus":1}`, `{"delay":"soon"}`, `{"delay":true}`, `[`} {
		resp, _ = do(t, c, "POST", s.URL+"/_emulator/faults", "application/json", bad)
		require.Equal(t, 400, resp.StatusCode, bad)
	}
	resp, _ = do(t, c, "DELETE", s.URL+"/_emulator/faults", "", "")
	require.Equal(t, 204, resp.StatusCode)
	resp, _ = do(t, c, "GET", s.URL+"/_emulator/nothing", "", "")
	require.Equal(t, 404, resp.StatusCode)
	resp, _ = do(t, c, "DELETE", s.URL+"/_emulator/requests", "", "")
	require.Equal(t, 204, resp.StatusCode)
	require.Empty(t, s.Requests())
}

func TestMultipart(t *testing.T) {
	s := start(t, okHandler)
	c := client(t)
	build := func(fields map[string]string, file []byte) (string, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			require.NoError(t, mw.WriteField(k, v))
		}
		if file != nil {
			fw, err := mw.CreateFormFile("file", "a.bin")
			require.NoError(t, err)
			_, _ = fw.Write(file)
		}
		require.NoError(t, mw.Close())
		return mw.FormDataContentType(), buf.String()
	}
	ct, body := build(map[string]string{"purpose": "train"}, []byte{0, 1, 2})
	resp, data := do(t, c, "POST", s.URL+"/v1/upload", ct, body)
	require.Equal(t, 200, resp.StatusCode, string(data))

	ct, body = build(map[string]string{"purpose": "nope"}, []byte{0, 1, 2})
	resp, data = do(t, c, "POST", s.URL+"/v1/upload", ct, body)
	require.Equal(t, 400, resp.StatusCode)
	_, msg := errorMessage(t, data)
	require.Contains(t, msg, "upload: request body /purpose")

	ct, body = build(map[string]string{"purpose": "eval"}, nil)
	resp, data = do(t, c, "POST", s.URL+"/v1/upload", ct, body)
	require.Equal(t, 400, resp.StatusCode)
	_, msg = errorMessage(t, data)
	require.Contains(t, msg, `"file"`)
}

// patternReader yields n bytes without allocating them.
type patternReader struct{ n int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	for i := range p {
		p[i] = byte(i)
	}
	r.n -= int64(len(p))
	return len(p), nil
}

func TestLargeUploadNotBuffered(t *testing.T) {
	const size = 64 << 20
	for _, known := range []bool{false, true} {
		t.Run(fmt.Sprintf("content-length=%v", known), func(t *testing.T) {
			ft := &fakeTB{}
			defer ft.runCleanups()
			s, err := Start(ft, "test", http.HandlerFunc(okHandler), WithSpec(testSpec))
			require.NoError(t, err)
			c := client(t)

			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak uint64
			stop := make(chan struct{})
			sampled := make(chan struct{})
			go func() {
				defer close(sampled)
				var ms runtime.MemStats
				for {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
					select {
					case <-stop:
						return
					case <-time.After(2 * time.Millisecond):
					}
				}
			}()

			req, err := http.NewRequest("PUT", s.URL+"/v1/files/b/big/file.bin", io.NopCloser(&patternReader{n: size}))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/octet-stream")
			if known {
				req.ContentLength = size
			}
			resp, err := c.Do(req)
			require.NoError(t, err)
			var info struct{ Size int64 }
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
			resp.Body.Close()
			close(stop)
			<-sampled

			require.Equal(t, 200, resp.StatusCode)
			require.EqualValues(t, size, info.Size, "the handler saw the whole body")
			growth := int64(peak) - int64(before.HeapAlloc)
			t.Logf("peak heap growth during a %d MiB upload: %.1f MiB", size>>20, float64(growth)/(1<<20))
			require.Less(t, growth, int64(24<<20))

			reqs := s.Requests()
			require.Len(t, reqs, 1)
			require.Len(t, reqs[0].Body, MaxRecordedBody)
			require.True(t, reqs[0].BodyTruncated)
			require.Empty(t, s.Violations())
			require.Empty(t, ft.errors())
		})
	}
}

func TestLargeJSONRequestValidated(t *testing.T) {
	s := start(t, okHandler)
	// Over the binary limit, under the JSON one: still validated.
	body := `{"name":"` + strings.Repeat("n", 10<<20) + `","kind":"a","tags":[1]}`
	resp, data := do(t, client(t), "POST", s.URL+"/v1/items", "application/json", body)
	require.Equal(t, 400, resp.StatusCode)
	_, msg := errorMessage(t, data)
	require.Contains(t, msg, "request body /tags/0")
}

func TestFaults(t *testing.T) {
	type result struct {
		status     int
		retryAfter string
		body       string
		err        error
		elapsed    time.Duration
	}
	get := func(c *http.Client, url string) result {
		startAt := time.Now()
		resp, err := c.Get(url)
		if err != nil {
			return result{err: err, elapsed: time.Since(startAt)}
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		return result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(data), err: err, elapsed: time.Since(startAt)}
	}
	bigFile := strings.Repeat("0123456789", 100)
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch OperationID(r) {
		case "getFile":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = io.WriteString(w, bigFile)
		default:
			okHandler(w, r)
		}
	}

	t.Run("503 with Retry-After", func(t *testing.T) {
		s := start(t, handler)
		c := client(t)
		s.InjectFault(Fault{Method: "GET", Path: "/v1/items/{id}", Nth: 1, Status: 503, RetryAfter: "1"})
		r := get(c, s.URL+"/v1/items/it-1")
		require.NoError(t, r.err)
		require.Equal(t, 503, r.status)
		require.Equal(t, "1", r.retryAfter)
		require.Contains(t, r.body, `"injected_fault"`)
		require.Equal(t, 200, get(c, s.URL+"/v1/items/it-1").status, "Nth 1, Times 0: once")
		require.Len(t, s.Requests(), 2)
		require.Empty(t, s.Violations())
	})
	t.Run("custom body and headers", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Path: "/v1/items/it-1", Status: 429, Body: `{"msg":"slow"}`, Header: http.Header{"Retry-After-Ms": {"10"}}})
		resp, body := do(t, client(t), "GET", s.URL+"/v1/items/it-1", "", "")
		require.Equal(t, 429, resp.StatusCode)
		require.Equal(t, "10", resp.Header.Get("Retry-After-Ms"))
		require.Equal(t, `{"msg":"slow"}`, string(body))
	})
	t.Run("Nth and Times", func(t *testing.T) {
		s := start(t, handler)
		c := client(t)
		s.InjectFault(Fault{Path: "/v1/items/{id}", Nth: 2, Times: 2, Status: 500})
		var got []int
		for range 5 {
			got = append(got, get(c, s.URL+"/v1/items/it-1").status)
		}
		require.Equal(t, []int{200, 500, 500, 200, 200}, got)
	})
	t.Run("every request when Nth is 0", func(t *testing.T) {
		s := start(t, handler)
		c := client(t)
		s.InjectFault(Fault{Method: "GET", Path: "/v1/items/it-2", Status: 502})
		require.Equal(t, 502, get(c, s.URL+"/v1/items/it-2").status)
		require.Equal(t, 502, get(c, s.URL+"/v1/items/it-2").status)
		require.Equal(t, 200, get(c, s.URL+"/v1/items/it-3").status, "other path")
		s.ClearFaults()
		require.Equal(t, 200, get(c, s.URL+"/v1/items/it-2").status)
	})
	t.Run("delay", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Path: "/v1/items/{id}", Delay: 150 * time.Millisecond})
		r := get(client(t), s.URL+"/v1/items/it-1")
		require.NoError(t, r.err)
		require.Equal(t, 200, r.status)
		require.GreaterOrEqual(t, r.elapsed, 150*time.Millisecond)

		s.InjectFault(Fault{Path: "/v1/items/{id}", Delay: 5 * time.Second})
		c := client(t)
		c.Timeout = 100 * time.Millisecond
		r = get(c, s.URL+"/v1/items/it-1")
		require.Error(t, r.err, "the client times out before the headers")
	})
	t.Run("dropped connection", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Path: "/v1/files/{bucket}/{path}", Nth: 1, DropAfter: 100})
		r := get(client(t), s.URL+"/v1/files/b/f.bin")
		require.Equal(t, 200, r.status)
		require.ErrorIs(t, r.err, io.ErrUnexpectedEOF)
		require.Equal(t, bigFile[:100], r.body)
		require.Empty(t, s.Violations(), "a cut response is not validated")
		r = get(client(t), s.URL+"/v1/files/b/f.bin")
		require.NoError(t, r.err)
		require.Equal(t, bigFile, r.body)
	})
	t.Run("dropped with Content-Length", func(t *testing.T) {
		s := start(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", fmt.Sprint(len(bigFile)))
			_, _ = io.WriteString(w, bigFile)
		})
		s.InjectFault(Fault{Drop: true})
		r := get(client(t), s.URL+"/v1/files/b/f.bin")
		require.Equal(t, 200, r.status)
		require.ErrorIs(t, r.err, io.ErrUnexpectedEOF)
		require.Empty(t, r.body)
	})
	t.Run("disconnect", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Disconnect: true})
		r := get(client(t), s.URL+"/v1/items/it-1")
		require.Error(t, r.err)
		require.Equal(t, 0, r.status)
	})
	t.Run("trickle", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Path: "/v1/items/it-1", Trickle: 20 * time.Millisecond, TrickleSize: 8})
		r := get(client(t), s.URL+"/v1/items/it-1")
		require.NoError(t, r.err)
		require.Equal(t, 200, r.status)
		require.JSONEq(t, `{"id":"it-1","name":"n"}`, r.body)
		pieces := (len(r.body) + 7) / 8
		require.GreaterOrEqual(t, r.elapsed, time.Duration(pieces-1)*20*time.Millisecond)
		require.Empty(t, s.Violations())
	})
	t.Run("newest fault wins, older ones keep counting", func(t *testing.T) {
		s := start(t, handler)
		c := client(t)
		s.InjectFault(Fault{Path: "/v1/items/{id}", Status: 502})
		s.InjectFault(Fault{Path: "/v1/items/{id}", Nth: 2, Status: 429})
		var got []int
		for range 3 {
			got = append(got, get(c, s.URL+"/v1/items/it-1").status)
		}
		require.Equal(t, []int{502, 429, 502}, got)
	})
	t.Run("unknown route faults by literal path", func(t *testing.T) {
		s := start(t, handler)
		s.InjectFault(Fault{Path: "/health", Nth: 1, Status: 503})
		require.Equal(t, 503, get(client(t), s.URL+"/health").status)
		require.Equal(t, 404, get(client(t), s.URL+"/health").status)
	})
}

func TestSSEStreamedAndValidated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		second string
		want   string
	}{
		{"valid", `{"id":"c1","choices":[{"index":1,"delta":"lo"}]}`, ""},
		{"invalid event", `{"id":"c1","choices":[{"index":"one"}]}`, "chat: response body event #2 /choices/0/index"},
		{"not JSON", `hello`, "chat: response body event #2: not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proceed := make(chan struct{})
			ft := &fakeTB{}
			defer ft.runCleanups()
			s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, ": keep-alive\n\ndata: {\"id\":\"c1\",\n")
				_, _ = io.WriteString(w, "data: \"choices\":[{\"index\":0,\"delta\":\"hel\"}]}\r\n\r\n")
				if err := http.NewResponseController(w).Flush(); err != nil {
					return
				}
				select {
				case <-proceed:
				case <-time.After(5 * time.Second):
					return
				}
				fmt.Fprintf(w, "event: chunk\ndata: %s\n\ndata: [DONE]\n\n", tc.second)
			}), WithSpec(testSpec))
			require.NoError(t, err)

			resp, err := client(t).Post(s.URL+"/v1/chat", "application/json", strings.NewReader(`{"stream":true}`))
			require.NoError(t, err)
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			var first []string
			for {
				line, err := br.ReadString('\n')
				require.NoError(t, err)
				if strings.TrimSpace(line) == "" && len(first) > 1 {
					break
				}
				first = append(first, line)
			}
			require.Contains(t, strings.Join(first, ""), `"hel"`, "the first event arrives before the handler finishes")
			close(proceed)
			rest, err := io.ReadAll(br)
			require.NoError(t, err)
			require.Contains(t, string(rest), "[DONE]")
			resp.Body.Close()

			s.Close()
			vs := s.Violations()
			if tc.want == "" {
				require.Empty(t, vs)
				require.Empty(t, ft.errors())
				return
			}
			require.Len(t, vs, 1)
			require.Contains(t, vs[0].Message, tc.want)
			require.Len(t, ft.errors(), 1)
		})
	}
}

func TestNDJSONStreamedAndValidated(t *testing.T) {
	for _, tc := range []struct {
		name, last, want string
	}{
		{"valid", `{"type":"heartbeat"}`, ""},
		{"invalid line", `{"event":"x"}`, "events: response body line #3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proceed := make(chan struct{})
			ft := &fakeTB{}
			defer ft.runCleanups()
			s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/x-ndjson")
				_, _ = io.WriteString(w, `{"event":"delta","data":{"n":1}}`+"\n")
				w.(http.Flusher).Flush()
				select {
				case <-proceed:
				case <-time.After(5 * time.Second):
					return
				}
				_, _ = io.WriteString(w, "\n"+`{"type":"heartbeat"}`+"\n"+tc.last+"\n")
			}), WithSpec(testSpec))
			require.NoError(t, err)
			resp, err := client(t).Get(s.URL + "/v1/events")
			require.NoError(t, err)
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			line, err := br.ReadString('\n')
			require.NoError(t, err)
			require.Contains(t, line, `"delta"`)
			close(proceed)
			_, err = io.ReadAll(br)
			require.NoError(t, err)
			resp.Body.Close()
			s.Close()
			vs := s.Violations()
			if tc.want == "" {
				require.Empty(t, vs)
				return
			}
			require.Len(t, vs, 1)
			require.Contains(t, vs[0].Message, tc.want)
		})
	}
}

func TestStreamBodyDecoders(t *testing.T) {
	cs, err := loadSpec("test", testSpec)
	require.NoError(t, err)
	m := cs.find("POST", "/v1/chat")
	schema := responseSchema(m.op, 200, "text/event-stream")
	require.NotNil(t, schema)
	v, err := sseBodyDecoder(strings.NewReader("\xef\xbb\xbfdata: {\"id\":\"a\",\"choices\":[]}\r\rdata: [DONE]"), nil, schema, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"id": "a", "choices": []any{}}, v)
	_, err = sseBodyDecoder(strings.NewReader("data: {\"id\":1}\n\n"), nil, schema, nil)
	require.Error(t, err)
	_, err = ndjsonBodyDecoder(strings.NewReader("\n\n"), nil, schema, nil)
	require.Error(t, err)
	v, err = ndjsonBodyDecoder(strings.NewReader(`{"id":"a","choices":[{"index":1}]}`), nil, schema, nil)
	require.NoError(t, err)
	require.NotNil(t, v)
}

func TestCloseEndsStreams(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for {
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}), WithSpec(testSpec))
	require.NoError(t, err)
	resp, err := client(t).Post(s.URL+"/v1/chat", "application/json", strings.NewReader(`{"stream":true}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close hangs on an endless stream")
	}
	_, err = io.ReadAll(resp.Body)
	require.Error(t, err)
	s.Close() // twice is fine
}

func TestResponseControllerThroughCapture(t *testing.T) {
	var deadlineErr, flushErr error
	s := start(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		deadlineErr = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		w.Header().Set("X-Request-Id", "r")
		writeJSONBody(w, 200, map[string]any{"id": "it-1", "name": "n"})
		flushErr = rc.Flush()
	})
	resp, _ := do(t, client(t), "GET", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.NoError(t, deadlineErr, "SetWriteDeadline reaches the real writer through Unwrap")
	require.NoError(t, flushErr)
}

func TestWithAddr(t *testing.T) {
	_, err := Start(nil, "test", nil, WithSpec(testSpec), WithAddr("256.0.0.1:0"))
	require.Error(t, err)
	s, err := Start(nil, "test", nil, WithSpec(testSpec), WithAddr("127.0.0.1:0"))
	require.NoError(t, err)
	defer s.Close()
	require.True(t, strings.HasPrefix(s.BaseURL(), "http://127.0.0.1:"))
	var e Emulator = s
	require.Empty(t, e.Violations())
}

func TestContextCancelDuringDelay(t *testing.T) {
	s := start(t, okHandler)
	s.InjectFault(Fault{Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", s.URL+"/v1/items/it-1", nil)
	require.NoError(t, err)
	startAt := time.Now()
	_, err = client(t).Do(req)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	require.Less(t, time.Since(startAt), 5*time.Second)
}

func TestViolationHookAndOperationNames(t *testing.T) {
	doc := []byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: ok}}
`)
	var mu sync.Mutex
	var hooked []Violation
	s, err := Start(nil, "hooked", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Op", OperationID(r))
		w.WriteHeader(http.StatusAccepted)
	}), WithSpec(doc), WithViolationHook(func(v Violation) {
		mu.Lock()
		hooked = append(hooked, v)
		mu.Unlock()
	}))
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, "hooked", s.Service())
	resp, _ := do(t, client(t), "GET", s.URL+"/x/1", "", "")
	require.Equal(t, "GET /x/{id}", resp.Header.Get("X-Op"))
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, hooked, 1)
	require.Equal(t, "GET /x/{id}", hooked[0].Operation)
	require.Equal(t, 202, hooked[0].Status)
	require.Equal(t, "response violation: GET /x/{id}: response status: status 202 is not documented", hooked[0].String())
	require.Equal(t, "response status", hooked[0].Field)
}

func TestSSEFraming(t *testing.T) {
	got := sseData([]byte("data: a\rdata: b\r\n\r\n: comment\nevent: x\ndata\nid: 1\n\ndata:c\r"))
	var strs []string
	for _, g := range got {
		strs = append(strs, string(g))
	}
	require.Equal(t, []string{"a\nb", "", "c"}, strs)
}

func TestBinaryMediaTypes(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", r.URL.Query().Get("as"))
		_, _ = w.Write(append([]byte("PAR1\x00\xff"), in...))
	}), WithSpec(testSpec))
	require.NoError(t, err)
	c := client(t)
	for _, as := range []string{"application/vnd.apache.parquet", "application/zip"} {
		resp, body := do(t, c, "POST", s.URL+"/v1/export?as="+as, "application/zip", "PK\x03\x04\x00\xfe")
		require.Equal(t, 200, resp.StatusCode, string(body))
		require.Equal(t, "PAR1\x00\xffPK\x03\x04\x00\xfe", string(body))
	}
	require.Empty(t, s.Violations())
	resp, _ := do(t, c, "POST", s.URL+"/v1/export?as=text/csv", "application/zip", "PK")
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, s.Violations(), 1)
	require.Contains(t, s.Violations()[0].Message, `export: response header "Content-Type"`)
	require.Len(t, ft.errors(), 1)
}

func TestLargeResponseNotValidated(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	big := strings.Repeat("x", MaxValidatedBinaryBody+1)
	s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r")
		_, _ = io.WriteString(w, big) // not JSON, but too large to validate
	}), WithSpec(testSpec))
	require.NoError(t, err)
	resp, body := do(t, client(t), "GET", s.URL+"/v1/items/it-1", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, body, len(big), "passed through unchanged")
	require.Empty(t, s.Violations())
	require.Empty(t, ft.errors())
}

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

func TestParts(t *testing.T) {
	body := "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nxyz\r\n--b--\r\n"
	var names []string
	for p, err := range Parts(multipart.NewReader(strings.NewReader(body), "b")) {
		require.NoError(t, err)
		names = append(names, p.FormName())
	}
	require.Equal(t, []string{"a", "f"}, names)

	var errs int
	for p, err := range Parts(multipart.NewReader(strings.NewReader("--b\r\nbroken"), "b")) {
		require.Nil(t, p)
		require.Error(t, err)
		errs++
	}
	require.Equal(t, 1, errs, "a broken body ends with one error")
}
