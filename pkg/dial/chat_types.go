package dial

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Message roles.
const (
	RoleSystem    = "system"
	RoleDeveloper = "developer"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
	RoleFunction  = "function"
)

// ChatCompletionRequest is an OpenAI chat completion request with the DIAL
// additions. Optional scalars are pointers (nil = not sent); use Ptr to set
// them inline. Extra holds fields this type does not know (e.g.
// "max_prompt_tokens": "infinity" when MaxPromptTokens is nil); they are
// merged into the top level of the JSON body and must not repeat a field
// that is set, nor "stream" (the call fails with an *apierror.InputError).
type ChatCompletionRequest struct {
	Messages []Message `json:"messages"`
	// Model defaults to the deployment id.
	Model            string             `json:"model,omitempty"`
	Temperature      *float64           `json:"temperature,omitempty"`
	TopP             *float64           `json:"top_p,omitempty"`
	N                *int               `json:"n,omitempty"`
	Stop             []string           `json:"stop,omitempty"`
	MaxTokens        *int               `json:"max_tokens,omitempty"`
	PresencePenalty  *float64           `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64           `json:"frequency_penalty,omitempty"`
	LogitBias        map[string]float64 `json:"logit_bias,omitempty"`
	Seed             *int64             `json:"seed,omitempty"`
	User             string             `json:"user,omitempty"`
	Logprobs         *bool              `json:"logprobs,omitempty"`
	TopLogprobs      *int               `json:"top_logprobs,omitempty"`
	Tools            []Tool             `json:"tools,omitempty"`
	ToolChoice       any                `json:"tool_choice,omitempty"` // "none", "auto", "required" or an object
	// Functions and FunctionCall are the legacy form of Tools and ToolChoice.
	Functions           []FunctionDefinition `json:"functions,omitempty"`
	FunctionCall        any                  `json:"function_call,omitempty"` // "none", "auto" or {"name": …}
	MaxPromptTokens     *int                 `json:"max_prompt_tokens,omitempty"`
	MaxCompletionTokens *int                 `json:"max_completion_tokens,omitempty"`
	ParallelToolCalls   *bool                `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string               `json:"reasoning_effort,omitempty"` // none, minimal, low, medium, high
	PromptCacheKey      string               `json:"prompt_cache_key,omitempty"`
	PromptCacheOptions  *PromptCacheOptions  `json:"prompt_cache_options,omitempty"`
	ResponseFormat      *ResponseFormat      `json:"response_format,omitempty"`
	StreamOptions       *StreamOptions       `json:"stream_options,omitempty"`
	CustomFields        *RequestCustomFields `json:"custom_fields,omitempty"`
	Addons              []Addon              `json:"addons,omitempty"`
	Extra               map[string]any       `json:"-"`
}

// Ptr returns a pointer to v, for the optional fields of requests.
func Ptr[T any](v T) *T { return &v }

// PromptCacheOptions configures prompt caching.
type PromptCacheOptions struct {
	Mode string `json:"mode,omitempty"` // "implicit" or "explicit"
	TTL  string `json:"ttl,omitempty"`  // e.g. "30m"
}

// Tool is a tool the model may call: a function, or a DIAL static function.
type Tool struct {
	Type           string              `json:"type"` // "function" or "static_function"
	Function       *FunctionDefinition `json:"function,omitempty"`
	StaticFunction *StaticFunction     `json:"static_function,omitempty"`
	CustomFields   *CacheFields        `json:"custom_fields,omitempty"`
}

// FunctionTool returns a function tool.
func FunctionTool(name, description string, parameters json.RawMessage) Tool {
	return Tool{Type: "function", Function: &FunctionDefinition{Name: name, Description: description, Parameters: parameters}}
}

// FunctionDefinition describes a callable function; Parameters is a JSON Schema.
type FunctionDefinition struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// StaticFunction is a DIAL static tool.
type StaticFunction struct {
	Name          string          `json:"name"`
	Description   string          `json:"description,omitempty"`
	Configuration json.RawMessage `json:"configuration,omitempty"`
}

