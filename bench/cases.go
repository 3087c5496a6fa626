package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	openaigo "github.com/openai/openai-go/v3"
	openaigoopt "github.com/openai/openai-go/v3/option"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Model is the deployment every case calls.
const Model = "gpt-4o"

const apiKey = "bench-key"

// Op is one call of a case. It returns a summary of what it read (chunk
// count and content length, the answer, the ids listed) so that a test can
// check that every client of a group read the same.
type Op func(ctx context.Context) (string, error)

// Clients are the four ways of calling one server.
type Clients struct {
	DIAL     *dial.Client
	HTTP     *http.Client // the raw loops
	GoOpenAI *goopenai.Client
	OpenAIGo openaigo.Client
	base     string
}

// NewClients makes the clients of server url, each with its own default
// HTTP client (the raw loops get one like http.DefaultClient's, with its
// own transport so that the cases do not share connections).
func NewClients(url string) (*Clients, error) {
	d, err := dial.NewClient(option.WithBaseURL(url), option.WithAPIKey(apiKey), option.WithMaxRetries(0))
	if err != nil {
		return nil, err
	}
	cfg := goopenai.DefaultConfig(apiKey)
	cfg.BaseURL = url + "/v1"
	cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	return &Clients{
		DIAL:     d,
		HTTP:     &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		GoOpenAI: goopenai.NewClientWithConfig(cfg),
		OpenAIGo: openaigo.NewClient(openaigoopt.WithBaseURL(url+"/v1"), openaigoopt.WithAPIKey(apiKey), openaigoopt.WithMaxRetries(0),
			openaigoopt.WithHTTPClient(&http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()})),
		base: url,
	}, nil
}

// Messages are n chat messages, alternately user and assistant, of size
// bytes of text each.
func Messages(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		fmt.Fprintf(&b, "Message %d: ", i)
		for b.Len() < size {
			b.WriteString("The quick brown fox jumps over the lazy dog. ")
		}
		out[i] = b.String()[:size]
	}
	return out
}

func role(i int) string {
	if i%2 == 0 {
		return "user"
	}
	return "assistant"
}

// --- minimal wire types of the raw loops -----------------------------------

// MinimalChunk is the least a caller decodes of a chat chunk: the bare loop's
// struct.
type MinimalChunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int `json:"index"`
		Delta struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

type rawMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type rawRequest struct {
	Model    string       `json:"model"`
	Messages []rawMessage `json:"messages"`
	Stream   bool         `json:"stream"`
}

