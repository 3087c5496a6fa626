// Package infsh is the Go client for the inference.sh API: run apps as tasks
// and follow their progress, upload files, keep app sessions warm, and chat
// with agents whose tools can be Go functions.
//
//	client, err := infsh.NewClient() // INFERENCE_API_KEY, INFERENCE_BASE_URL
//	task, err := client.Tasks.Run(ctx, infsh.RunParams{
//		App:   "infsh/text-templating@53bk0yzk",
//		Input: map[string]any{"template": "Hello {1}!", "strings": []string{"Go"}},
//	}, infsh.WaitOptions{Timeout: 5 * time.Minute})
//
// The wire types (Task, Session, ChatMessage, AgentConfig, AgentTool, ...)
// are generated from specs/infsh.yaml into models.gen.go; the helpers of
// this package are methods and functions on them. Every call goes through
// the SDK's one call path: responses are read in every envelope the API has
// used ({"data", "messages"}, {"success", "data"} and the bare resource).
//
// Errors are the shared kinds of package apierror: *apierror.Error for a
// failed call, *apierror.CredentialError (no key: reported by NewClient),
// *apierror.RunError for a task that failed, was cancelled or rejected (its
// Last is the *Task; see FailedTask), *apierror.TimeoutError for a wait that
// gave up; and this service's own *RequirementsError (412) and
// *SessionError, which wrap the *apierror.Error.
//
// Task updates (Tasks.Updates) and agent replies (Agent.Send, Agent.Resume)
// are *stream.Stream values: range over All(). In an agent reply, an
// EventDelta's Delta.Response holds the new text and Delta.Text the whole
// answer so far. Package infshtest serves the same API on loopback for
// tests.
package infsh
