package dial_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
)

// The wire types of every call are the ones generated from specs/dial.yaml
// into models.gen.go. The spec's unions that codegen cannot express (a
// message's content, a localized text, the stop sequences) are hand-written
// types named by x-go-type, with no JSON struct tags. The only hand-written
// tags left decode error bodies whose code may be a number (errors.go) and
// the chunk-or-error event of a chat stream (chat.go), and the two fields
// with which the chat request encoding (chat.go) writes a generated request
// with plain message contents, all unexported.
// This fails the day someone replaces a generated type with a hand copy or
// adds a JSON type without saying why.
func TestWireTypesAreGenerated(t *testing.T) {
	rep, err := wirecheck.Check(wirecheck.Rules{
		Dir: ".",
		Generated: []string{
			// Chat.Create / Chat.Stream / Accumulate
			"ChatCompletionRequest", "Message", "Role", "ContentPart", "ContentPartType", "ImageURL",
			"FilePart", "InputAudio", "CacheFields", "CacheBreakpoint", "Tool", "ToolType",
			"FunctionDefinition", "StaticFunction", "ResponseFormat", "JSONSchema", "StreamOptions",
			"PromptCacheOptions", "RequestCustomFields", "Addon", "ReasoningEffort",
			"ChatCompletion", "Choice", "ChatCompletionChunk", "ChunkChoice", "Delta",
			"ToolCall", "FunctionCall", "CustomContent", "Attachment", "Stage", "StageStatus",
			"Usage", "PromptTokensDetails", "CompletionTokensDetails", "Statistics", "ModelUsage",
			// Chat.Tokenize / Chat.TruncatePrompt
			"TokenizeInput", "TokenizeInputs", "TokenizeOutput", "TokenizeOutputs",
			"TruncatePromptOutput", "TruncatePromptOutputs",
			// Deployments, Models, Applications
			"Deployment", "DeploymentList", "Model", "ModelList", "Application", "ApplicationList",
			"LocalizedText", "Features", "ScaleSettings", "Capabilities", "TokenLimits", "Pricing",
			// Files and Bucket
			"Bucket", "Metadata", "NodeType",
			// every error body (Details)
			"ErrorDetails",
		},
		MaxJSONTags: 9,
	})
	require.NoError(t, err)
	require.NoError(t, rep.Error())
	t.Logf("hand-written json tags: %d; generated types: %d", rep.JSONTags, len(rep.GeneratedTypes))
}
