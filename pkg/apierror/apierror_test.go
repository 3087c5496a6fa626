package apierror_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

func response(t *testing.T, status int, header http.Header, body string) *http.Response {
	t.Helper()
	u, err := url.Parse("https://user:pw@api.example/openai/deployments/gpt/chat/completions?api-key=sk-query-secret&v=1")
	require.NoError(t, err)
	req := &http.Request{Method: http.MethodPost, URL: u, Header: http.Header{
		"Authorization": {"Bearer sk-header-secret"},
	}}
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestFromResponse(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		parse     apierror.BodyParser
		wantCode  string
		wantMsg   string
		wantReqID string
		wantText  string
	}{
		{
			name: "openai shape with request id", status: 429,
			header:   http.Header{"X-Request-Id": {"r-1"}},
			body:     `{"error":{"code":"rate_limit","message":"slow down"}}`,
			wantCode: "rate_limit", wantMsg: "slow down", wantReqID: "r-1",
			wantText: "dial: POST https://api.example/openai/deployments/gpt/chat/completions?api-key=REDACTED&v=1: 429 Too Many Requests: rate_limit: slow down (request id r-1)",
		},
		{
			name: "type instead of code, request-id header", status: 400,
			header: http.Header{"Request-Id": {"r-2"}}, body: `{"error":{"type":"invalid_request_error","message":"bad"}}`,
			wantCode: "invalid_request_error", wantMsg: "bad", wantReqID: "r-2",
		},
		{name: "error string", status: 500, body: `{"error":"boom"}`, wantMsg: "boom"},
		{name: "fastapi detail string", status: 404, body: `{"detail":"Not Found"}`, wantMsg: "Not Found"},
		{name: "fastapi detail list", status: 422, body: `{"detail":[{"loc":["body"],"msg":"field required"},{"msg":"bad type"}]}`,
			wantMsg: "field required; bad type"},
		{name: "top-level message and numeric code", status: 400, body: `{"code":40001,"message":"invalid"}`,
			wantCode: "40001", wantMsg: "invalid"},
		{name: "plain text", status: 502, body: "upstream timed out\nmore", wantMsg: "upstream timed out"},
		{name: "html ignored", status: 502, body: "<html><body>Bad gateway</body></html>"},
		{name: "garbage json", status: 500, body: `{"error": [1,2`},
		{name: "empty body", status: 503, header: http.Header{"Cf-Ray": {"ray-9"}}, wantReqID: "ray-9",
			wantText: "dial: POST https://api.example/openai/deployments/gpt/chat/completions?api-key=REDACTED&v=1: 503 Service Unavailable (request id ray-9)"},
		{name: "amazon request id", status: 500, header: http.Header{"X-Amzn-Requestid": {"amz-1"}}, wantReqID: "amz-1"},
		{name: "service parser wins", status: 400, body: `{"status":400,"msg":"x"}`,
			parse:    func([]byte) (string, string) { return "E1", "from parser" },
			wantCode: "E1", wantMsg: "from parser"},
		{name: "panicking parser recovered, generic parse used", status: 400, body: `{"message":"generic"}`,
			parse:   func([]byte) (string, string) { panic("bad parser") },
			wantMsg: "generic"},
		{name: "credential echoed by the server is scrubbed", status: 401,
			body:     `{"error":{"code":"auth","message":"key sk-header-secret is invalid (sk-query-secret)"}}`,
			wantCode: "auth", wantMsg: "key REDACTED is invalid (REDACTED)"},
		{name: "unknown status", status: 599, wantText: "dial: POST https://api.example/openai/deployments/gpt/chat/completions?api-key=REDACTED&v=1: status 599"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := response(t, tc.status, tc.header, tc.body)
			tracker := &closeTracker{Reader: resp.Body}
			resp.Body = tracker
			e := apierror.FromResponse("dial", resp, tc.parse)
			require.True(t, tracker.closed, "body closed")
			require.Equal(t, "dial", e.Service)
			require.Equal(t, tc.status, e.StatusCode)
			require.Equal(t, tc.wantCode, e.Code)
			require.Equal(t, tc.wantMsg, e.Message)
			require.Equal(t, tc.wantReqID, e.RequestID)
			require.Equal(t, http.MethodPost, e.Method)
			if tc.wantText != "" {
				require.Equal(t, tc.wantText, e.Error())
			}
			for _, s := range []string{e.Error(), string(e.Body), e.URL, fmt.Sprint(e.Header)} {
				require.NotContains(t, s, "sk-header-secret")
				require.NotContains(t, s, "sk-query-secret")
				require.NotContains(t, s, "pw@")
			}
			var target *apierror.Error
			require.True(t, errors.As(fmt.Errorf("wrapped: %w", e), &target))
			require.Same(t, e, target)
		})
	}
}

