package dial

import (
	"io"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/pkg/stream"
)

// NewChatStreamForTest builds a chat stream over a recorded SSE body.
func NewChatStreamForTest(body string) *stream.Stream[ChatCompletionChunk] {
	return newChatStream(&http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}, 0)
}

// NewChatStreamFromReader builds a chat stream over r (benchmarks).
func NewChatStreamFromReader(r io.Reader) *stream.Stream[ChatCompletionChunk] {
	return newChatStream(&http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(r)}, 0)
}
