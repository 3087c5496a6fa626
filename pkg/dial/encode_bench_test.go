package dial

import (
	"encoding/json"
	"testing"
)

// benchRequest is a 20-turn conversation with tools, the shape whose
// encoding issue 14 measured.
func benchRequest() *ChatCompletionRequest {
	r := &ChatCompletionRequest{
		Temperature: Ptr(0.2), MaxTokens: Ptr(500), ReasoningEffort: ReasoningLow,
		Tools: []Tool{FunctionTool("lookup", "find a record", json.RawMessage(`{"type":"object","properties":{"id":{"type":"string"}}}`))},
	}
	for i := 0; i < 10; i++ {
		r.Messages = append(r.Messages, UserMessage("what is the status of order 12345 and when will it arrive?"),
			AssistantMessage("Order 12345 shipped yesterday and should arrive on Friday."))
	}
	return r
}

// BenchmarkChatRequestEncode measures the body of a chat call, encoded in
// one pass (the request, Content per message, no re-encoding).
func BenchmarkChatRequestEncode(b *testing.B) {
	r := benchRequest()
	streaming := false
	r.Stream = &streaming
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodeRequest(r, nil); err != nil {
			b.Fatal(err)
		}
	}
}
