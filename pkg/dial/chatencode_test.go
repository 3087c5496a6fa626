package dial

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// FuzzEncodeRequest: what appendSimpleRequest writes is the JSON value
// encoding/json writes for the same request, whatever the strings and
// numbers; and a request it declines is one with a number encoding/json
// writes in exponent form or refuses.
func FuzzEncodeRequest(f *testing.F) {
	f.Add("gpt-4o", "user", "Hello!", "", "", 0.7, 1.0, int64(42), 256, true, "low")
	f.Add("m", "assistant", "line\nbreak \"quoted\" <b>&</b> \u2028 é \xff", "bob", "call_1", 1e-7, -0.0, int64(-1), 0, false, "")
	f.Add("", "tool", "", "", "id", math.NaN(), math.Inf(1), int64(math.MaxInt64), -5, true, "high")
	f.Fuzz(func(t *testing.T, model, role, text, name, toolCallID string, temp, topP float64, seed int64, maxTokens int, stream bool, effort string) {
		r := &ChatCompletionRequest{
			Model:           model,
			Messages:        []Message{{Role: Role(role), Content: Content{Text: text}, Name: name, ToolCallID: toolCallID}, {Role: "user", Content: Content{Text: text + text}}},
			Temperature:     &temp,
			TopP:            &topP,
			Seed:            &seed,
			MaxTokens:       &maxTokens,
			Stream:          &stream,
			User:            name,
			ReasoningEffort: ReasoningEffort(effort),
		}
		slow, slowErr := encodeRequestReflect(r, nil)
		fast, ok := appendSimpleRequest(nil, r)
		if !ok {
			finite := !math.IsNaN(temp) && !math.IsInf(temp, 0) && !math.IsNaN(topP) && !math.IsInf(topP, 0)
			exp := func(v float64) bool { a := math.Abs(v); return a != 0 && (a < 1e-6 || a >= 1e21) }
			if finite && !exp(temp) && !exp(topP) {
				t.Fatalf("declined a simple request: %+v", r)
			}
			return
		}
		if slowErr != nil {
			t.Fatalf("fast path wrote %s where encoding/json fails: %v", fast, slowErr)
		}
		if !sameJSON(t, fast, slow) {
			t.Fatalf("fast %s\nslow %s", fast, slow)
		}
	})
}

// TestAppendSimpleRequestDeclines: requests beyond the simple fields go to
// encoding/json, and the result of encodeRequest is the same JSON value
// either way.
func TestAppendSimpleRequestDeclines(t *testing.T) {
	text := []Message{{Role: "user", Content: Content{Text: "hi"}}}
	temp := 1e-9
	for name, r := range map[string]*ChatCompletionRequest{
		"tools":          {Messages: text, Tools: []Tool{{Type: "function", Function: &FunctionDefinition{Name: "f"}}}},
		"stop":           {Messages: text, Stop: Stop{"x"}},
		"custom fields":  {Messages: text, CustomFields: &RequestCustomFields{}},
		"parts":          {Messages: []Message{{Role: "user", Content: Content{Parts: []ContentPart{}}}}},
		"tool calls":     {Messages: []Message{{Role: "assistant", ToolCalls: []ToolCall{{ID: "c"}}}}},
		"custom content": {Messages: []Message{{Role: "user", Content: Content{Text: "a"}, CustomContent: &CustomContent{}}}},
		"tiny float":     {Messages: text, Temperature: &temp},
		"no messages":    {},
	} {
		if b, ok := appendSimpleRequest(nil, r); ok {
			t.Errorf("%s: took the simple path: %s", name, b)
		}
		if len(r.Messages) == 0 {
			continue
		}
		got, err := encodeRequest(r, nil)
		want, err2 := encodeRequestReflect(r, nil)
		if err != nil || err2 != nil || !sameJSON(t, got, want) {
			t.Errorf("%s: %s (%v) vs %s (%v)", name, got, err, want, err2)
		}
	}
	// A simple request takes it.
	if _, ok := appendSimpleRequest(nil, &ChatCompletionRequest{Model: "m", Messages: text}); !ok {
		t.Error("a plain text request did not take the simple path")
	}
}
