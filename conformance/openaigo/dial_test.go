// Package openaigo runs the openai-go SDK (pinned in go.mod, its own module so
// users of the SDK never download it) as a DIAL client against dialtest:
// many DIAL users call DIAL Core with openai-go's Azure options, which send
// api-key, ?api-version= on every call and /openai/deployments/{model}/…
// paths (openai-go azure/azure.go). Chat (plain, streamed, with tools),
// embeddings and the model list must work with no spec violation.
package openaigo

import (
	"context"
	"math"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

const apiVersion = "2024-02-01"

func newClient(t *testing.T) (*dialtest.Server, openai.Client) {
	t.Helper()
	srv := dialtest.NewServer(t)
	t.Cleanup(func() { require.Empty(t, srv.Violations(), "spec violations") })
	c := openai.NewClient(
		azure.WithEndpoint(srv.URL, apiVersion),
		azure.WithAPIKey(dialtest.APIKey),
		azure.WithUnsafeAllowHTTP(),
		option.WithMaxRetries(0),
	)
	return srv, c
}

func lastQuery(t *testing.T, srv *dialtest.Server, op string) string {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Operation == op {
			return reqs[i].Query.Get("api-version")
		}
	}
	t.Fatalf("%s was not recorded", op)
	return ""
}

func TestModels(t *testing.T) {
	srv, c := newClient(t)
	page, err := c.Models.List(context.Background())
	require.NoError(t, err)
	var ids []string
	for _, m := range page.Data {
		ids = append(ids, m.ID)
	}
	require.Contains(t, ids, "gpt-4")
	require.Equal(t, apiVersion, lastQuery(t, srv, "listModels"))
}

func TestChat(t *testing.T) {
	srv, c := newClient(t)
	ctx := context.Background()
	resp, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-4",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("2+3=")},
	})
	require.NoError(t, err)
	require.Equal(t, "5", resp.Choices[0].Message.Content)
	require.Equal(t, apiVersion, lastQuery(t, srv, "createChatCompletion"))

	st := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         "gpt-4",
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("words come in pieces")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	var acc openai.ChatCompletionAccumulator
	for st.Next() {
		acc.AddChunk(st.Current())
	}
	require.NoError(t, st.Err())
	require.Equal(t, "words come in pieces", acc.Choices[0].Message.Content)
	require.Positive(t, acc.Usage.TotalTokens)

	tools := []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
		Name:       "get_weather",
		Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
	})}
	resp, err = c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gpt-4",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage("weather in Paris?"),
			openai.ToolMessage("sunny", "call_1"),
			openai.UserMessage("thanks"),
		},
		Tools: tools,
	})
	require.NoError(t, err)
	require.Equal(t, "thanks", resp.Choices[0].Message.Content)
}

func TestEmbeddings(t *testing.T) {
	_, c := newClient(t)
	resp, err := c.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
		Model: "gpt-4",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"hello", "world"}},
	})
	require.NoError(t, err)
	require.Len(t, resp.Data, 2)
	var norm float64
	for _, x := range resp.Data[0].Embedding {
		norm += x * x
	}
	require.InDelta(t, 1, math.Sqrt(norm), 1e-4)
}
