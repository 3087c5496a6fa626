package dial_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// TestSpecLint checks specs/dial.yaml: valid OpenAPI with valid examples, and
// every operation has an operationId, a description, tags and a 4xx answer.
func TestSpecLint(t *testing.T) {
	doc, ops, err := wirecheck.LoadSpec("dial.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	require.Contains(t, doc.Components.SecuritySchemes, "ApiKey")
	require.Contains(t, doc.Components.SecuritySchemes, "Bearer")
	for _, op := range ops {
		require.NotEmpty(t, op.OperationID, op.Name)
		require.NotEmpty(t, op.Description, op.Name)
		require.NotEmpty(t, op.Tags, op.Name)
		has4xx := false
		for code := range op.Responses.Map() {
			has4xx = has4xx || code[0] == '4'
		}
		require.True(t, has4xx, "%s: no 4xx response", op.Name)
	}
	require.Len(t, ops, 21)
	fp := doc.Components.Parameters["FilePath"].Value
	require.Equal(t, true, fp.Extensions["x-greedy-path"])
}
