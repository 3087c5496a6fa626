package infsh_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// TestWireTypesAreGenerated fails when a request or response type of the
// package stops being the one generated from specs/infsh.yaml into
// models.gen.go (a hand copy replaced it), or when hand-written files start
// carrying JSON struct tags again: every wire shape belongs in the spec.
func TestWireTypesAreGenerated(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: ".",
		Generated: []string{
			// tasks
			"Task", "TaskLog", "LogType", "TaskEvent", "Status", "Infra", "RunRequest", "ContentRating", "TaskDelta",
			"TaskFile", "TaskFileRole", "DeletedTaskFiles", "SkippedTaskFile",
			// files
			"UploadedFile", "PartialFile", "FileCreateRequest", "FileRef",
			// sessions
			"Session", "SessionStatus",
			// agents and tools
			"AgentConfig", "CoreApp", "Skill", "AgentTool", "AgentToolType", "ClientToolConfig", "AppToolConfig",
			"AgentToolConfig", "HookToolConfig", "InternalToolsConfig", "InternalToolConfig", "HTTPToolConfig",
			"LLMTool", "LLMToolFunction", "JSONSchema", "AgentRunRequest",
			"AgentRunResult", "MessageInput", "Chat", "AgentRun", "Interrupt", "ChatMessage", "MessageContent",
			"ToolInvocation", "ToolCallFunction", "ModelToolCall", "ToolResultRequest", "RejectToolRequest",
			// errors
			"Requirement", "RequirementAction", "RequirementsBody",
		},
		MaxJSONTags: 1,
	})
	require.NoError(t, err)
	require.NoError(t, rep.Error())
	t.Logf("hand-written json tags: %d; generated types: %d", rep.JSONTags, len(rep.GeneratedTypes))
	require.Zero(t, rep.JSONTags, "hand-written files carry no JSON tags: describe the shape in the spec")
}

// The emulator defines its template agents with the very type the client
// sends as an ad-hoc agent (both generated from the spec's AgentConfig).
var _ infsh.AgentConfig = infshtest.AgentTemplate{}.Config

// The emulator's 412 requirements are the client's generated Requirement.
var _ []infsh.Requirement = infshtest.App{}.Requirements
