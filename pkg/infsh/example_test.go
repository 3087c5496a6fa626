package infsh_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// emulated starts the emulator and a client for it (examples only).
func emulated() (*infsh.Client, func()) {
	srv, err := infshtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(srv.APIKey))
	if err != nil {
		log.Fatal(err)
	}
	return client, srv.Close
}

func ExampleTaskService_Run() {
	client, stop := emulated()
	defer stop()

	task, err := client.Tasks.Run(context.Background(), infsh.RunParams{
		App:   "infsh/text-templating@53bk0yzk",
		Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
	}, infsh.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var out struct{ Text string }
	if err := task.DecodeOutput(&out); err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Status, out.Text)
	// Output: completed Hello Go!
}

func ExampleTaskService_Run_failure() {
	client, stop := emulated()
	defer stop()

	_, err := client.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/fail", Input: map[string]any{"message": "out of cheese"}}, infsh.WaitOptions{})
	if te, ok := infsh.FailedTask(err); ok { // err is an *apierror.RunError
		fmt.Println(te.Status, te.Error, te.LogLines())
	}
	// Output: failed out of cheese [about to fail]
}

// A wait that gives up is an *apierror.TimeoutError naming the task (which
// may still run); Progress sees every update of the task on the way.
func ExampleTaskService_Wait() {
	client, stop := emulated()
	defer stop()
	ctx := context.Background()

	task, err := client.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 50, "delay_ms": 100}})
	if err != nil {
		log.Fatal(err)
	}
	seen := 0
	_, err = client.Tasks.Wait(ctx, task.ID, infsh.WaitOptions{
		Timeout:  200 * time.Millisecond,
		Progress: func(n int, t *infsh.Task) { seen = n },
	})
	var te *apierror.TimeoutError
	fmt.Println(errors.As(err, &te), te.ID == task.ID, errors.Is(err, context.DeadlineExceeded), seen > 0)
	// Output: true true true true
}

// WithFollowPolicy tunes how tasks and chats are followed, for a client or
// (as here) for one call.
func ExampleWithFollowPolicy() {
	client, stop := emulated()
	defer stop()

	task, err := client.Tasks.Run(context.Background(), infsh.RunParams{App: "infsh/echo", Input: map[string]any{"x": 1}},
		infsh.WaitOptions{}, infsh.WithFollowPolicy(infsh.FollowPolicy{IdleTimeout: 20 * time.Second, MaxReconnects: 2}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Status)
	// Output: completed
}

// Do reaches an endpoint this package does not wrap, through the same call
// path (credentials, retries, envelopes, typed errors).
func ExampleClient_Do() {
	client, stop := emulated()
	defer stop()

	var sessions []infsh.Session
	if err := client.Do(context.Background(), "GET", "/sessions", nil, &sessions); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(sessions))
	// Output: 0
}

func ExampleTaskService_Updates() {
	client, stop := emulated()
	defer stop()
	ctx := context.Background()

	task, err := client.Tasks.Submit(ctx, infsh.RunParams{App: "infsh/slow", Input: map[string]any{"steps": 2}})
	if err != nil {
		log.Fatal(err)
	}
	for u, err := range client.Tasks.Updates(ctx, task.ID).All() {
		if err != nil {
			log.Fatal(err)
		}
		for _, l := range u.NewLogs {
			fmt.Println("log:", l.Content)
		}
		if u.Status.IsTerminal() {
			fmt.Println("status:", u.Status)
		}
	}
	// Output:
	// log: step 1 of 2
	// log: step 2 of 2
	// status: completed
}