func TestFromResponseBoundsBody(t *testing.T) {
	big := strings.Repeat("a", apierror.MaxBody*3)
	e := apierror.FromResponse("infsh", response(t, 500, nil, big), nil)
	require.Len(t, e.Body, apierror.MaxBody)
	require.Less(t, len(e.Error()), 2048, "the message stays short")
}

func TestFromResponseRedactsHeaders(t *testing.T) {
	h := http.Header{"Set-Cookie": {"session=abc123456"}, "X-Ratelimit-Remaining": {"0"}}
	e := apierror.FromResponse("dial", response(t, 429, h, ""), nil)
	require.Equal(t, "REDACTED", e.Header.Get("Set-Cookie"))
	require.Equal(t, "0", e.Header.Get("X-Ratelimit-Remaining"))
}

func TestFromResponseNil(t *testing.T) {
	e := apierror.FromResponse("dial", nil, nil)
	require.Equal(t, "dial", e.Service)
	require.Equal(t, "dial: status 0", e.Error())
	e = apierror.FromResponse("dial", &http.Response{StatusCode: 500}, nil)
	require.Equal(t, "dial: 500 Internal Server Error", e.Error())
}

func TestErrorMessageIsOneLine(t *testing.T) {
	e := &apierror.Error{Service: "x", StatusCode: 400, Message: "line1\nFAKE log line\r\n" + strings.Repeat("é", 2000)}
	s := e.Error()
	require.NotContains(t, s, "\n")
	require.NotContains(t, s, "\r")
	require.Less(t, len(s), 1200)
	require.True(t, strings.HasSuffix(s, "…"))
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		status int
		want   bool
	}{
		{400, false}, {401, false}, {404, false}, {409, false}, {408, true}, {429, true},
		{500, true}, {502, true}, {503, true}, {599, true}, {200, false},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, (&apierror.Error{StatusCode: tc.status}).Retryable(), "status %d", tc.status)
	}
	var nilErr *apierror.Error
	require.False(t, nilErr.Retryable())
}

func TestInputError(t *testing.T) {
	tests := []struct {
		err  apierror.InputError
		want string
	}{
		{apierror.InputError{Service: "dial", Field: "deployment id", Reason: "must not be empty"}, "dial: invalid deployment id: must not be empty"},
		{apierror.InputError{Field: "base URL", Reason: "has no host"}, "invalid base URL: has no host"},
		{apierror.InputError{Service: "infsh", Reason: "bad"}, "infsh: invalid input: bad"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.err.Error())
		var target *apierror.InputError
		require.True(t, errors.As(fmt.Errorf("w: %w", &tc.err), &target))
	}
}

func TestParseJSONNeverPanics(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `{"error":null}`, `{"error":{"message":{"x":1}}}`, "\x00\xff", `{"detail":5}`, `"str"`} {
		require.NotPanics(t, func() { apierror.ParseJSON([]byte(body)) }, body)
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"error":{"code":"c","message":"m"}}`, `{"detail":[{"msg":"x"}]}`, "text", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		apierror.ParseJSON(b)
	})
}
