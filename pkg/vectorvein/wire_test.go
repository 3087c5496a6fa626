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
			"WorkflowOutput", "RunWorkflowEnvelope", "CheckStatusEnvelope", "ErrorEnvelope", "KeyType",
			// AccessKeys.*.
			"AccessKey", "VApp", "AccessKeyPage", "AccessKeyType", "AccessKeyStatus", "AccessScope",
			"CreateAccessKeysRequest", "ListAccessKeysRequest", "SortOrder", "UpdateAccessKeysRequest",
			"DeleteAccessKeysRequest", "AccessKeyAppsRequest", "APIVersion",
		},
		// The rid, error and error_task of a failed run's error envelope (runFailed): the
		// spec leaves that data untyped on purpose (ErrorEnvelope.data is any JSON value).
		MaxJSONTags: 4,
		HandWritten: map[string]string{
			"RunResult": "SDK-side digest of a run (envelope status + msg + the data union), no JSON tags; not a wire shape",
		},
	})
	require.NoError(t, err)
	t.Logf("hand-written json tags: %d; generated types: %d", rep.JSONTags, len(rep.GeneratedTypes))
	require.NoError(t, rep.Error())
}
