package dial_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/option"
)

// DIAL Core's own errors are a bare string (ProxyContext.respond), usually
// without a Content-Type, sometimes empty; only 429 and relayed deployment
// errors are JSON. Each form must become a clear *apierror.Error, with the
// credentials the call sent scrubbed.
func TestCoreErrorForms(t *testing.T) {
	const key = "secret-key-123"
	tests := []struct {
		name        string
		status      int
		contentType string // "-": no Content-Type header at all
		body        string
		wantCode    string
		wantMessage string
	}{
		{name: "plain text without content type", status: 401, contentType: "-",
			body: "At least API-KEY or Authorization header must be provided", wantMessage: "At least API-KEY or Authorization header must be provided"},
		{name: "plain text with content type", status: 403, contentType: "text/plain; charset=utf-8",
			body: "Forbidden deployment: gpt-4", wantMessage: "Forbidden deployment: gpt-4"},
		{name: "empty body", status: 404, contentType: "-"},
		{name: "echoed secret", status: 401, contentType: "-",
			body: "Unknown api key " + key, wantMessage: "Unknown api key"},
		{name: "multi-line text keeps the first line", status: 500, contentType: "-",
			body: "Failed to list files by path x\n\tat com.epam.Foo", wantMessage: "Failed to list files by path x"},
		{name: "unreadable body", status: 422, contentType: "-",
			body: "Failed to receive body", wantMessage: "Failed to receive body"},
		{name: "rate limit json", status: 429, contentType: "application/json",
			body: `{"error":{"code":"429","message":"Token limit exceeded"}}`, wantCode: "429", wantMessage: "Token limit exceeded"},
		{name: "relayed deployment json without content type", status: 400, contentType: "-",
			body:     `{"error":{"message":"bad messages","type":"invalid_request_error","code":"400"}}`,
			wantCode: "invalid_request_error", wantMessage: "bad messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType == "-" {
					w.Header()["Content-Type"] = nil
				} else {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(key), option.WithMaxRetries(0))
			require.NoError(t, err)
			_, err = c.Deployments.List(context.Background())
			var ae *apierror.Error
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tt.status, ae.StatusCode)
			require.Equal(t, tt.wantCode, ae.Code)
			require.True(t, strings.HasPrefix(ae.Message, tt.wantMessage), "message %q, want prefix %q", ae.Message, tt.wantMessage)
			msg := err.Error()
			require.Contains(t, msg, http.StatusText(tt.status), "the status is in the message")
			if tt.wantMessage != "" {
				require.Contains(t, msg, tt.wantMessage)
			}
			require.NotContains(t, msg, key, "secret in the error")
			require.NotContains(t, string(ae.Body), key, "secret in the kept body")
			require.NotContains(t, msg, "\n")
		})
	}
}
