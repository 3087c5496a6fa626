package dragoneye_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/specs"
)

// TestSpecNamesASourceForEveryShape: every operation of specs/dragoneye.yaml
// has a description and an x-source, and every schema an x-source (an SDK
// file, or "none (not confirmed by any source)" with a description saying
// so). conformance/wire/dragoneye.md lists them with the date checked.
func TestSpecNamesASourceForEveryShape(t *testing.T) {
	raw, err := specs.FS.ReadFile("dragoneye.yaml")
	require.NoError(t, err)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	ops := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops++
			name := method + " " + path
			require.NotEmpty(t, strings.TrimSpace(op.Description), "%s has no description", name)
			require.NotNil(t, op.Extensions["x-source"], "%s has no x-source", name)
		}
	}
	require.Equal(t, 5, ops)
	for name, ref := range doc.Components.Schemas {
		src, _ := ref.Value.Extensions["x-source"].(string)
		require.NotEmpty(t, src, "schema %s has no x-source", name)
		if strings.HasPrefix(src, "none") {
			require.Contains(t, ref.Value.Description, "not confirmed by any source", "schema %s", name)
		}
	}
}
