package dial

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Content is a message's content (specs/dial.yaml Message.content): a text,
// or a list of content parts. The spec's oneOf cannot be generated as a Go
// field, so this hand-written union stands in for it (x-go-type: Content).
//
// Text is the text; Parts, when non-nil, is sent instead, as the list of
// parts. Decoding fills Parts for a list and then sets Text to the
// concatenation of its text parts, so Text is always the readable text.
// The chat calls send the empty content of a message that carries tool
// calls (or a function call) as null, as OpenAI asks; any other empty
// content is sent as "".
type Content struct {
	Text  string
	Parts []ContentPart
}

// MarshalJSON writes the parts when set, else the text.
func (c Content) MarshalJSON() ([]byte, error) {
	if c.Parts != nil {
		return json.Marshal(c.Parts)
	}
	return json.Marshal(c.Text)
}

// UnmarshalJSON reads a string, a list of parts or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	*c = Content{}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, &c.Text)
	case b[0] == '[':
		if err := json.Unmarshal(b, &c.Parts); err != nil {
			return err
		}
		for _, p := range c.Parts {
			if p.Type == PartText {
				c.Text += p.Text
			}
		}
		return nil
	}
	return fmt.Errorf("dial: message content must be a string, a list or null, got %.20s", b)
}

// String returns the text: Text, or when Parts is set and Text is empty,
// the text parts joined.
func (c Content) String() string {
	if c.Text != "" || c.Parts == nil {
		return c.Text
	}
	var b strings.Builder
	for _, p := range c.Parts {
		if p.Type == PartText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Stop is the stop sequences of a request (specs/dial.yaml
// ChatCompletionRequest.stop: a string or a list of strings). It is sent as
// a list and decodes either form.
type Stop []string

// UnmarshalJSON reads a string, a list of strings or null.
func (s *Stop) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Stop{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*s = list
	return nil
}

// Ptr returns a pointer to v, for the optional fields of requests.
func Ptr[T any](v T) *T { return &v }

// UserMessage returns a user message with text.
func UserMessage(text string) Message { return Message{Role: RoleUser, Content: Content{Text: text}} }

// SystemMessage returns a system message with text.
func SystemMessage(text string) Message {
	return Message{Role: RoleSystem, Content: Content{Text: text}}
}

// AssistantMessage returns an assistant message with text.
func AssistantMessage(text string) Message {
	return Message{Role: RoleAssistant, Content: Content{Text: text}}
}

// ToolMessage returns the result of the tool call with id callID.
func ToolMessage(callID, result string) Message {
	return Message{Role: RoleTool, Content: Content{Text: result}, ToolCallID: callID}
}

// PartsMessage returns a message of role whose content is parts (see
// TextPart, ImagePart).
func PartsMessage(role Role, parts ...ContentPart) Message {
	if parts == nil {
		parts = []ContentPart{}
	}
	return Message{Role: role, Content: Content{Parts: parts}}
}

// Text returns the message's text (see Content.String).
func (m *Message) Text() string {
	if m == nil {
		return ""
	}
	return m.Content.String()
}

// TextPart returns a text content part.
func TextPart(text string) ContentPart { return ContentPart{Type: PartText, Text: text} }

// ImagePart returns an image content part; detail is "", "auto", "low" or "high".
func ImagePart(url, detail string) ContentPart {
	return ContentPart{Type: PartImageURL, ImageURL: &ImageURL{URL: url, Detail: ImageDetail(detail)}}
}

// FunctionTool returns a function tool; parameters is a JSON Schema.
func FunctionTool(name, description string, parameters json.RawMessage) Tool {
	return Tool{Type: ToolFunction, Function: &FunctionDefinition{Name: name, Description: description, Parameters: parameters}}
}

// Text returns the content of the first choice ("" if none).
func (c *ChatCompletion) Text() string {
	if c == nil || len(c.Choices) == 0 {
		return ""
	}
	return c.Choices[0].Message.Text()
}

// Text returns the content delta of the first choice ("" if none).
func (c *ChatCompletionChunk) Text() string {
	if c == nil || len(c.Choices) == 0 {
		return ""
	}
	return c.Choices[0].Delta.Content
}
