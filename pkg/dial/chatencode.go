package dial

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// appendSimpleRequest appends r as JSON when it uses only the fields most
// requests use: the model, text messages (role, content, name,
// tool_call_id, refusal), stream, the sampling numbers (temperature,
// top_p, penalties, seed, n, max tokens), logprobs, top_logprobs,
// parallel_tool_calls, prompt_cache_key, reasoning_effort and user. It
// reports false for any other request, which encodeRequest then writes with
// encoding/json: a request that sets any other field (or a field added to
// the spec later), a message with parts, tool calls or DIAL's custom
// content, or a number encoding/json would write in exponent form (or
// refuse). The bytes decode to the same JSON value as encoding/json's
// (FuzzEncodeRequest checks it); writing them by hand skips the reflection
// over every field of the request, a third of the client's own time for a
// small chat create.
func appendSimpleRequest(dst []byte, r *ChatCompletionRequest) ([]byte, bool) {
	// Decide first, so that a declined request costs no allocation.
	if len(r.Messages) == 0 { // encoding/json writes null for nil; checkRequest refuses both anyway
		return dst, false
	}
	if !onlyFields(reflect.ValueOf(r).Elem(), simpleRequestFields()) {
		return dst, false
	}
	size := 256
	for i := range r.Messages {
		m := &r.Messages[i]
		if m.Content.Parts != nil || !onlyFields(reflect.ValueOf(m).Elem(), simpleMessageFields()) {
			return dst, false
		}
		size += 64 + len(m.Content.Text) + len(m.Name) + len(m.ToolCallID) + len(m.Refusal)
	}
	floats := [...]struct {
		name string
		v    *float64
	}{{"temperature", r.Temperature}, {"top_p", r.TopP}, {"presence_penalty", r.PresencePenalty}, {"frequency_penalty", r.FrequencyPenalty}}
	for _, f := range floats {
		// encoding/json writes these magnitudes in exponent form and refuses
		// NaN and infinities: leave them to it.
		if f.v != nil && (math.IsNaN(*f.v) || math.IsInf(*f.v, 0) || *f.v != 0 && (math.Abs(*f.v) < 1e-6 || math.Abs(*f.v) >= 1e21)) {
			return dst, false
		}
	}
	if dst == nil {
		dst = make([]byte, 0, size)
	}

	b := append(dst, `{"messages":[`...)
	for i := range r.Messages {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendSimpleMessage(b, &r.Messages[i])
	}
	b = append(b, ']')
	b = appendStringField(b, "model", r.Model)
	b = appendStringField(b, "user", r.User)
	b = appendStringField(b, "prompt_cache_key", r.PromptCacheKey)
	b = appendStringField(b, "reasoning_effort", string(r.ReasoningEffort))
	b = appendBoolField(b, "stream", r.Stream)
	b = appendBoolField(b, "logprobs", r.Logprobs)
	b = appendBoolField(b, "parallel_tool_calls", r.ParallelToolCalls)
	b = appendIntField(b, "n", r.N)
	b = appendIntField(b, "max_tokens", r.MaxTokens)
	b = appendIntField(b, "max_completion_tokens", r.MaxCompletionTokens)
	b = appendIntField(b, "top_logprobs", r.TopLogprobs)
	if r.Seed != nil {
		b = append(b, `,"seed":`...)
		b = strconv.AppendInt(b, *r.Seed, 10)
	}
	for _, f := range floats {
		if f.v != nil {
			b = append(b, ',', '"')
			b = append(b, f.name...)
			b = append(b, '"', ':')
			b = strconv.AppendFloat(b, *f.v, 'f', -1, 64)
		}
	}
	return append(b, '}'), true
}

// appendSimpleMessage appends text message m (appendSimpleRequest checked
// that it sets only role, content text, name, tool_call_id and refusal).
func appendSimpleMessage(b []byte, m *Message) []byte {
	b = append(b, `{"role":`...)
	b = appendString(b, string(m.Role))
	b = append(b, `,"content":`...)
	b = appendString(b, m.Content.Text)
	b = appendStringField(b, "name", m.Name)
	b = appendStringField(b, "tool_call_id", m.ToolCallID)
	b = appendStringField(b, "refusal", m.Refusal)
	return append(b, '}')
}

// simpleRequestFields and simpleMessageFields mark, by field index, the
// fields appendSimpleRequest and appendSimpleMessage write (by JSON name, so
// that a field the spec adds later is not among them).
var (
	simpleRequestFields = sync.OnceValue(func() []bool {
		return fieldSet(reflect.TypeFor[ChatCompletionRequest](), "model", "messages", "stream", "user",
			"temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "n", "max_tokens",
			"max_completion_tokens", "logprobs", "top_logprobs", "parallel_tool_calls", "prompt_cache_key",
			"reasoning_effort")
	})
	simpleMessageFields = sync.OnceValue(func() []bool {
		return fieldSet(reflect.TypeFor[Message](), "role", "content", "name", "tool_call_id", "refusal")
	})
)

// fieldSet returns, per field of struct type t, whether its JSON name is
// one of names.
func fieldSet(t reflect.Type, names ...string) []bool {
	set := make([]bool, t.NumField())
	for i := range set {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		set[i] = slices.Contains(names, name)
	}
	return set
}

// onlyFields reports whether every field of struct v outside set is zero.
// v comes from a pointer, so nothing is copied or allocated.
func onlyFields(v reflect.Value, set []bool) bool {
	for i, ok := range set {
		if !ok && !v.Field(i).IsZero() {
			return false
		}
	}
	return true
}

// appendStringField appends ,"name":"v" unless v is empty (omitempty).
func appendStringField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendBoolField appends ,"name":true|false unless v is nil.
func appendBoolField(b []byte, name string, v *bool) []byte {
	if v == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendBool(b, *v)
}

// appendIntField appends ,"name":n unless v is nil.
func appendIntField(b []byte, name string, v *int) []byte {
	if v == nil {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, int64(*v), 10)
}

// appendString appends s as a JSON string. Printable ASCII other than the
// quote, the backslash and the characters encoding/json escapes for HTML
// is copied as it is; any other string is written by encoding/json, so
// that control characters, invalid UTF-8 and U+2028/U+2029 come out as
// encoding/json writes them.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
