package infshtest_test

import (
	"context"
	"fmt"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Start serves the emulator outside a test (in a test, use NewServer(t), which also fails
// the test on a spec violation). A scripted agent calls a client tool, then answers; the
// real client handles the call and reads the answer.
func ExampleStart() {
	srv, err := infshtest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.SetAgent("acme/calc", infshtest.AgentTemplate{
		Config: infsh.AgentConfig{Name: "Calc", CoreApp: infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
			Tools: []infsh.AgentTool{{Name: "add", Type: infsh.AgentToolTypeClient}}},
		Steps: []infshtest.ModelStep{
			{ToolCall: &infshtest.ModelToolCall{Name: "add", Arguments: map[string]any{"a": 2, "b": 3}}},
			{Text: "2 + 3 = 5"},
		},
	})

	client, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(infshtest.APIKey))
	if err != nil {
		panic(err)
	}
	agent := client.Agents.Template("acme/calc").HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		fmt.Println("add", string(call.Arguments))
		return "5", nil
	})
	reply, err := agent.Reply(context.Background(), "what is 2 + 3?", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(reply.Text(), len(srv.Violations()))
	// Output:
	// add {"a":2,"b":3}
	// 2 + 3 = 5 0
}
