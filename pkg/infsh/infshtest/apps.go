package infshtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// App is an app the emulator can run.
type App struct {
	// Run computes the task's output. Returning an error fails the task
	// (status 11) with the error's text. ctx ends when the task is cancelled
	// or the server closes.
	Run func(ctx context.Context, run *Run) (output any, err error)
	// Requirements, when not empty, make every run of the app answer 412
	// with them (missing secrets, integrations or scopes).
	Requirements []Requirement
}

// Requirement is one unmet requirement of a 412 answer (type secret,
// integration or scope), as the spec defines it.
type Requirement = infsh.Requirement

// RequirementAction tells the user how to satisfy a Requirement (type
// add_secret, connect or add_scopes).
type RequirementAction = infsh.RequirementAction

// Run is one execution of an App.
type Run struct {
	// TaskID is the task's id.
	TaskID string
	// App is the app ref as the caller sent it.
	App string
	// Function is the function called ("run" unless the caller chose one).
	Function string
	// Input is the decoded input (a map for object inputs).
	Input any
	// Setup is the decoded setup, if any.
	Setup any
	// SessionID is the session the task runs in, "" without one.
	SessionID string
	// Session is the session's state, shared by the session's tasks; nil
	// without a session. Only the running task touches it.
	Session map[string]any

	srv  *Server
	task *task
}

// Log appends a run log line; streams see it as a partial update.
func (r *Run) Log(format string, args ...any) {
	r.srv.appendLog(r.task, fmt.Sprintf(format, args...))
}

// Delta publishes a piece of the output while the task runs, as a delta
// stream line {"event":"delta","data":{"delta":d,"seq":n}}; for an LLM app d
// is like {"response": "text to append"}. It does not change the output.
func (r *Run) Delta(d any) { r.srv.addDelta(r.task, d) }

// Progress publishes a partial output while the task runs.
func (r *Run) Progress(output any) { r.srv.setOutput(r.task, output) }

// ReadFile returns the content of a file uploaded to this server, by its
// uri (or id).
func (r *Run) ReadFile(uri string) ([]byte, error) { return r.srv.FileContent(uri) }

// InputMap returns Input as a map (empty when it is not an object).
func (r *Run) InputMap() map[string]any {
	if m, ok := r.Input.(jsonObject); ok {
		return m
	}
	return jsonObject{}
}

// Outputs of the built-in apps.
type (
	textOutput struct {
		Text string `json:"text"`
	}
	llmText struct {
		Response string `json:"response"`
	}
	slowProgress struct {
		Progress float64 `json:"progress"`
		Step     int     `json:"step"`
	}
	slowDone struct {
		Steps int  `json:"steps"`
		Done  bool `json:"done"`
	}
	keyValue struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}
	sessionValues struct {
		Values jsonObject `json:"values"`
	}
	fileDigest struct {
		Size   int    `json:"size"`
		SHA256 string `json:"sha256"`
		Text   string `json:"text,omitempty"`
	}
)

// Built-in app refs.
const (
	AppEcho        = "infsh/echo"            // output = input
	AppTemplating  = "infsh/text-templating" // {"template":"Hello {1}!","strings":["x"]} -> {"text":"Hello x!"}
	AppSlow        = "infsh/slow"            // {"steps":N,"delay_ms":D}: N logs and progress outputs
	AppFail        = "infsh/fail"            // fails with input "message" (default "app failed on purpose")
	AppNeedsSecret = "infsh/needs-secret"    // answers 412: secret OPENAI_API_KEY missing
	AppReadFile    = "infsh/read-file"       // {"file": uri}: reads an uploaded file
	AppSessionTest = "infsh/session-test"    // functions set_value, get_value, get_all, increment
	AppLLMEcho     = "infsh/llm-echo"        // {"text":T}: streams "You said: T" as delta lines -> {"response":...}
)

func builtinApps() map[string]App {
	return map[string]App{
		AppEcho: {Run: func(_ context.Context, r *Run) (any, error) {
			r.Log("echo")
			return r.Input, nil
		}},
		AppTemplating: {Run: func(_ context.Context, r *Run) (any, error) {
			in := r.InputMap()
			tpl, _ := in["template"].(string)
			strs, _ := in["strings"].([]any)
			for i, s := range strs {
				tpl = strings.ReplaceAll(tpl, fmt.Sprintf("{%d}", i+1), fmt.Sprint(s))
			}
			return textOutput{Text: tpl}, nil
		}},
		AppLLMEcho: {Run: func(ctx context.Context, r *Run) (any, error) {
			text, _ := r.InputMap()["text"].(string)
			reply := "You said: " + text
			for _, c := range chunks(reply) {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Millisecond):
				}
				r.Delta(llmText{Response: c})
			}
			return llmText{Response: reply}, nil
		}},
		AppSlow: {Run: func(ctx context.Context, r *Run) (any, error) {
			in := r.InputMap()
			steps := intArg(in["steps"], 3)
			delay := time.Duration(intArg(in["delay_ms"], 5)) * time.Millisecond
			for i := 1; i <= steps; i++ {
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(delay):
				}
				r.Log("step %d of %d", i, steps)
				r.Progress(slowProgress{Progress: float64(i) / float64(steps), Step: i})
			}
			return slowDone{Steps: steps, Done: true}, nil
		}},
		AppFail: {Run: func(_ context.Context, r *Run) (any, error) {
			msg, _ := r.InputMap()["message"].(string)
			if msg == "" {
				msg = "app failed on purpose"
			}
			r.Log("about to fail")
			return nil, errors.New(msg)
		}},
		AppNeedsSecret: {
			Run: func(context.Context, *Run) (any, error) { return nil, nil },
			Requirements: []Requirement{{
				Type: "secret", Key: "OPENAI_API_KEY", Message: "Missing secret OPENAI_API_KEY",
				Action: &RequirementAction{Type: "add_secret"},
			}},
		},
		AppReadFile: {Run: func(_ context.Context, r *Run) (any, error) {
			uri, _ := r.InputMap()["file"].(string)
			if uri == "" {
				return nil, errors.New(`input "file" (a file uri) is required`)
			}
			data, err := r.ReadFile(uri)
			if err != nil {
				return nil, err
			}
			sum := sha256.Sum256(data)
			out := fileDigest{Size: len(data), SHA256: hex.EncodeToString(sum[:])}
			if utf8.Valid(data) && len(data) <= 4096 {
				out.Text = string(data)
			}
			r.Log("read %d bytes", len(data))
			return out, nil
		}},
		AppSessionTest: {Run: func(_ context.Context, r *Run) (any, error) {
			if r.Session == nil {
				return nil, errors.New("session-test needs a session")
			}
			in := r.InputMap()
			key, _ := in["key"].(string)
			switch r.Function {
			case "set_value":
				r.Session[key] = in["value"]
				return keyValue{Key: key, Value: in["value"]}, nil
			case "get_value":
				return keyValue{Key: key, Value: r.Session[key]}, nil
			case "get_all":
				return sessionValues{Values: maps.Clone(r.Session)}, nil
			case "increment", "run":
				n, _ := r.Session[key].(float64)
				n++
				r.Session[key] = n
				return keyValue{Key: key, Value: n}, nil
			}
			return nil, fmt.Errorf("unknown function %q", r.Function)
		}},
	}
}

func intArg(v any, def int) int {
	if f, ok := v.(float64); ok && f >= 0 && f < 1e6 {
		return int(f)
	}
	return def
}
