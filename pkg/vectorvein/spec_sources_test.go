package vectorvein_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/specs"
)

// Every operation of specs/vectorvein.yaml says what it does and which SDK (package,
// version, file) it comes from (issue 11): the operations do not all come from the
// pinned vectorvein 0.2.1.
func TestSpecOperationsNameTheirSource(t *testing.T) {
	raw, err := specs.FS.ReadFile("vectorvein.yaml")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			name := method + " " + path
			require.NotEmpty(t, strings.TrimSpace(op.Description), "%s has no description", name)
			src, _ := op.Extensions["x-source"].(string)
			require.Regexp(t, `(vectorvein|vectorvein-sdk) \d+\.\d+\.\d+ vectorvein/api/\w+\.py`, src, "%s names no SDK file", name)
		}
	}
	require.Equal(t, 11, n)
	stop := doc.Paths.Find("/workflow/stop-run").Post
	require.Contains(t, stop.Extensions["x-source"], "vectorvein-sdk 0.3.91")
}
