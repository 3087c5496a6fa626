package dial

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// EmbeddingsService creates embeddings.
type EmbeddingsService struct{ c *Client }

// Create sends an embeddings request to deployment (an embedding model id)
// and returns one vector per input, in input order. Model defaults to the
// deployment; WithAPIVersion sets the api-version query parameter, as for
// chat. Vectors sent as base64 (EncodingBase64) are decoded too.
func (s *EmbeddingsService) Create(ctx context.Context, deployment string, req *EmbeddingsRequest, opts ...option.RequestOption) (*EmbeddingsResponse, error) {
	if err := checkID("deployment id", deployment); err != nil {
		return nil, err
	}
	if req == nil || req.Input.empty() {
		return nil, &apierror.InputError{Service: ServiceName, Field: "embeddings request", Reason: "input must not be empty"}
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	r := *req
	if r.Model == "" {
		r.Model = deployment
	}
	body, err := json.Marshal(&r)
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "embeddings request", Reason: err.Error()}
	}
	params := &dialapi.CreateEmbeddingsParams{}
	if v := apiVersion(s.c.core.CallConfig(ctx)); v != "" {
		params.APIVersion = &v
	}
	return core.Execute[EmbeddingsResponse](ctx, s.c.core, nil, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.CreateEmbeddingsWithBody(ctx, deployment, params, "application/json", bytes.NewReader(body), acceptJSON)
	})
}

// EmbeddingInput is the input of an embeddings request (specs/dial.yaml
// EmbeddingsRequest.input): texts, or token ids. Set one of the two; Tokens
// wins when both are set. It is sent as a list and decodes every form the
// spec allows (a string, a list of strings, of token ids, of token id lists).
type EmbeddingInput struct {
	// Texts are the texts to embed.
	Texts []string
	// Tokens are pre-tokenized inputs, one list of token ids per input.
	Tokens [][]int
}

// Texts returns an EmbeddingInput of texts.
func Texts(texts ...string) EmbeddingInput { return EmbeddingInput{Texts: texts} }

func (in EmbeddingInput) empty() bool { return len(in.Texts) == 0 && len(in.Tokens) == 0 }

// MarshalJSON writes the texts (or token id lists) as a JSON list.
func (in EmbeddingInput) MarshalJSON() ([]byte, error) {
	if in.Tokens != nil {
		return json.Marshal(in.Tokens)
	}
	if in.Texts == nil {
		return []byte("[]"), nil
	}
	return json.Marshal(in.Texts)
}

// UnmarshalJSON reads a string, a list of strings, a list of token ids or a
// list of token id lists.
func (in *EmbeddingInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*in = EmbeddingInput{}
	var one string
	if json.Unmarshal(b, &one) == nil {
		in.Texts = []string{one}
		return nil
	}
	var texts []string
	if json.Unmarshal(b, &texts) == nil {
		in.Texts = texts
		return nil
	}
	var ids []int
	if json.Unmarshal(b, &ids) == nil {
		in.Tokens = [][]int{ids}
		return nil
	}
	var lists [][]int
	if json.Unmarshal(b, &lists) == nil {
		in.Tokens = lists
		return nil
	}
	return errors.New("dial: embeddings input must be a string, a list of strings, a list of token ids or a list of token id lists")
}

// Vector is one embedding (specs/dial.yaml Embedding.embedding). It decodes
// a list of numbers or, as sent for encoding_format base64, a base64 string
// of little-endian float32 values; it is encoded as a list of numbers.
type Vector []float64

// UnmarshalJSON reads a list of numbers or a base64 string of float32s.
func (v *Vector) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '"' {
		var f []float64
		if err := json.Unmarshal(b, &f); err != nil {
			return err
		}
		*v = f
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("dial: base64 embedding: %w", err)
	}
	if len(raw)%4 != 0 {
		return fmt.Errorf("dial: base64 embedding: %d bytes is not a whole number of float32 values", len(raw))
	}
	out := make(Vector, len(raw)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])))
	}
	*v = out
	return nil
}
