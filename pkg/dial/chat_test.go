package dial_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func ask(text string) *dial.ChatCompletionRequest {
	return &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage(text)}}
}

func TestChatCreate(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	tests := []struct{ prompt, want string }{
		{"2+3=", "5"},
		{"7 * 6 =", "42"},
		{"1/4=", "0.25"},
		{"hello there", "hello there"},
	}
	for _, tt := range tests {
		got, err := c.Chat.Create(ctx, "gpt-4", ask(tt.prompt))
		require.NoError(t, err)
		require.Equal(t, tt.want, got.Text())
		require.Equal(t, "chat.completion", got.Object)
		require.Equal(t, "stop", got.Choices[0].FinishReason)
		require.Equal(t, dial.RoleAssistant, got.Choices[0].Message.Role)
		require.NotNil(t, got.Usage)
		require.Equal(t, got.Usage.PromptTokens+got.Usage.CompletionTokens, got.Usage.TotalTokens)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	require.Equal(t, "/openai/deployments/gpt-4/chat/completions", last.Path)
	require.Empty(t, last.Query.Get("api-version"), "omitted when not set")
	require.Equal(t, "application/json", last.Header.Get("Content-Type"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(last.Body, &body))
	require.Equal(t, "gpt-4", body["model"])
	require.Equal(t, false, body["stream"])
}

func TestChatAPIVersion(t *testing.T) {
	srv, c := newClient(t, nil, dial.WithAPIVersion("2024-02-15-preview"))
	ctx := context.Background()
	_, err := c.Chat.Create(ctx, "gpt-4", ask("hi"))
	require.NoError(t, err)
	_, err = c.Chat.Create(ctx, "gpt-4", ask("hi"), dial.WithAPIVersion("2025-01-01"))
	require.NoError(t, err)
	_, err = c.Chat.Create(ctx, "gpt-4", ask("hi"), dial.WithAPIVersion(""))
	require.NoError(t, err)
	s, err := c.Chat.Stream(ctx, "gpt-4", ask("hi"), dial.WithAPIVersion("2025-02-02"))
	require.NoError(t, err)
	_, err = dial.Accumulate(s)
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	for i, want := range []string{"2024-02-15-preview", "2025-01-01", "", "2025-02-02"} {
		require.Equal(t, want, reqs[i].Query.Get("api-version"), i)
		require.Empty(t, reqs[i].Header.Get("X-Aiclients-Dial-Api-Version"), "private header never leaves")
	}
}

func TestChatRequestFields(t *testing.T) {
	srv, c := newClient(t, nil)
	// A file in the caller's bucket: DIAL Core answers an empty 400 for a
	// bare name such as "b.png" (ResourceDescriptorFactory).
	file := "files/" + dialtest.BucketOf(dialtest.DefaultUser) + "/b.png"
	req := &dial.ChatCompletionRequest{
		Messages: []dial.Message{
			{Role: dial.RoleDeveloper, Content: dial.Content{Text: "Be brief"}, CustomFields: &dial.CacheFields{CacheBreakpoint: &dial.CacheBreakpoint{ExpireAt: "1h"}}},
			{Role: dial.RoleUser, Content: dial.Content{Parts: []dial.ContentPart{dial.TextPart("What is on the picture?"), dial.ImagePart("http://a.com/b.png", "low")}},
				CustomContent: &dial.CustomContent{Attachments: []dial.Attachment{{Type: "image/png", URL: file}}}},
		},
		Tools: []dial.Tool{
			{Type: "function", Function: &dial.FunctionDefinition{Name: "f", Parameters: json.RawMessage(`{}`), Strict: dial.Ptr(true)},
				CustomFields: &dial.CacheFields{CacheBreakpoint: &dial.CacheBreakpoint{ExpireAt: "1h"}}},
			{Type: "static_function", StaticFunction: &dial.StaticFunction{Name: "s", Configuration: json.RawMessage(`{"a":1}`)}},
		},
		ToolChoice:          "required",
		ParallelToolCalls:   dial.Ptr(false),
		MaxCompletionTokens: dial.Ptr(100),
		MaxPromptTokens:     dial.Ptr(200),
		ReasoningEffort:     "minimal",
		Temperature:         dial.Ptr(0.5),
		ResponseFormat:      &dial.ResponseFormat{Type: "json_schema", JSONSchema: &dial.JSONSchema{Name: "res", Schema: json.RawMessage(`{"type":"object"}`)}},
		StreamOptions:       &dial.StreamOptions{IncludeUsage: true},
		CustomFields:        &dial.RequestCustomFields{Configuration: json.RawMessage(`{"a":1}`), CacheBreakpoint: &dial.CacheBreakpoint{ExpireAt: "5m"}},
	}
	_, err := c.Chat.Create(context.Background(), "gpt-4o", req, dial.WithExtraFields(map[string]any{"custom_flag": "x"}))
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &got))
	want := map[string]any{}
	require.NoError(t, json.Unmarshal([]byte(strings.ReplaceAll(`{
	 "messages": [{"role": "developer", "content": "Be brief", "custom_fields": {"cache_breakpoint": {"expire_at": "1h"}}},
	   {"role": "user", "content": [{"type": "text", "text": "What is on the picture?"},
	     {"type": "image_url", "image_url": {"url": "http://a.com/b.png", "detail": "low"}}],
	    "custom_content": {"attachments": [{"type": "image/png", "url": "FILE"}]}}],
	 "model": "gpt-4o", "stream": false, "temperature": 0.5, "custom_flag": "x",
	 "tools": [{"type": "function", "function": {"name": "f", "parameters": {}, "strict": true},
	            "custom_fields": {"cache_breakpoint": {"expire_at": "1h"}}},
	           {"type": "static_function", "static_function": {"name": "s", "configuration": {"a": 1}}}],
	 "tool_choice": "required", "parallel_tool_calls": false, "max_completion_tokens": 100,
	 "max_prompt_tokens": 200, "reasoning_effort": "minimal",
	 "response_format": {"type": "json_schema", "json_schema": {"name": "res", "schema": {"type": "object"}}},
	 "stream_options": {"include_usage": true},
	 "custom_fields": {"configuration": {"a": 1}, "cache_breakpoint": {"expire_at": "5m"}}}`, "FILE", file)), &want))
	require.Equal(t, want, got)
}