func ExampleFileFromBytes() {
	client, stop := emulated()
	defer stop()

	// The file is uploaded before the run and sent as its URI.
	task, err := client.Tasks.Run(context.Background(), infsh.RunParams{
		App:   "infsh/read-file",
		Input: map[string]any{"file": infsh.FileFromBytes([]byte("hello"), "hello.txt", "")},
	}, infsh.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var out struct{ Text string }
	_ = task.DecodeOutput(&out)
	fmt.Println(out.Text)
	// Output: hello
}

func ExampleFileService_Upload() {
	client, stop := emulated()
	defer stop()

	f, err := client.Files.Upload(context.Background(), strings.NewReader("a,b\n1,2\n"), infsh.UploadOptions{Filename: "data.csv"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.ContentType, f.Size, strings.HasPrefix(f.URI, "inf://"))
	// Output: text/csv; charset=utf-8 8 true
}

// UploadFile streams a file from disk; name and content type come from it.
func ExampleFileService_UploadFile() {
	client, stop := emulated()
	defer stop()
	dir, err := os.MkdirTemp("", "infsh-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	f, err := client.Files.UploadFile(context.Background(), path, infsh.UploadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Filename, f.ContentType, f.Size)
	// Output: data.csv text/csv; charset=utf-8 8
}

func ExampleSessionService_Start() {
	client, stop := emulated()
	defer stop()
	ctx := context.Background()

	session, _, err := client.Sessions.Start(ctx, infsh.RunParams{
		App: "infsh/session-test@latest", Function: "set_value",
		Input: map[string]any{"key": "greeting", "value": "hi"},
	}, infsh.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer session.End(ctx)
	task, err := session.Call(ctx, "get_value", map[string]any{"key": "greeting"}, infsh.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(task.Output))
	// Output: {"key":"greeting","value":"hi"}
}

func ExampleAgent_Send() {
	client, stop := emulated()
	defer stop()

	agent := client.Agents.AdHoc(infsh.AgentConfig{
		Name:    "Calculator",
		CoreApp: infsh.CoreApp{Ref: "infsh/claude-sonnet-4@latest"},
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
	for ev, err := range agent.Send(context.Background(), `add {"a": 2, "b": 3}`).All() {
		if err != nil {
			log.Fatal(err)
		}
		switch {
		case ev.Type == infsh.EventToolCall:
			fmt.Println("tool:", ev.ToolCall.Function.Name, "->", ev.Result)
		case ev.Type == infsh.EventMessage && ev.Message.Role == "assistant" && ev.Message.IsTerminal():
			fmt.Println("assistant:", ev.Message.Text())
		}
	}
	// Output:
	// tool: add -> 5
	// assistant: The tool add returned: 5
}

func ExampleClientTool() {
	t := infsh.ClientTool("weather").Describe("Current weather").
		Param("city", infsh.StringParam("City name")).
		Param("unit", infsh.Optional(infsh.EnumParam([]string{"c", "f"}, ""))).
		Build()
	b, _ := json.Marshal(t)
	fmt.Println(string(b))
	// Output: {"client":{"input_schema":{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"]}},"description":"Current weather","display_name":"weather","name":"weather","require_approval":false,"type":"client"}
}

// A local path in an app input is refused before anything is sent: upload
// the file and pass its URI instead (or put infsh.FileFromPath in the input).
func ExampleLocalPathError() {
	client, stop := emulated()
	defer stop()
	ctx := context.Background()
	_, err := client.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppEcho,
		Input: map[string]any{"images": []string{"./cat.png"}}})
	var le *infsh.LocalPathError
	if errors.As(err, &le) {
		fmt.Println(le.Field, le.Path, le.Exists)
	}

	dir, err := os.MkdirTemp("", "infsh-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "cat.png")
	if err := os.WriteFile(path, []byte("\x89PNG\r\n\x1a\n"), 0o600); err != nil {
		log.Fatal(err)
	}
	up, err := client.Files.UploadFile(ctx, path, infsh.UploadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	task, err := client.Tasks.Run(ctx, infsh.RunParams{App: infshtest.AppEcho,
		Input: map[string]any{"images": []string{up.URI}}}, infsh.WaitOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(task.Status)
	// Output:
	// input.images[0] ./cat.png false
	// completed
}
