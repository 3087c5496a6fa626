package wirecheck_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

func TestCheckFindsCopiesAndCountsTags(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir:         "testdata/svc",
		Generated:   []string{"Run", "Status", "Copy"},
		MaxJSONTags: 3,
		HandWritten: map[string]string{"Content": "a union"},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"Run", "Status"}, rep.GeneratedTypes)
	require.Equal(t, 4, rep.JSONTags, "generated and test files are not counted; unexported types are")
	require.Len(t, rep.Problems, 3, "%v", rep.Problems)
	require.Contains(t, rep.Problems[0], "Copy: a hand-written JSON type")
	require.Contains(t, rep.Problems[1], "Copy: not declared by a *.gen.go file")
	require.Contains(t, rep.Problems[2], "hand-written json struct tags: 4, more than the 3 allowed")
	require.ErrorContains(t, rep.Error(), "wire types are not the generated ones")
}

func TestCheckPassesAllowedHandWrittenTypes(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: "testdata/svc", Generated: []string{"Run"}, MaxJSONTags: 10,
		HandWritten: map[string]string{"Content": "a union", "Copy": "x"},
	})
	require.NoError(t, err)
	require.NoError(t, rep.Error())
}

func TestCheckGeneratedFileNeedsItsHeader(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{Dir: "testdata/bad"})
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1)
	require.Contains(t, rep.Problems[0], "models.gen.go: has no \"Code generated")
}

func TestCheckMissingDir(t *testing.T) {
	_, err := wirecheck.Check(wirecheck.Rules{Dir: "testdata/none"})
	require.Error(t, err)
}