func TestChatBadInput(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	tests := []struct {
		name       string
		deployment string
		req        *dial.ChatCompletionRequest
	}{
		{"empty deployment", "", ask("hi")},
		{"blank deployment", "  ", ask("hi")},
		{"nil request", "gpt-4", nil},
		{"no messages", "gpt-4", &dial.ChatCompletionRequest{}},
		{"no role", "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{{Content: dial.Content{Text: "x"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ie *apierror.InputError
			_, err := c.Chat.Create(ctx, tt.deployment, tt.req)
			require.ErrorAs(t, err, &ie)
			_, err = c.Chat.Stream(ctx, tt.deployment, tt.req)
			require.ErrorAs(t, err, &ie)
		})
	}
	require.Empty(t, srv.Requests())
	_, err := c.Chat.Create(ctx, "unknown", ask("hi"))
	require.True(t, dial.IsNotFound(err))
	d, ok := dial.Details(err)
	require.True(t, ok)
	require.Equal(t, "DeploymentNotFound", d.Code)
}

func TestChatStream(t *testing.T) {
	_, c := newClient(t, nil)
	ctx := context.Background()
	s, err := c.Chat.Stream(ctx, "gpt-4", ask("the quick brown fox"))
	require.NoError(t, err)
	var pieces []string
	var last dial.ChatCompletionChunk
	for chunk, err := range s.All() {
		require.NoError(t, err)
		require.Equal(t, "chat.completion.chunk", chunk.Object)
		pieces = append(pieces, chunk.Text())
		last = chunk
	}
	require.Equal(t, "the quick brown fox", strings.Join(pieces, ""))
	require.Greater(t, len(pieces), 4, "word by word")
	require.NotNil(t, last.Usage, "usage on the last chunk")
	require.Equal(t, "stop", last.Choices[0].FinishReason)

	// Break early: the stream closes and nothing leaks.
	s, err = c.Chat.Stream(ctx, "gpt-4", ask("one two three four"))
	require.NoError(t, err)
	for range s.All() {
		break
	}
	require.NoError(t, s.Err())
}

