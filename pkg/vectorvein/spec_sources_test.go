package vectorvein_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// Every operation of specs/vectorvein.yaml says what it does and which SDK (package,
// version, file) it comes from (issue 11): the operations do not all come from the
// pinned vectorvein 0.2.1.
func TestSpecOperationsNameTheirSource(t *testing.T) {
	doc, ops, err := wirecheck.LoadSpec("vectorvein.yaml")
	require.NoError(t, err)
	for _, op := range ops {
		require.NotEmpty(t, strings.TrimSpace(op.Description), "%s has no description", op.Name)
		src, _ := op.Extensions["x-source"].(string)
		require.Regexp(t, `(vectorvein|vectorvein-sdk) \d+\.\d+\.\d+ vectorvein/api/\w+\.py`, src, "%s names no SDK file", op.Name)
	}
	require.Len(t, ops, 11)
	stop := doc.Paths.Find("/workflow/stop-run").Post
	require.Contains(t, stop.Extensions["x-source"], "vectorvein-sdk 0.3.91")
}
