package dial

import (
	"encoding/json"
	"reflect"
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

// TestEncodeRequestMatchesMarshal checks that the one-pass encoding writes
// what json.Marshal of the request writes (every message field, text, parts),
// except the empty content of a tool-calling message, which it sends as null.
func TestEncodeRequestMatchesMarshal(t *testing.T) {
	r := benchRequest()
	r.Messages = append(r.Messages,
		Message{Role: RoleUser, Name: "n", Content: Content{Parts: []ContentPart{{Type: PartText, Text: "a"}}}},
		Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "t1", Type: "function", Function: FunctionCall{Name: "f", Arguments: "{}"}}}},
		Message{Role: RoleTool, ToolCallID: "t1", Content: Content{Text: "ok"}, CustomContent: &CustomContent{State: json.RawMessage(`{"k":1}`)}},
		Message{Role: RoleAssistant},
	)
	got, err := encodeRequest(r, map[string]any{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	var gotV, wantV map[string]any
	if err := json.Unmarshal(got, &gotV); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	if err := json.Unmarshal(b, &wantV); err != nil {
		t.Fatal(err)
	}
	wantV["x"] = float64(1)
	wantV["messages"].([]any)[21].(map[string]any)["content"] = nil
	if !reflect.DeepEqual(gotV, wantV) {
		t.Errorf("encodeRequest wrote\n%s\njson.Marshal\n%s", got, b)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = encodeRequest(r, nil) }); n > 3 && !raceEnabled {
		t.Errorf("encodeRequest: %v allocations, want ≤ 3 (the message list, the encoder's buffer, the body)", n)
	}
}