func TestChatStreamCustomContent(t *testing.T) {
	srv, c := newClient(t, nil)
	srv.SetResponder(func(r dialtest.Request) dialtest.Reply {
		return dialtest.Reply{
			Content:     "Here you go",
			Attachments: []dialtest.Attachment{{Type: "image/png", Title: "Image", URL: "files/b/appdata/x.png"}, {Type: "text/plain", Title: "Note", Data: "hi"}},
			Stages:      []dialtest.Stage{{Name: "Thinking", Content: "let me see"}, {Name: "Search", Content: "nothing", Failed: true}},
			State:       map[string]any{"thread_id": "42", "step": 2},
			ToolCalls:   []dialtest.ToolCall{{ID: "call_1", Name: "weather", Arguments: `{"request":"current weather in Paris"}`}},
		}
	})
	ctx := context.Background()
	s, err := c.Chat.Stream(ctx, "echo", ask("go"))
	require.NoError(t, err)
	got, err := dial.Accumulate(s)
	require.NoError(t, err)
	full, err := c.Chat.Create(ctx, "echo", ask("go"))
	require.NoError(t, err)

	for _, cc := range []*dial.ChatCompletion{got, full} {
		msg := cc.Choices[0].Message
		require.Equal(t, "Here you go", msg.Content.Text)
		require.Equal(t, "tool_calls", cc.Choices[0].FinishReason)
		require.Len(t, msg.ToolCalls, 1)
		require.Equal(t, `{"request":"current weather in Paris"}`, msg.ToolCalls[0].Function.Arguments)
		require.Equal(t, "weather", msg.ToolCalls[0].Function.Name)
		require.Equal(t, "call_1", msg.ToolCalls[0].ID)
		require.Len(t, msg.CustomContent.Attachments, 2)
		require.Equal(t, "Image", msg.CustomContent.Attachments[0].Title)
		require.Nil(t, msg.CustomContent.Attachments[0].Index)
		require.Equal(t, "hi", msg.CustomContent.Attachments[1].Data)
		require.Len(t, msg.CustomContent.Stages, 2)
		require.Equal(t, "Thinking", msg.CustomContent.Stages[0].Name)
		require.Equal(t, "let me see", msg.CustomContent.Stages[0].Content)
		require.Equal(t, dial.StageCompleted, msg.CustomContent.Stages[0].Status)
		require.Equal(t, dial.StageFailed, msg.CustomContent.Stages[1].Status)
		require.JSONEq(t, `{"thread_id":"42","step":2}`, string(msg.CustomContent.State))
		require.NotNil(t, cc.Usage)
	}
}

func TestChatStreamErrors(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(0))
	ctx := context.Background()
	srv.SetResponder(func(r dialtest.Request) dialtest.Reply {
		return dialtest.Reply{Content: "a b c d e f", FailAfter: 2, FailMessage: "upstream died"}
	})
	s, err := c.Chat.Stream(ctx, "gpt-4", ask("x"))
	require.NoError(t, err)
	got, err := dial.Accumulate(s)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 200, ae.StatusCode)
	require.Equal(t, "upstream died", ae.Message)
	require.Equal(t, "runtime_error", ae.Code, "numeric code falls back to type")
	require.Equal(t, "a b ", got.Text(), "partial content is kept")
	d, ok := dial.Details(err)
	require.True(t, ok)
	require.Equal(t, "runtime_error", d.Type)

	// Connection cut mid-stream (no [DONE]).
	srv.SetResponder(nil)
	srv.InjectFault(emulatorFault("/openai/deployments/{deploymentId}/chat/completions", 300))
	s, err = c.Chat.Stream(ctx, "gpt-4", ask("one two three four five six seven eight nine ten eleven twelve"))
	require.NoError(t, err)
	_, err = dial.Accumulate(s)
	require.Error(t, err)

	// Errors before the stream starts are API errors.
	srv.SetResponder(func(r dialtest.Request) dialtest.Reply {
		return dialtest.Reply{Error: &dialtest.Error{Status: 429, Code: "429", Message: "slow down"}}
	})
	_, err = c.Chat.Stream(ctx, "gpt-4", ask("x"))
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 429, ae.StatusCode)
	require.Equal(t, "slow down", ae.Message)
	require.True(t, ae.Retryable())
}