// CacheFields carries a prompt cache breakpoint.
type CacheFields struct {
	CacheBreakpoint *CacheBreakpoint `json:"cache_breakpoint,omitempty"`
}

// CacheBreakpoint sets when a cached prompt prefix expires, e.g. "5m".
type CacheBreakpoint struct {
	ExpireAt string `json:"expire_at,omitempty"`
}

// RequestCustomFields are DIAL request extensions.
type RequestCustomFields struct {
	// Configuration is the deployment configuration (matching its schema).
	Configuration   json.RawMessage  `json:"configuration,omitempty"`
	CacheBreakpoint *CacheBreakpoint `json:"cache_breakpoint,omitempty"`
}

// ResponseFormat asks for text, any JSON object, or JSON matching a schema.
type ResponseFormat struct {
	Type       string      `json:"type"` // "text", "json_object", "json_schema"
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is the schema of a json_schema response format.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// StreamOptions configures streaming.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Addon is a DIAL addon reference.
type Addon struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// requestFields maps the JSON names of ChatCompletionRequest's fields to
// their indexes.
var requestFields = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[ChatCompletionRequest]()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
})

// MarshalJSON writes the request with Extra merged into the top level. An
// Extra key that repeats a field which is set is an error (the JSON would
// hold the key twice).
func (r ChatCompletionRequest) MarshalJSON() ([]byte, error) {
	type plain ChatCompletionRequest
	b, err := json.Marshal(plain(r))
	if err != nil || len(r.Extra) == 0 {
		return b, err
	}
	v := reflect.ValueOf(r)
	for k := range r.Extra {
		i, ok := requestFields()[k]
		if !ok {
			continue
		}
		f := v.Field(i)
		set := !f.IsZero()
		if f.Kind() == reflect.Slice || f.Kind() == reflect.Map {
			set = f.Len() > 0
		}
		if set || k == "messages" {
			return nil, fmt.Errorf("dial: Extra repeats the request field %q, which is set", k)
		}
	}
	extra, err := json.Marshal(r.Extra)
	if err != nil {
		return nil, err
	}
	if len(extra) <= 2 {
		return b, nil
	}
	out := make([]byte, 0, len(b)+len(extra))
	out = append(out, b[:len(b)-1]...)
	out = append(out, ',')
	out = append(out, extra[1:]...)
	return out, nil
}

// Message is one chat message, in requests and in responses. Content is the
// text; Parts, when non-nil, is sent instead as a list of content parts.
type Message struct {
	Role          string         `json:"role"`
	Content       string         `json:"-"`
	Parts         []ContentPart  `json:"-"`
	Name          string         `json:"name,omitempty"`
	Refusal       string         `json:"refusal,omitempty"`
	ToolCalls     []ToolCall     `json:"tool_calls,omitempty"`
	ToolCallID    string         `json:"tool_call_id,omitempty"`
	FunctionCall  *FunctionCall  `json:"function_call,omitempty"`
	CustomContent *CustomContent `json:"custom_content,omitempty"`
	CustomFields  *CacheFields   `json:"custom_fields,omitempty"`
}

// UserMessage returns a user message with text.
func UserMessage(text string) Message { return Message{Role: RoleUser, Content: text} }

// SystemMessage returns a system message with text.
func SystemMessage(text string) Message { return Message{Role: RoleSystem, Content: text} }

// AssistantMessage returns an assistant message with text.
func AssistantMessage(text string) Message { return Message{Role: RoleAssistant, Content: text} }

// ToolMessage returns the result of the tool call with id callID.
func ToolMessage(callID, result string) Message {
	return Message{Role: RoleTool, Content: result, ToolCallID: callID}
}

type messageJSON struct {
	Role          string          `json:"role"`
	Content       json.RawMessage `json:"content,omitempty"`
	Name          string          `json:"name,omitempty"`
	Refusal       string          `json:"refusal,omitempty"`
	ToolCalls     []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID    string          `json:"tool_call_id,omitempty"`
	FunctionCall  *FunctionCall   `json:"function_call,omitempty"`
	CustomContent *CustomContent  `json:"custom_content,omitempty"`
	CustomFields  *CacheFields    `json:"custom_fields,omitempty"`
}

