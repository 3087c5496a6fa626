package apierror_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// A service turns a failed response into an *apierror.Error; callers find it
// with errors.As whatever the service, and decide whether to retry.
func ExampleFromResponse() {
	u, _ := url.Parse("https://api.example.com/v1/chat?api_key=sk-secret-123")
	resp := &http.Response{
		StatusCode: http.StatusTooManyRequests,
		Header:     http.Header{"X-Request-Id": {"req-42"}},
		Body:       io.NopCloser(strings.NewReader(`{"error":{"code":"rate_limit","message":"slow down"}}`)),
		Request:    &http.Request{Method: http.MethodPost, URL: u, Header: http.Header{}},
	}
	var err error = fmt.Errorf("chat: %w", apierror.FromResponse("demo", resp, nil))

	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.RequestID, apiErr.Retryable())
	}
	fmt.Println(err) // the API key in the query is redacted
	// Output:
	// 429 rate_limit req-42 true
	// chat: demo: POST https://api.example.com/v1/chat?api_key=REDACTED: 429 Too Many Requests: rate_limit: slow down (request id req-42)
}

// InputError reports a bad argument before anything was sent.
func ExampleInputError() {
	err := error(&apierror.InputError{Service: "demo", Field: "deployment id", Reason: "must not be empty"})
	var ie *apierror.InputError
	fmt.Println(errors.As(err, &ie), err)
	// Output: true demo: invalid deployment id: must not be empty
}
