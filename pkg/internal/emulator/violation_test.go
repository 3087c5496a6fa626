package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// renderCall is what a ViolationResponseFunc was given.
type renderCall struct {
	op, ctxOp, msg, id, body string
}

// WithViolationResponse: the service renders the answer to a request that
// breaks the spec; the violation is still recorded, the handler never runs,
// and the rendered answer is validated like a handler's.
func TestWithViolationResponse(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		render                   func(w http.ResponseWriter, msg string)
		wantStatus               int
		wantOp, wantID           string
		wantMsg                  string // substring of the message given to the renderer
		wantBodyGiven            string // the request body as the renderer could read it
		wantResponseViolation    string // "" = the rendered answer fits the spec
	}{
		{
			name: "body violation rendered in the spec's default shape", method: "POST", path: "/v1/items",
			body: `{"name":"x","kind":"z"}`,
			render: func(w http.ResponseWriter, msg string) {
				writeJSONBody(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{"message": msg, "type": "custom"}})
			},
			wantStatus: http.StatusUnprocessableEntity, wantOp: "createItem",
			wantMsg: "createItem: request body /kind", wantBodyGiven: `{"name":"x","kind":"z"}`,
		},
		{
			name: "path parameters reach the renderer", method: "GET", path: "/v1/items/bad",
			render: func(w http.ResponseWriter, msg string) {
				writeJSONBody(w, http.StatusNotFound, map[string]any{"error": map[string]any{"message": msg}})
			},
			wantStatus: http.StatusNotFound, wantOp: "getItem", wantID: "bad",
			wantMsg: `getItem: path parameter "id"`,
		},
		{
			name: "an answer the spec does not document is a response violation", method: "POST", path: "/v1/items",
			body: `{"kind":"a"}`,
			render: func(w http.ResponseWriter, msg string) {
				writeJSONBody(w, http.StatusBadRequest, map[string]any{"status": 400, "msg": msg})
			},
			wantStatus: http.StatusBadRequest, wantOp: "createItem", wantMsg: "createItem: request body",
			wantBodyGiven: `{"kind":"a"}`, wantResponseViolation: "createItem: response body",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeTB{}
			defer ft.runCleanups()
			var mu sync.Mutex
			var calls []renderCall
			handlerRan := false
			s, err := Start(ft, "test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				handlerRan = true
				mu.Unlock()
				okHandler(w, r)
			}), WithSpec(testSpec), WithViolationResponse(func(w http.ResponseWriter, r *http.Request, op, msg string) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				calls = append(calls, renderCall{op: op, ctxOp: OperationID(r), msg: msg, id: r.PathValue("id"), body: string(b)})
				mu.Unlock()
				tc.render(w, msg)
			}))
			require.NoError(t, err)

			resp, body := do(t, client(t), tc.method, s.URL+tc.path, "application/json", tc.body)
			require.Equal(t, tc.wantStatus, resp.StatusCode, string(body))
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			require.True(t, json.Valid(body), string(body))

			mu.Lock()
			require.False(t, handlerRan, "the handler must not run for a violating request")
			require.Len(t, calls, 1)
			got := calls[0]
			mu.Unlock()
			require.Equal(t, tc.wantOp, got.op)
			require.Equal(t, tc.wantOp, got.ctxOp, "OperationID works in the renderer")
			require.Contains(t, got.msg, tc.wantMsg)
			require.Equal(t, tc.wantID, got.id)
			require.Equal(t, tc.wantBodyGiven, got.body)

			vs := s.Violations()
			require.Equal(t, "request", vs[0].Direction)
			require.Equal(t, got.msg, vs[0].Message, "the renderer gets the recorded message")
			if tc.wantResponseViolation == "" {
				require.Len(t, vs, 1)
				require.Empty(t, ft.errors())
				return
			}
			require.Len(t, vs, 2)
			require.Equal(t, "response", vs[1].Direction)
			require.Contains(t, vs[1].Message, tc.wantResponseViolation)
			require.Len(t, ft.errors(), 1)
		})
	}
}

// Without WithViolationResponse (or with a nil function) the kit answers its
// own 400 spec_violation, and a valid request reaches the handler, never the
// renderer.
func TestViolationResponseDefaultAndValid(t *testing.T) {
	var rendered bool
	s := start(t, okHandler, WithViolationResponse(nil))
	resp, body := do(t, client(t), "POST", s.URL+"/v1/items", "application/json", `{"name":"x","kind":"z"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	typ, _ := errorMessage(t, body)
	require.Equal(t, "spec_violation", typ)

	s = start(t, okHandler, WithViolationResponse(func(w http.ResponseWriter, _ *http.Request, _, _ string) {
		rendered = true
		w.WriteHeader(http.StatusTeapot)
	}))
	resp, body = do(t, client(t), "POST", s.URL+"/v1/items", "application/json", `{"name":"x","kind":"a"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.False(t, rendered)
	require.Empty(t, s.Violations())
}