// MarshalJSON writes content as a string, or as parts when Parts is set.
// An assistant message with tool calls and no text sends content null.
func (m Message) MarshalJSON() ([]byte, error) {
	j := messageJSON{Role: m.Role, Name: m.Name, Refusal: m.Refusal, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID,
		FunctionCall: m.FunctionCall, CustomContent: m.CustomContent, CustomFields: m.CustomFields}
	var err error
	switch {
	case m.Parts != nil:
		j.Content, err = json.Marshal(m.Parts)
	case m.Content == "" && (len(m.ToolCalls) > 0 || m.FunctionCall != nil):
		j.Content = json.RawMessage("null")
	default:
		j.Content, err = json.Marshal(m.Content)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads content given as a string, a list of parts or null.
func (m *Message) UnmarshalJSON(b []byte) error {
	var j messageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = Message{Role: j.Role, Name: j.Name, Refusal: j.Refusal, ToolCalls: j.ToolCalls, ToolCallID: j.ToolCallID,
		FunctionCall: j.FunctionCall, CustomContent: j.CustomContent, CustomFields: j.CustomFields}
	c := bytes.TrimSpace(j.Content)
	switch {
	case len(c) == 0 || string(c) == "null":
	case c[0] == '"':
		return json.Unmarshal(c, &m.Content)
	case c[0] == '[':
		if err := json.Unmarshal(c, &m.Parts); err != nil {
			return err
		}
		for _, p := range m.Parts {
			if p.Type == "text" {
				m.Content += p.Text
			}
		}
	default:
		return fmt.Errorf("dial: message content must be a string, a list or null, got %.20s", c)
	}
	return nil
}

// ContentPart is one part of a multi-part message.
type ContentPart struct {
	Type                  string           `json:"type"` // text, image_url, file, input_audio, refusal
	Text                  string           `json:"text,omitempty"`
	ImageURL              *ImageURL        `json:"image_url,omitempty"`
	File                  *FilePart        `json:"file,omitempty"`
	InputAudio            *InputAudio      `json:"input_audio,omitempty"`
	Refusal               string           `json:"refusal,omitempty"`
	PromptCacheBreakpoint *CacheBreakpoint `json:"prompt_cache_breakpoint,omitempty"`
}

// TextPart returns a text content part.
func TextPart(text string) ContentPart { return ContentPart{Type: "text", Text: text} }

// ImagePart returns an image content part; detail is "", "auto", "low" or "high".
func ImagePart(url, detail string) ContentPart {
	return ContentPart{Type: "image_url", ImageURL: &ImageURL{URL: url, Detail: detail}}
}

// ImageURL is the image of an image_url part.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// FilePart is the file of a file part.
type FilePart struct {
	FileData string `json:"file_data,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// InputAudio is the audio of an input_audio part.
type InputAudio struct {
	Data   string `json:"data,omitempty"`
	Format string `json:"format,omitempty"`
}

// ToolCall is a call the model asks for. In streamed deltas Index is set and
// the other fields are fragments.
type ToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function FunctionCall `json:"function"`
}

// FunctionCall is a function name and its JSON arguments.
type FunctionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments,omitempty"`
}

// CustomContent holds DIAL's message extensions.
type CustomContent struct {
	Attachments []Attachment    `json:"attachments,omitempty"`
	Stages      []Stage         `json:"stages,omitempty"`
	State       json.RawMessage `json:"state,omitempty"` // application state to send back next turn
	FormValue   json.RawMessage `json:"form_value,omitempty"`
	FormSchema  json.RawMessage `json:"form_schema,omitempty"`
}

// Attachment is a file or link attached to a message. At least one of Data
// and URL is set; URL is a DIAL URL ("files/<bucket>/…") or absolute.
type Attachment struct {
	Index         *int   `json:"index,omitempty"` // streamed deltas only
	Type          string `json:"type,omitempty"`  // MIME type
	Title         string `json:"title,omitempty"`
	Data          string `json:"data,omitempty"`
	URL           string `json:"url,omitempty"`
	ReferenceType string `json:"reference_type,omitempty"`
	ReferenceURL  string `json:"reference_url,omitempty"`
}

// Stage is a step of an application's work; Status is "" while it runs,
// then "completed" or "failed".
type Stage struct {
	Index       *int         `json:"index,omitempty"` // streamed deltas only
	Name        string       `json:"name,omitempty"`
	Status      string       `json:"status,omitempty"`
	Content     string       `json:"content,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// ChatCompletion is a whole chat completion.
type ChatCompletion struct {
	ID                string      `json:"id"`
	Object            string      `json:"object"`
	Created           int64       `json:"created"`
	Model             string      `json:"model,omitempty"`
	SystemFingerprint string      `json:"system_fingerprint,omitempty"`
	Choices           []Choice    `json:"choices"`
	Usage             *Usage      `json:"usage,omitempty"`
	Statistics        *Statistics `json:"statistics,omitempty"`
}

// Text returns the content of the first choice ("" if none).
func (c *ChatCompletion) Text() string {
	if c == nil || len(c.Choices) == 0 {
		return ""
	}
	return c.Choices[0].Message.Content
}

// Choice is one answer of a completion.
type Choice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason string  `json:"finish_reason,omitempty"`
	// Logprobs holds the token log probabilities, when requested.
	Logprobs json.RawMessage `json:"logprobs,omitempty"`
}

// ChatCompletionChunk is one streamed piece of a completion.
type ChatCompletionChunk struct {
	ID                string        `json:"id"`
	Object            string        `json:"object"`
	Created           int64         `json:"created"`
	Model             string        `json:"model,omitempty"`
	SystemFingerprint string        `json:"system_fingerprint,omitempty"`
	Choices           []ChunkChoice `json:"choices"`
	Usage             *Usage        `json:"usage,omitempty"`
	Statistics        *Statistics   `json:"statistics,omitempty"`
}

// Text returns the content delta of the first choice ("" if none).
func (c *ChatCompletionChunk) Text() string {
	if c == nil || len(c.Choices) == 0 {
		return ""
	}
	return c.Choices[0].Delta.Content
}

// ChunkChoice is one choice's delta.
type ChunkChoice struct {
	Index        int    `json:"index"`
	Delta        Delta  `json:"delta"`
	FinishReason string `json:"finish_reason,omitempty"`
	// Logprobs holds this delta's token log probabilities, when requested.
	Logprobs json.RawMessage `json:"logprobs,omitempty"`
}

// Delta is a message fragment: strings concatenate, lists with an index
// merge by index (see ChatCompletionAccumulator).
type Delta struct {
	Role          string         `json:"role,omitempty"`
	Content       string         `json:"content,omitempty"`
	Refusal       string         `json:"refusal,omitempty"`
	ToolCalls     []ToolCall     `json:"tool_calls,omitempty"`
	FunctionCall  *FunctionCall  `json:"function_call,omitempty"`
	CustomContent *CustomContent `json:"custom_content,omitempty"`
}

// Usage counts tokens.
type Usage struct {
	PromptTokens            int64                    `json:"prompt_tokens"`
	CompletionTokens        int64                    `json:"completion_tokens"`
	TotalTokens             int64                    `json:"total_tokens"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
}

// PromptTokensDetails splits prompt tokens.
type PromptTokensDetails struct {
	CachedTokens     int64 `json:"cached_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens"`
}

// CompletionTokensDetails splits completion tokens.
type CompletionTokensDetails struct {
	ReasoningTokens int64 `json:"reasoning_tokens"`
}

// Statistics are DIAL's per-model usage and the messages dropped to fit
// max_prompt_tokens.
type Statistics struct {
	UsagePerModel     []ModelUsage `json:"usage_per_model,omitempty"`
	DiscardedMessages []int        `json:"discarded_messages,omitempty"`
}

// ModelUsage is the usage of one model an application called.
type ModelUsage struct {
	Index            *int   `json:"index,omitempty"`
	Model            string `json:"model"`
	PromptTokens     int64  `json:"prompt_tokens"`
	CompletionTokens int64  `json:"completion_tokens"`
	TotalTokens      int64  `json:"total_tokens"`
}
