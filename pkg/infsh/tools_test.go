package infsh_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// TestToolBuilderGolden: the Go builder's JSON equals, field for field, what
// the official inferencesh 0.36.0 builder produced for the same definitions
// (testdata/tools/gen_golden.py wrote the files).
func TestToolBuilderGolden(t *testing.T) {
	cases := map[string]any{
		"client_empty": infsh.ClientTool("my_tool").Build(),
		"client_add": infsh.ClientTool("add").Describe("Add two numbers").
			Param("a", infsh.NumberParam("First number")).
			Param("b", infsh.NumberParam("Second number")).Build(),
		"client_all_types": infsh.ClientTool("search").DisplayName("Search the web").Describe("Search for documents").
			Param("query", infsh.StringParam("What to look for")).
			Param("limit", infsh.Optional(infsh.IntegerParam("Most results"))).
			Param("exact", infsh.Optional(infsh.BooleanParam(""))).
			Param("mode", infsh.EnumParam([]string{"fast", "deep"}, "How hard to look")).
			Param("tags", infsh.ArrayParam(infsh.StringParam(""), "Tags to match")).
			Param("filters", infsh.ObjectParam("Filters", infsh.F("lang", infsh.StringParam("Language")),
				infsh.F("year", infsh.Optional(infsh.IntegerParam(""))))).
			Param("loose", infsh.ArrayParam(infsh.Optional(infsh.StringParam("")), "")).
			Param("deep", infsh.Optional(infsh.ObjectParam("",
				infsh.F("inner", infsh.ObjectParam("", infsh.F("x", infsh.NumberParam("")))),
				infsh.F("maybe", infsh.Optional(infsh.BooleanParam("Flag")))))).
			Param("score", infsh.NumberParam("")).
			RequireApproval().Build(),
		"app_basic": infsh.AppTool("generate", "infsh/flux@abc123").Describe("Generate an image").Build(),
		"app_full": infsh.AppTool("generate", "infsh/flux@abc123").DisplayName("Image generator").
			Describe("Generate an image").Function("run").SessionEnabled().
			Setup(map[string]any{"model": "schnell"}).Input(map[string]any{"steps": 4}).
			RequireApproval().Build(),
		"agent_tool": infsh.SubAgentTool("researcher", "my-org/researcher@v1").Describe("Research a topic").Build(),
		"webhook_secret": infsh.WebhookTool("notify", "https://hooks.example.com/notify").Describe("Send a notification").
			Param("message", infsh.StringParam("Message")).
			Param("urgent", infsh.Optional(infsh.BooleanParam(""))).
			Secret("HOOK_SECRET").Build(),
		"webhook_plain": infsh.WebhookTool("ping", "https://hooks.example.com/ping").Build(),
		"client_repeated_param": infsh.ClientTool("again").
			Param("a", infsh.StringParam("first")).
			Param("b", infsh.NumberParam("")).
			Param("a", infsh.IntegerParam("second")).
			Param("o", infsh.ObjectParam("", infsh.F("x", infsh.StringParam("")), infsh.F("y", infsh.BooleanParam("")),
				infsh.F("x", infsh.NumberParam("last x")))).Build(),
		"agent_full": infsh.SubAgentTool("researcher", "my-org/researcher@v1").DisplayName("Researcher").
			Describe("Research a topic").RequireApproval().Build(),
		"webhook_full": infsh.WebhookTool("notify", "https://hooks.example.com/notify").DisplayName("Notifier").
			Param("to", infsh.EnumParam([]string{"ops", "dev"}, "")).RequireApproval().Build(),
		"internal_every": infsh.InternalTools().Meta(true).Artifact(false).Agent(true).Remote(false).
			Knowledge(true).Widget(true).Plan(false).Plan(true).Build(),
		"internal_all":   infsh.InternalTools().All().Build(),
		"internal_none":  infsh.InternalTools().None().Build(),
		"internal_mixed": infsh.InternalTools().Plan(true).Memory(false).Finish(true).Skills(true).Build(),
	}
	files, err := filepath.Glob("testdata/tools/*.json")
	require.NoError(t, err)
	require.Len(t, files, len(cases), "one Go case per golden file")
	for name, built := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "tools", name+".json"))
			require.NoError(t, err)
			got, err := json.Marshal(built)
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(got))
		})
	}
}

// TestToolRequiredOrder: "required" follows the order parameters were added.
func TestToolRequiredOrder(t *testing.T) {
	tool := infsh.ClientTool("t").Param("z", infsh.StringParam("")).Param("a", infsh.StringParam("")).
		Param("m", infsh.Optional(infsh.StringParam(""))).Build()
	var schema struct{ Required []string }
	require.NoError(t, json.Unmarshal(tool.Client.InputSchema, &schema))
	require.Equal(t, []string{"z", "a"}, schema.Required)
}