func TestChatStreamIncomplete(t *testing.T) {
	// A stream that ends cleanly without [DONE] is reported as incomplete.
	body := "data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"
	s := dial.NewChatStreamForTest(body)
	var n int
	var last error
	for _, err := range s.All() {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	require.Equal(t, 1, n)
	require.True(t, errors.Is(last, dial.ErrIncompleteStream), "%v", last)

	s = dial.NewChatStreamForTest(body + ": heartbeat\n\nevent: x\ndata: [DONE]\n\n")
	_, err := dial.Accumulate(s)
	require.NoError(t, err)
}

func TestAccumulatorMergeRules(t *testing.T) {
	var chunks []dial.ChatCompletionChunk
	require.NoError(t, json.Unmarshal([]byte(`[
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":0,"delta":{"role":"assistant"}}]},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A1"}}]},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":0,"delta":{"content":"A2","tool_calls":[{"index":1,"id":"t2","type":"function","function":{"name":"g","arguments":"{\"x\""}},{"index":0,"id":"t1","function":{"name":"f","arguments":"{"}}]}}]},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":":1}"}},{"index":0,"function":{"arguments":"}"}}],"custom_content":{"stages":[{"index":0,"name":"S","status":null}],"attachments":[{"index":0,"title":"T","url":"files/b/x"}]}}}]},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":0,"delta":{"custom_content":{"stages":[{"index":0,"content":"ab"},{"index":1,"name":"S2"}],"state":{"k":1}}}}]},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[{"index":0,"delta":{"custom_content":{"stages":[{"index":0,"content":"cd","status":"completed"}],"state":{"k":2}}},"finish_reason":"tool_calls"},{"index":1,"delta":{},"finish_reason":"stop"}],
	  "usage":{"prompt_tokens":11,"completion_tokens":1,"total_tokens":12},
	  "statistics":{"usage_per_model":[{"index":0,"model":"gpt-4o","prompt_tokens":11,"completion_tokens":1,"total_tokens":12}],"discarded_messages":[0,1]}},
	 {"id":"c1","object":"chat.completion.chunk","created":5,"choices":[],"usage":{"prompt_tokens":11,"completion_tokens":2,"total_tokens":13}}
	]`), &chunks))
	var acc dial.ChatCompletionAccumulator
	for _, ch := range chunks {
		acc.Add(ch)
	}
	got := acc.Completion()
	require.Equal(t, "c1", got.ID)
	require.Equal(t, "chat.completion", got.Object)
	require.Len(t, got.Choices, 2)
	m := got.Choices[0].Message
	require.Equal(t, "A1A2", m.Content.Text)
	require.Equal(t, "B", got.Choices[1].Message.Content.Text)
	require.Equal(t, "tool_calls", got.Choices[0].FinishReason)
	require.Equal(t, "stop", got.Choices[1].FinishReason)
	require.Len(t, m.ToolCalls, 2)
	require.Equal(t, "t1", m.ToolCalls[0].ID)
	require.Equal(t, "{}", m.ToolCalls[0].Function.Arguments)
	require.Equal(t, `{"x":1}`, m.ToolCalls[1].Function.Arguments)
	require.Equal(t, "g", m.ToolCalls[1].Function.Name)
	require.Nil(t, m.ToolCalls[0].Index)
	require.Equal(t, "abcd", m.CustomContent.Stages[0].Content)
	require.Equal(t, dial.StageCompleted, m.CustomContent.Stages[0].Status)
	require.Equal(t, "S2", m.CustomContent.Stages[1].Name)
	require.Equal(t, dial.StageStatus(""), m.CustomContent.Stages[1].Status)
	require.Equal(t, "files/b/x", m.CustomContent.Attachments[0].URL)
	require.JSONEq(t, `{"k":2}`, string(m.CustomContent.State))
	require.Equal(t, int64(13), got.Usage.TotalTokens, "last usage wins")
	require.Equal(t, []int{0, 1}, got.Statistics.DiscardedMessages)
	require.Equal(t, "gpt-4o", got.Statistics.UsagePerModel[0].Model)
	require.Nil(t, got.Statistics.UsagePerModel[0].Index)
}

func TestTokenizeAndTruncate(t *testing.T) {
	_, c := newClient(t, nil)
	ctx := context.Background()
	out, err := c.Chat.Tokenize(ctx, "gpt-4", []dial.TokenizeInput{
		{Type: "string", Value: "one two three"},
		{Type: "request", Value: ask("four five")},
	})
	require.NoError(t, err)
	require.Equal(t, []dial.TokenizeOutput{{Status: "success", TokenCount: 3}, {Status: "success", TokenCount: 2}}, out)

	tr, err := c.Chat.TruncatePrompt(ctx, "gpt-4", []dial.ChatCompletionRequest{{
		Messages:        []dial.Message{dial.SystemMessage("sys"), dial.UserMessage("a b c"), dial.AssistantMessage("d e"), dial.UserMessage("f")},
		MaxPromptTokens: dial.Ptr(3),
	}})
	require.NoError(t, err)
	require.Equal(t, []dial.TruncatePromptOutput{{Status: "success", DiscardedMessages: []int{1, 2}}}, tr)

	var ie *apierror.InputError
	_, err = c.Chat.Tokenize(ctx, "gpt-4", nil)
	require.ErrorAs(t, err, &ie)
	_, err = c.Chat.TruncatePrompt(ctx, "", []dial.ChatCompletionRequest{*ask("x")})
	require.ErrorAs(t, err, &ie)
	_, err = c.Chat.Tokenize(ctx, "nope", []dial.TokenizeInput{{Type: "string", Value: "x"}})
	require.True(t, dial.IsNotFound(err))
}

// TestCustomApplicationID: custom application ids contain "/"; they travel
// as one path parameter (%2F-encoded) to the listing and the chat route.
func TestCustomApplicationID(t *testing.T) {
	const id = "applications/Bkt42/my app"
	srv, c := newClient(t, []dialtest.Option{dialtest.WithApplications(dialtest.Application{ID: id, DisplayName: "Mine"})})
	ctx := context.Background()
	a, err := c.Applications.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, id, a.ID)
	got, err := c.Chat.Create(ctx, id, ask("ping"))
	require.NoError(t, err)
	require.Equal(t, "ping", got.Text())
	reqs := srv.Requests()
	require.Equal(t, id, reqs[len(reqs)-1].PathParams["deploymentId"])
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &body))
	require.Equal(t, id, body["model"], "model defaults to the deployment id")
}

