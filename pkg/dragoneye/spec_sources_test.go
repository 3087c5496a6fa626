package dragoneye_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// TestSpecNamesASourceForEveryShape: every operation of specs/dragoneye.yaml
// has a description and an x-source, and every schema an x-source (an SDK
// file, or "none (not confirmed by any source)" with a description saying
// so). conformance/wire/dragoneye.md lists them with the date checked.
func TestSpecNamesASourceForEveryShape(t *testing.T) {
	doc, ops, err := wirecheck.LoadSpec("dragoneye.yaml")
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	for _, op := range ops {
		require.NotEmpty(t, strings.TrimSpace(op.Description), "%s has no description", op.Name)
		require.NotNil(t, op.Extensions["x-source"], "%s has no x-source", op.Name)
	}
	require.Len(t, ops, 5)
	for name, ref := range doc.Components.Schemas {
		src, _ := ref.Value.Extensions["x-source"].(string)
		require.NotEmpty(t, src, "schema %s has no x-source", name)
		if strings.HasPrefix(src, "none") {
			require.Contains(t, ref.Value.Description, "not confirmed by any source", "schema %s", name)
		}
	}
}