type rawCompletion struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index        int        `json:"index"`
		Message      rawMessage `json:"message"`
		FinishReason string     `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
}

type rawList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
}

func streamSummary(chunks, contentLen int) string {
	return fmt.Sprintf("%d chunks, %d content bytes", chunks, contentLen)
}

func (c *Clients) rawPost(ctx context.Context, msgs []string, stream bool) (*http.Response, error) {
	req := rawRequest{Model: Model, Stream: stream, Messages: make([]rawMessage, len(msgs))}
	for i, m := range msgs {
		req.Messages[i] = rawMessage{Role: role(i), Content: m}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+apiKey)
	resp, err := c.HTTP.Do(hr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	return resp, nil
}

func dialRequest(msgs []string) *dial.ChatCompletionRequest {
	req := &dial.ChatCompletionRequest{Messages: make([]dial.Message, len(msgs))}
	for i, m := range msgs {
		req.Messages[i] = dial.Message{Role: dial.Role(role(i)), Content: dial.Content{Text: m}}
	}
	return req
}

func goOpenAIRequest(msgs []string, stream bool) goopenai.ChatCompletionRequest {
	req := goopenai.ChatCompletionRequest{Model: Model, Stream: stream, Messages: make([]goopenai.ChatCompletionMessage, len(msgs))}
	for i, m := range msgs {
		req.Messages[i] = goopenai.ChatCompletionMessage{Role: role(i), Content: m}
	}
	return req
}

func openAIGoParams(msgs []string) openaigo.ChatCompletionNewParams {
	p := openaigo.ChatCompletionNewParams{Model: Model, Messages: make([]openaigo.ChatCompletionMessageParamUnion, len(msgs))}
	for i, m := range msgs {
		if i%2 == 0 {
			p.Messages[i] = openaigo.UserMessage(m)
		} else {
			p.Messages[i] = openaigo.AssistantMessage(m)
		}
	}
	return p
}

// --- stream decode ----------------------------------------------------------

var prompt = []string{"Say hello."}

// StreamOps are the stream-decode cases: each sends one streaming request
// and reads every chunk.
func (c *Clients) StreamOps() []Named {
	return []Named{
		{"dial", func(ctx context.Context) (string, error) {
			s, err := c.DIAL.Chat.Stream(ctx, Model, dialRequest(prompt))
			if err != nil {
				return "", err
			}
			n, size := 0, 0
			for ch, err := range s.All() {
				if err != nil {
					return "", err
				}
				n++
				for _, choice := range ch.Choices {
					size += len(choice.Delta.Content)
				}
			}
			return streamSummary(n, size), nil
		}},
		{"bare", func(ctx context.Context) (string, error) {
			resp, err := c.rawPost(ctx, prompt, true)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 64<<10), 16<<20)
			n, size, done := 0, 0, false
			for sc.Scan() {
				payload, ok := bytes.CutPrefix(sc.Bytes(), []byte("data: "))
				if !ok {
					continue
				}
				if bytes.Equal(payload, []byte("[DONE]")) {
					done = true
					break
				}
				var ch MinimalChunk
				if err := json.Unmarshal(payload, &ch); err != nil {
					return "", err
				}
				n++
				for _, choice := range ch.Choices {
					size += len(choice.Delta.Content)
				}
			}
			if err := sc.Err(); err != nil {
				return "", err
			}
			if !done {
				return "", io.ErrUnexpectedEOF
			}
			return streamSummary(n, size), nil
		}},
		{"go-openai", func(ctx context.Context) (string, error) {
			s, err := c.GoOpenAI.CreateChatCompletionStream(ctx, goOpenAIRequest(prompt, true))
			if err != nil {
				return "", err
			}
			defer s.Close()
			n, size := 0, 0
			for {
				ch, err := s.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return "", err
				}
				n++
				for _, choice := range ch.Choices {
					size += len(choice.Delta.Content)
				}
			}
			return streamSummary(n, size), nil
		}},
		{"openai-go", func(ctx context.Context) (string, error) {
			s := c.OpenAIGo.Chat.Completions.NewStreaming(ctx, openAIGoParams(prompt))
			defer s.Close()
			n, size := 0, 0
			for s.Next() {
				ch := s.Current()
				n++
				for _, choice := range ch.Choices {
					size += len(choice.Delta.Content)
				}
			}
			if err := s.Err(); err != nil {
				return "", err
			}
			return streamSummary(n, size), nil
		}},
	}
}

// --- create -----------------------------------------------------------------

// CreateOps are the non-streaming create cases with messages msgs.
func (c *Clients) CreateOps(msgs []string) []Named {
	answer := func(id, content string, total int) string { return fmt.Sprintf("%s %q %d", id, content, total) }
	return []Named{
		{"dial", func(ctx context.Context) (string, error) {
			r, err := c.DIAL.Chat.Create(ctx, Model, dialRequest(msgs))
			if err != nil {
				return "", err
			}
			total := 0
			if r.Usage != nil {
				total = int(r.Usage.TotalTokens)
			}
			return answer(r.ID, r.Choices[0].Message.Content.Text, total), nil
		}},
		{"raw", func(ctx context.Context) (string, error) {
			resp, err := c.rawPost(ctx, msgs, false)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			var r rawCompletion
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				return "", err
			}
			return answer(r.ID, r.Choices[0].Message.Content, r.Usage.TotalTokens), nil
		}},
		{"go-openai", func(ctx context.Context) (string, error) {
			r, err := c.GoOpenAI.CreateChatCompletion(ctx, goOpenAIRequest(msgs, false))
			if err != nil {
				return "", err
			}
			return answer(r.ID, r.Choices[0].Message.Content, r.Usage.TotalTokens), nil
		}},
		{"openai-go", func(ctx context.Context) (string, error) {
			r, err := c.OpenAIGo.Chat.Completions.New(ctx, openAIGoParams(msgs))
			if err != nil {
				return "", err
			}
			return answer(r.ID, r.Choices[0].Message.Content, int(r.Usage.TotalTokens)), nil
		}},
	}
}

// --- list -------------------------------------------------------------------

// ListOps are the list cases (DIAL deployments, OpenAI models: one body).
func (c *Clients) ListOps() []Named {
	ids := func(n int, id func(int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(id(i))
			b.WriteByte(' ')
		}
		return b.String()
	}
	return []Named{
		{"dial", func(ctx context.Context) (string, error) {
			l, err := c.DIAL.Deployments.List(ctx)
			if err != nil {
				return "", err
			}
			return ids(len(l), func(i int) string { return l[i].ID }), nil
		}},
		{"raw", func(ctx context.Context) (string, error) {
			hr, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/models", nil)
			if err != nil {
				return "", err
			}
			hr.Header.Set("Authorization", "Bearer "+apiKey)
			resp, err := c.HTTP.Do(hr)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			var l rawList
			if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
				return "", err
			}
			return ids(len(l.Data), func(i int) string { return l.Data[i].ID }), nil
		}},
		{"go-openai", func(ctx context.Context) (string, error) {
			l, err := c.GoOpenAI.ListModels(ctx)
			if err != nil {
				return "", err
			}
			return ids(len(l.Models), func(i int) string { return l.Models[i].ID }), nil
		}},
		{"openai-go", func(ctx context.Context) (string, error) {
			l, err := c.OpenAIGo.Models.List(ctx)
			if err != nil {
				return "", err
			}
			return ids(len(l.Data), func(i int) string { return l.Data[i].ID }), nil
		}},
	}
}

// Named is a client's op.
type Named struct {
	Client string
	Op     Op
}
