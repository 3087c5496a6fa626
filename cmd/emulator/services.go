package main

import (
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// Emulator is what a service emulator started by a Factory offers. Every
// pkg/<svc>/<svc>test Server that embeds the kit's *emulator.Server has
// these methods.
type Emulator interface {
	// BaseURL is the URL clients use, e.g. "http://127.0.0.1:40123".
	BaseURL() string
	// Close stops the emulator.
	Close()
}

// Factory starts one service emulator with the kit's options (always the
// listen address, emukit.WithAddr; the seed, emukit.WithSeed, with -seed).
type Factory func(opts ...emukit.Option) (Emulator, error)

// registry maps a service name to its emulator. Names not listed here are
// reported as "not available yet".
var registry = map[string]Factory{
	"dial": func(opts ...emukit.Option) (Emulator, error) {
		return dialtest.Start(dialtest.WithEmulatorOptions(opts...))
	},
	"infsh": func(opts ...emukit.Option) (Emulator, error) {
		return infshtest.Start(infshtest.WithEmulatorOptions(opts...))
	},
	"vectorvein": func(opts ...emukit.Option) (Emulator, error) {
		return vectorveintest.Start(vectorveintest.WithEmulatorOptions(opts...))
	},
	"dragoneye": func(opts ...emukit.Option) (Emulator, error) {
		return dragoneyetest.Start(dragoneyetest.WithEmulatorOptions(opts...))
	},
}

// serviceDoc is what `emulator -help` says about one service.
type serviceDoc struct {
	// API is where the API lives below the printed URL ("" = at the URL).
	API string
	// Credentials are the headers the emulator accepts, ready to send.
	Credentials []string
	// Env is what the Go client of this SDK reads (NAME=value).
	Env []string
	// Admin lists the service's own endpoints under /_emulator/ (scripting
	// replies, outcomes, ...), one "METHOD /_emulator/... what it does" each;
	// the kit's endpoints, which every service has, are listed once.
	Admin []string
}

// docs holds the -help section of each service.
var docs = map[string]serviceDoc{
	"dial": {
		Credentials: []string{
			"api-key: " + dialtest.APIKey,
			"Authorization: Bearer " + dialtest.BearerToken + " (both are the user \"" + dialtest.DefaultUser + "\")",
		},
		Env: []string{dial.EnvBaseURL + "=<url>", dial.EnvAPIKey + "=" + dialtest.APIKey},
		Admin: []string{
			"POST   " + dialtest.AdminRepliesPath + `  queue the next chat replies of a deployment, JSON: {"deployment": "gpt-4", "replies": [{content, attachments,`,
			"                            stages, state, tool_calls, finish_reason, usage, fail_after, fail_message, error}]} (go doc dialtest Reply)",
			"GET    " + dialtest.AdminRepliesPath + "  replies left per deployment",
			"DELETE " + dialtest.AdminRepliesPath + "  drop them",
		},
	},
	"infsh": {
		Credentials: []string{"Authorization: Bearer " + infshtest.APIKey},
		Env:         []string{infsh.EnvBaseURL + "=<url>", infsh.EnvAPIKey + "=" + infshtest.APIKey},
		Admin: []string{
			`POST   /_emulator/apps     define an app, JSON: {"ref", "output", "logs", "deltas", "fail", "requirements", "delay"}`,
			`POST   /_emulator/agents   define an agent's turns, JSON: {"ref", "config", "steps": [text | tool_call | approval | fail]}`,
			"                            (go doc infshtest)",
		},
	},
	"vectorvein": {
		API:         vectorveintest.APIBasePath,
		Credentials: []string{vectorvein.HeaderAPIKey + ": " + vectorveintest.APIKey},
		Env:         []string{vectorvein.EnvBaseURL + "=<url>" + vectorveintest.APIBasePath, vectorvein.EnvAPIKey + "=" + vectorveintest.APIKey},
		Admin: []string{
			`POST   /_emulator/workflows  define a workflow's outcome, JSON: {"id", "after": "1.5s", "polls", "outputs", "fail", "fail_task"}`,
			"                              (finishes after the time and/or the number of checks; go doc vectorveintest Workflow)",
		},
	},
	"dragoneye": {
		Credentials: []string{dragoneye.HeaderAPIKey + ": " + dragoneyetest.APIKey},
		Env:         []string{dragoneye.EnvBaseURL + "=<url>", dragoneye.EnvAPIKey + "=" + dragoneyetest.APIKey},
		Admin: []string{
			"POST   " + dragoneyetest.AdminPredictionsPath + `  script predictions, JSON: {"model"?, "file_name"?, "kind"?, "prediction": {polls, fail,`,
			"                                frames, objects: [{object_id, first_frame, boxes (null = gap frame), categories}]}}; frame i at i/fps s",
			"GET    " + dragoneyetest.AdminPredictionsPath + "  the scripts",
			"DELETE " + dragoneyetest.AdminPredictionsPath + "  forget them",
		},
	},
}