func TestChatRetryAndCancel(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(2))
	ctx := context.Background()
	srv.InjectFault(emulator.Fault{Path: "/openai/deployments/{deploymentId}/chat/completions", Nth: 1, Status: 429, RetryAfter: "0"})
	got, err := c.Chat.Create(ctx, "gpt-4", ask("3+4="))
	require.NoError(t, err)
	require.Equal(t, "7", got.Text())
	require.Len(t, srv.Requests(), 2, "429 retried once")

	// Cancelling the context ends a slow stream promptly with the context's error.
	srv.InjectFault(emulator.Fault{Path: "/openai/deployments/{deploymentId}/chat/completions", Trickle: 50 * time.Millisecond, TrickleSize: 32})
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := c.Chat.Stream(cctx, "gpt-4", ask("a b c d e f g h i j k l m n o p"))
	require.NoError(t, err)
	var cancelled time.Time
	n := 0
	var last error
	for _, err := range s.All() {
		if err != nil {
			last = err
			break
		}
		n++
		if n == 1 {
			cancelled = time.Now()
			cancel()
		}
	}
	require.Error(t, last)
	require.Less(t, time.Since(cancelled), time.Second, "the stream ends soon after the cancel")
}

func TestChatFailureKnobs(t *testing.T) {
	_, c := newClient(t, nil, option.WithMaxRetries(0))
	ctx := context.Background()
	req := ask("one two three four")
	req.CustomFields = &dial.RequestCustomFields{Configuration: json.RawMessage(`{"fail_after":2,"fail_message":"knob"}`)}
	s, err := c.Chat.Stream(ctx, "gpt-4", req)
	require.NoError(t, err)
	got, err := dial.Accumulate(s)
	require.ErrorContains(t, err, "knob")
	require.Equal(t, "one two ", got.Text())

	req.CustomFields = &dial.RequestCustomFields{Configuration: json.RawMessage(`{"fail_status":503}`)}
	_, err = c.Chat.Create(ctx, "gpt-4", req)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 503, ae.StatusCode)
}

