package wirecheck_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

func TestCheckFindsCopiesAndCountsTags(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir:         "testdata/svc",
		GenDir:      "testdata/svcapi",
		MaxJSONTags: 3,
		HandWritten: map[string]string{"Content": "a union"},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"Run"}, rep.Aliases)
	require.Equal(t, 4, rep.JSONTags, "test files are not counted; unexported types are")
	require.Len(t, rep.Problems, 3)
	require.Contains(t, rep.Problems[0], "Status: a generated type of that name exists in svcapi")
	require.Contains(t, rep.Problems[1], "Copy: a hand-written JSON type")
	require.Contains(t, rep.Problems[2], "hand-written json struct tags: 4, more than the 3 allowed")
}

func TestCheckPassesAClean(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: "testdata/svc", GenDir: "testdata/svcapi", MaxJSONTags: 10,
		HandWritten: map[string]string{"Content": "a union", "Copy": "x"},
	})
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1, "only the copied generated name is left: %v", rep.Problems)
}

func TestCheckMissingDir(t *testing.T) {
	_, err := wirecheck.Check(wirecheck.Rules{Dir: "testdata/none", GenDir: "testdata/svcapi"})
	require.Error(t, err)
}
