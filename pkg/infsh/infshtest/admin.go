package infshtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ScriptedApp is an app defined by data rather than code: what a test in
// another language defines with POST /_emulator/apps, and a Go test with
// SetApp(ref, ScriptedApp{…}.App()).
type ScriptedApp struct {
	// Output is the finished task's output (nil: the input, as infsh/echo).
	Output any `json:"output,omitempty"`
	// Logs are written, in order, while the task runs.
	Logs []string `json:"logs,omitempty"`
	// Deltas are streamed as delta lines while the task runs (for an LLM
	// app, like {"response": "text to append"}).
	Deltas []any `json:"deltas,omitempty"`
	// Fail, when not empty, fails the task (status 11) with this error
	// after the logs and deltas.
	Fail string `json:"fail,omitempty"`
	// Requirements, when not empty, make every run answer 412 with them.
	Requirements []Requirement `json:"requirements,omitempty"`
	// Delay is how long the app runs before its output (after the status
	// steps); in JSON "delay" is a Go duration string such as "250ms".
	Delay time.Duration `json:"-"`
}

// App returns the App that behaves as a describes.
func (a ScriptedApp) App() App {
	return App{Requirements: a.Requirements, Run: func(ctx context.Context, r *Run) (any, error) {
		for _, l := range a.Logs {
			r.Log("%s", l)
		}
		for _, d := range a.Deltas {
			r.Delta(d)
		}
		if a.Delay > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(a.Delay):
			}
		}
		if a.Fail != "" {
			return nil, errors.New(a.Fail)
		}
		if a.Output == nil {
			return r.Input, nil
		}
		return a.Output, nil
	}}
}

// SetApp defines (or replaces) the app ref (namespace/name) on a running
// server, as WithApp does at the start; tasks already running keep the app
// they started with.
func (s *Server) SetApp(ref string, a App) {
	s.mu.Lock()
	s.cfg.apps[appName(ref)] = &a
	s.mu.Unlock()
}

// SetAgent defines (or replaces) the template agent ref (namespace/name) on
// a running server, as WithAgent does at the start. Chats already started
// keep the agent they started with.
func (s *Server) SetAgent(ref string, a AgentTemplate) {
	s.mu.Lock()
	s.cfg.agents[appName(ref)] = a
	s.mu.Unlock()
}

// appRequest is the body of POST /_emulator/apps.
type appRequest struct {
	Ref string `json:"ref"`
	ScriptedApp
	Delay string `json:"delay,omitempty"`
}

// agentRequest is the body of POST /_emulator/agents.
type agentRequest struct {
	Ref string `json:"ref"`
	AgentTemplate
}

// serveAdmin answers the emulator's own admin endpoints (see the package
// documentation of the Server type: "Scripting from outside").
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + strings.TrimPrefix(r.URL.Path, "/_emulator") {
	case "POST /apps":
		var req appRequest
		if !s.decodeAdmin(w, r, &req) {
			return
		}
		if req.Delay != "" {
			d, err := time.ParseDuration(req.Delay)
			if err != nil || d < 0 {
				s.problem(w, r, http.StatusBadRequest, "VALIDATION", fmt.Sprintf("admin body: delay %q is not a duration such as \"250ms\"", req.Delay))
				return
			}
			req.ScriptedApp.Delay = d
		}
		s.SetApp(req.Ref, req.ScriptedApp.App())
	case "POST /agents":
		var req agentRequest
		if !s.decodeAdmin(w, r, &req) {
			return
		}
		s.SetAgent(req.Ref, req.AgentTemplate)
	default:
		s.problem(w, r, http.StatusNotFound, "NOT_FOUND", "no admin endpoint "+r.Method+" "+r.URL.Path+
			" (infsh has POST /_emulator/apps and POST /_emulator/agents)")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decodeAdmin reads an admin body with a "ref" (namespace/name) into v
// (unknown members refused); on failure it answers 400 and reports false.
func (s *Server) decodeAdmin(w http.ResponseWriter, r *http.Request, v interface{ ref() string }) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if ref := v.ref(); ref == "" || !strings.Contains(ref, "/") {
			err = fmt.Errorf("ref %q must be namespace/name", ref)
		}
	}
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "VALIDATION", "admin body: "+err.Error())
		return false
	}
	return true
}

func (a *appRequest) ref() string   { return a.Ref }
func (a *agentRequest) ref() string { return a.Ref }
