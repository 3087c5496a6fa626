package infsh_test

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/specs"
)

// TestSpecValid loads specs/infsh.yaml and validates it, examples included.
func TestSpecValid(t *testing.T) {
	data, err := specs.FS.ReadFile("infsh.yaml")
	require.NoError(t, err)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			require.NotEmpty(t, op.OperationID, "%s %s", method, path)
			hasExample := false
			for _, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				for _, mt := range r.Value.Content {
					if mt.Example != nil || len(mt.Examples) > 0 {
						hasExample = true
					}
				}
			}
			require.True(t, hasExample, "%s %s has no response example", method, path)
		}
	}
}
