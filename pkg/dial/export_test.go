package dial

import (
	"io"
	"net/http"
	"strings"
)

// NewChatStreamForTest builds a ChatStream over a recorded SSE body.
func NewChatStreamForTest(body string) *ChatStream {
	return newChatStream(&http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))})
}

// NewChatStreamFromReader builds a ChatStream over r (benchmarks).
func NewChatStreamFromReader(r io.Reader) *ChatStream {
	return newChatStream(&http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(r)})
}