// TestSpecOnlyFields covers the fields the spec describes that the wrapper
// types lacked (found by TestWrapperTypesMatchSpec): they reach the wire and
// come back decoded; streamed logprobs lists concatenate.
func TestSpecOnlyFields(t *testing.T) {
	srv, c := newClient(t, nil)
	req := ask("hi")
	req.Functions = []dial.FunctionDefinition{{Name: "f", Parameters: json.RawMessage(`{}`)}}
	req.FunctionCall = map[string]string{"name": "f"}
	req.PromptCacheKey = "k1"
	req.PromptCacheOptions = &dial.PromptCacheOptions{Mode: "explicit", TTL: "30m"}
	_, err := c.Chat.Create(context.Background(), "gpt-4", req)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &got))
	require.Equal(t, []any{map[string]any{"name": "f", "parameters": map[string]any{}}}, got["functions"])
	require.Equal(t, map[string]any{"name": "f"}, got["function_call"])
	require.Equal(t, "k1", got["prompt_cache_key"])
	require.Equal(t, map[string]any{"mode": "explicit", "ttl": "30m"}, got["prompt_cache_options"])

	var d dial.Deployment
	require.NoError(t, jsonUnmarshal(`{"id":"x","max_retry_attempts":3}`, &d))
	require.Equal(t, 3, *d.MaxRetryAttempts)

	var acc dial.ChatCompletionAccumulator
	for _, s := range []string{
		`{"id":"1","choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1}],"refusal":null}}]}`,
		`{"id":"1","choices":[{"index":0,"delta":{"content":"b"},"logprobs":null}]}`,
		`{"id":"1","choices":[{"index":0,"delta":{"content":"c"},"logprobs":{"content":[{"token":"c","logprob":-0.3}]}}]}`,
	} {
		var ch dial.ChatCompletionChunk
		require.NoError(t, jsonUnmarshal(s, &ch))
		acc.Add(ch)
	}
	final := acc.Completion()
	require.Equal(t, "abc", final.Text())
	require.JSONEq(t, `{"content":[{"token":"a","logprob":-0.1},{"token":"c","logprob":-0.3}],"refusal":null}`, string(final.Choices[0].Logprobs))
	var none dial.ChatCompletionAccumulator
	none.Add(dial.ChatCompletionChunk{Choices: []dial.ChunkChoice{{Delta: dial.Delta{Content: "x"}}}})
	require.Nil(t, none.Completion().Choices[0].Logprobs)
}

// TestAPIVersionScopes: the api-version lives in option.Config.Values; a
// per-call value overrides the client's for that call only, a pool passes
// its default to its clients, and no header carries it.
func TestAPIVersionScopes(t *testing.T) {
	srv, c := newClient(t, nil, dial.WithAPIVersion("d1"))
	ctx := context.Background()
	_, err := c.Chat.Create(ctx, "gpt-4", ask("hi"), dial.WithAPIVersion("o1"))
	require.NoError(t, err)
	_, err = c.Chat.Create(ctx, "gpt-4", ask("hi"))
	require.NoError(t, err)
	pool, err := dial.NewPool(option.WithBaseURL(srv.URL), dial.WithAPIVersion("p1"))
	require.NoError(t, err)
	defer pool.Close()
	pc, err := pool.Client(option.WithAPIKey(dialtest.APIKey))
	require.NoError(t, err)
	_, err = pc.Chat.Create(ctx, "gpt-4", ask("hi"))
	require.NoError(t, err)
	_, err = pc.Chat.Create(ctx, "gpt-4", ask("hi"), dial.WithPerRequestKey(), option.WithBearerToken("t"))
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae, "both credentials are sent once declared per-request")
	require.Equal(t, 400, ae.StatusCode)
	_, err = pc.Chat.Create(ctx, "gpt-4", ask("hi"), option.WithBearerToken("t"))
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce, "a per-call bearer beside the key needs WithPerRequestKey")

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	for i, want := range []string{"o1", "d1", "p1", "p1"} {
		require.Equal(t, want, reqs[i].Query.Get("api-version"), i)
		for name, vs := range reqs[i].Header {
			for _, v := range vs {
				require.NotEqual(t, want, v, "header %s carries the api-version", name)
			}
		}
	}
}

