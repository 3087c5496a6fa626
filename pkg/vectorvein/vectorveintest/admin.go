package vectorveintest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// workflowRequest is the body of POST /_emulator/workflows.
type workflowRequest struct {
	Workflow
	After string `json:"after,omitempty"`
}

// serveAdmin answers the emulator's own admin endpoints (see "Scripting" in the package
// documentation). They answer 204, or 400 with {"error": {"type", "message"}} as the
// kit's admin endpoints do.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if r.Method+" "+strings.TrimPrefix(r.URL.Path, "/_emulator") != "POST /workflows" {
		adminError(w, http.StatusNotFound, "no admin endpoint "+r.Method+" "+r.URL.Path+
			" (vectorvein has POST /_emulator/workflows)")
		return
	}
	var req workflowRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && req.ID == "" {
		err = fmt.Errorf("id is required")
	}
	if err == nil && req.Polls < 0 {
		err = fmt.Errorf("polls must not be negative")
	}
	if err == nil && req.After != "" {
		req.Workflow.After, err = time.ParseDuration(req.After)
		if err == nil && req.Workflow.After < 0 {
			err = fmt.Errorf("after must not be negative")
		}
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, "workflow: "+err.Error())
		return
	}
	s.AddWorkflow(req.Workflow)
	w.WriteHeader(http.StatusNoContent)
}

type adminErrorBody struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func adminError(w http.ResponseWriter, status int, msg string) {
	var body adminErrorBody
	body.Error.Type, body.Error.Message = "invalid_request", "emulator vectorvein: "+msg
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
