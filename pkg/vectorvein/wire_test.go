package vectorvein_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// The emulator takes and returns the client's own wire types: these lines stop compiling
// the day one of them becomes a separate copy.
var (
	_ vectorvein.WorkflowOutput = vectorveintest.Output{}
	_ vectorvein.VApp           = vectorveintest.VApp{}
)

// TestWireTypesAreGenerated fails when a request or response type of this package stops
// being the one generated from specs/vectorvein.yaml, or hand-written JSON types grow.
func TestWireTypesAreGenerated(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: ".",
		Generated: []string{
			// Workflows.Run, RunAndWait, Status, Wait, Stop.
			"RunWorkflowRequest", "InputField", "OutputScope", "CheckStatusRequest", "StopRunRequest",
			"WorkflowOutput", "RunWorkflowEnvelope", "CheckStatusEnvelope", "ErrorEnvelope", "RunFailure", "KeyType",
			// AccessKeys.*.
			"AccessKey", "VApp", "AccessKeyPage", "AccessKeyType", "AccessKeyStatus", "AccessScope",
			"CreateAccessKeysRequest", "ListAccessKeysRequest", "SortOrder", "UpdateAccessKeysRequest",
			"DeleteAccessKeysRequest", "AccessKeyAppsRequest", "APIVersion",
		},
		// None: every JSON shape the package reads or writes is in the spec. (MaxJSONTags 0
		// means "no limit" to wirecheck, so 1 is the tightest bound it can state.)
		MaxJSONTags: 1,
		HandWritten: map[string]string{
			"RunResult": "SDK-side digest of a run (envelope status + msg + the data union), no JSON tags; not a wire shape",
		},
	})
	require.NoError(t, err)
	require.Zero(t, rep.JSONTags, "hand-written json tags")
	t.Logf("hand-written json tags: %d; generated types: %d", rep.JSONTags, len(rep.GeneratedTypes))
	require.NoError(t, rep.Error())
}