// TestDotDeploymentIDs: "." and ".." ids used to be resolved away by URL
// resolution, sending e.g. POST /openai/chat/completions; they are refused
// before any request, as are ids with such segments.
func TestDotDeploymentIDs(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	for _, id := range []string{".", "..", "applications/b/../x", "./gpt-4"} {
		var ie *apierror.InputError
		_, err := c.Chat.Create(ctx, id, ask("hi"))
		require.ErrorAs(t, err, &ie, id)
		_, err = c.Deployments.Get(ctx, id)
		require.ErrorAs(t, err, &ie, id)
		_, err = c.Applications.Get(ctx, id)
		require.ErrorAs(t, err, &ie, id)
		_, err = c.Chat.Tokenize(ctx, id, []dial.TokenizeInput{{Type: "string", Value: "x"}})
		require.ErrorAs(t, err, &ie, id)
	}
	require.Empty(t, srv.Requests())
}

// TestExtraRepeatsField: extra fields (WithExtraFields) that repeat a field
// of the request (or "stream", which Create and Stream set) used to produce
// JSON with duplicate keys; they are refused before any request.
func TestExtraRepeatsField(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	for _, k := range []string{"model", "stream", "messages", "max_prompt_tokens"} {
		req := ask("hi")
		req.MaxPromptTokens = nil
		if k == "max_prompt_tokens" {
			req.MaxPromptTokens = dial.Ptr(5)
		}
		extra := dial.WithExtraFields(map[string]any{k: "x"})
		var ie *apierror.InputError
		_, err := c.Chat.Create(ctx, "gpt-4", req, extra)
		require.ErrorAs(t, err, &ie, k)
		require.ErrorContains(t, err, k)
	}
	require.Empty(t, srv.Requests())

	// A field that is not set may come through extra fields (e.g. "infinity").
	req := ask("hi")
	_, err := c.Chat.Create(ctx, "gpt-4", req, dial.WithExtraFields(map[string]any{"max_prompt_tokens": "infinity"}))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(srv.Requests()[0].Body, &body))
	require.Equal(t, "infinity", body["max_prompt_tokens"])
}

// TestChatStreamCloseFromOtherGoroutine: Close may be called while another
// goroutine iterates; the loop ends promptly, without ErrIncompleteStream.
func TestChatStreamCloseFromOtherGoroutine(t *testing.T) {
	srv, c := newClient(t, []dialtest.Option{dialtest.WithEmulatorOptions(emukit.WithValidateResponses(false))})
	srv.InjectFault(emulator.Fault{Path: "/openai/deployments/{deploymentId}/chat/completions", Trickle: 20 * time.Millisecond, TrickleSize: 16})
	s, err := c.Chat.Stream(context.Background(), "gpt-4", ask(strings.Repeat("word ", 100)))
	require.NoError(t, err)
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		n := 0
		for _, err := range s.All() {
			if err != nil {
				done <- err
				return
			}
			if n++; n == 1 {
				close(first)
			}
		}
		done <- nil
	}()
	<-first
	start := time.Now()
	require.NoError(t, s.Close())
	select {
	case err := <-done:
		require.False(t, errors.Is(err, dial.ErrIncompleteStream), "%v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("the loop did not end after Close")
	}
	require.Less(t, time.Since(start), 2*time.Second)
}
