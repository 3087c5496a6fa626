package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// tourInfsh runs an app while printing its streamed progress, passes an
// uploaded file to an app, and chats with an ad-hoc agent that calls a Go
// tool, all against the in-process inference.sh emulator.
func tourInfsh(ctx context.Context, w io.Writer) error {
	srv, err := infshtest.Start(infshtest.WithStepDelay(10 * time.Millisecond))
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(w, "emulator: %s\n", srv.URL)

	client, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey))
	if err != nil {
		return err
	}

	// 1. Run an app and follow its progress stream.
	task, err := client.Tasks.Submit(ctx, infsh.RunParams{
		App:   infshtest.AppSlow + "@latest",
		Input: map[string]any{"steps": 3, "delay_ms": 30},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "task %s submitted (%s)\n", task.ID, task.Status)
	last := infsh.StatusUnknown
	for u, err := range client.Tasks.Updates(ctx, task.ID).All() {
		if err != nil {
			return err
		}
		if u.Status != last {
			fmt.Fprintf(w, "  status: %s\n", u.Status)
			last = u.Status
		}
		for _, l := range u.NewLogs {
			fmt.Fprintf(w, "  log: %s\n", l.Content)
		}
		if u.Status.IsTerminal() {
			fmt.Fprintf(w, "  output: %s\n", u.Task.Output)
		}
	}

	// 2. Pass a file: it is uploaded (two steps, the bytes go to a presigned
	//    URL without the API key) and replaced by its URI before the run.
	read, err := client.Tasks.Run(ctx, infsh.RunParams{
		App:   infshtest.AppReadFile + "@latest",
		Input: map[string]any{"file": infsh.FileFromBytes([]byte("Hello from the Go tour!"), "hello.txt", "")},
	}, infsh.WaitOptions{})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "read-file app saw: %s\n", read.Output)

	// 3. Chat with an ad-hoc agent whose client tool is a Go function.
	agent := client.Agents.AdHoc(infsh.AgentConfig{
		Name:         "Calculator",
		SystemPrompt: "You add numbers with the add tool.",
		CoreApp:      infsh.CoreApp{Ref: "infsh/scripted-llm@latest"},
		Tools: []infsh.AgentTool{infsh.ClientTool("add").Describe("Add two numbers").
			Param("a", infsh.NumberParam("First number")).
			Param("b", infsh.NumberParam("Second number")).Build()},
	})
	agent.HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		var in struct{ A, B float64 }
		if err := json.Unmarshal(call.Arguments, &in); err != nil {
			return "", err
		}
		return fmt.Sprint(in.A + in.B), nil
	})
	for ev, err := range agent.Send(ctx, `Please add {"a": 19, "b": 23}`).All() {
		if err != nil {
			return err
		}
		switch ev.Type {
		case infsh.EventToolCall:
			fmt.Fprintf(w, "  tool call %s(%s) -> %s\n", ev.ToolCall.Function.Name, ev.ToolCall.Function.Arguments, ev.Result)
		case infsh.EventMessage:
			if ev.Message.Role == "assistant" && ev.Message.IsTerminal() {
				fmt.Fprintf(w, "  assistant: %s\n", ev.Message.Text())
			}
		}
	}
	return nil
}
