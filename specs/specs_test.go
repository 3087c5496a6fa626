package specs

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// TestSpecsValid loads every spec of the FS and validates it, examples
// included; every operation has an operationId and a response example.
func TestSpecsValid(t *testing.T) {
	names, err := fs.Glob(FS, "*.yaml")
	require.NoError(t, err)
	require.Len(t, names, 4)
	for _, name := range names {
		t.Run(strings.TrimSuffix(name, ".yaml"), func(t *testing.T) {
			data, err := FS.ReadFile(name)
			require.NoError(t, err)
			doc, err := openapi3.NewLoader().LoadFromData(data)
			require.NoError(t, err)
			require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					require.NotEmpty(t, op.OperationID, "%s %s", method, path)
					require.True(t, hasResponseExample(op), "%s %s has no response example", method, path)
				}
			}
		})
	}
}

func hasResponseExample(op *openapi3.Operation) bool {
	for _, r := range op.Responses.Map() {
		if r.Value == nil {
			continue
		}
		for _, mt := range r.Value.Content {
			if mt.Example != nil || len(mt.Examples) > 0 {
				return true
			}
		}
	}
	return false
}
