package dial_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/option"
)

func TestEmbeddingsCreate(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(0))
	ctx := context.Background()

	floats, err := c.Embeddings.Create(ctx, "gpt-4", &dial.EmbeddingsRequest{Input: dial.Texts("a b", "c")},
		dial.WithAPIVersion("2024-02-01"))
	require.NoError(t, err)
	require.Equal(t, "list", string(floats.Object))
	require.Len(t, floats.Data, 2)
	require.Equal(t, 1, floats.Data[1].Index)
	require.Len(t, floats.Data[0].Embedding, 8)
	var norm float64
	for _, x := range floats.Data[0].Embedding {
		norm += x * x
	}
	require.InDelta(t, 1, norm, 1e-5, "unit vector")
	require.Equal(t, int64(3), floats.Usage.TotalTokens)
	reqs := srv.Requests()
	require.Equal(t, "2024-02-01", reqs[len(reqs)-1].Query.Get("api-version"))
	var sent map[string]any
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &sent))
	require.Equal(t, "gpt-4", sent["model"], "model defaults to the deployment")
	require.Equal(t, []any{"a b", "c"}, sent["input"])

	// The openai SDKs' default: base64 float32, decoded to the same vector.
	b64, err := c.Embeddings.Create(ctx, "gpt-4", &dial.EmbeddingsRequest{Input: dial.Texts("a b", "c"), EncodingFormat: dial.EncodingBase64})
	require.NoError(t, err)
	require.Equal(t, floats.Data, b64.Data)

	// Token ids.
	tok, err := c.Embeddings.Create(ctx, "gpt-4", &dial.EmbeddingsRequest{Input: dial.EmbeddingInput{Tokens: [][]int{{1, 2}, {3}}}})
	require.NoError(t, err)
	require.Len(t, tok.Data, 2)

	// DIAL Core's plain-text 404 for an unknown deployment.
	_, err = c.Embeddings.Create(ctx, "nope", &dial.EmbeddingsRequest{Input: dial.Texts("x")})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 404, ae.StatusCode)
	require.Equal(t, "Unknown application: nope", ae.Message)

	// Refused before sending.
	_, err = c.Embeddings.Create(ctx, "gpt-4", &dial.EmbeddingsRequest{})
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	_, err = c.Embeddings.Create(ctx, "gpt-4", nil)
	require.ErrorAs(t, err, &ie)
}

func TestEmbeddingWireForms(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want dial.EmbeddingInput
	}{
		{`"one"`, dial.Texts("one")},
		{`["a","b"]`, dial.Texts("a", "b")},
		{`[1,2]`, dial.EmbeddingInput{Tokens: [][]int{{1, 2}}}},
		{`[[1],[2,3]]`, dial.EmbeddingInput{Tokens: [][]int{{1}, {2, 3}}}},
	} {
		var got dial.EmbeddingInput
		require.NoError(t, json.Unmarshal([]byte(tt.in), &got), tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
	var bad dial.EmbeddingInput
	require.Error(t, json.Unmarshal([]byte(`{"x":1}`), &bad))

	// 1.0 and -2.5 as little-endian float32, base64.
	var v dial.Vector
	require.NoError(t, json.Unmarshal([]byte(`"AACAPwAAIMA="`), &v))
	require.Equal(t, dial.Vector{1, -2.5}, v)
	require.Error(t, json.Unmarshal([]byte(`"AACA"`), &v), "not a whole float32")
	require.Error(t, json.Unmarshal([]byte(`"%%%"`), &v))
	require.NoError(t, json.Unmarshal([]byte(`[0.5, 1e-3]`), &v))
	require.Equal(t, 0.5, v[0])
	require.False(t, math.IsNaN(v[1]))
}
