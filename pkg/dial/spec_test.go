package dial_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/specs"
)

// TestSpecLint checks specs/dial.yaml: valid OpenAPI with valid examples, and
// every operation has an operationId, a description, tags and a 4xx answer.
func TestSpecLint(t *testing.T) {
	data, err := specs.FS.ReadFile("dial.yaml")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	require.Contains(t, doc.Components.SecuritySchemes, "ApiKey")
	require.Contains(t, doc.Components.SecuritySchemes, "Bearer")
	ops := 0
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			ops++
			require.NotEmpty(t, op.OperationID, "%s %s", m, p)
			require.NotEmpty(t, op.Description, "%s %s", m, p)
			require.NotEmpty(t, op.Tags, "%s %s", m, p)
			has4xx := false
			for code := range op.Responses.Map() {
				has4xx = has4xx || code[0] == '4'
			}
			require.True(t, has4xx, "%s %s: no 4xx response", m, p)
		}
	}
	require.Equal(t, 21, ops)
	fp := doc.Components.Parameters["FilePath"].Value
	require.Equal(t, true, fp.Extensions["x-greedy-path"])
}
