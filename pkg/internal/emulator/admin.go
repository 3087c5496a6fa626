package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/aiclients/sdk-go/pkg/internal/redact"
)

// adminPrefix starts the paths of the admin endpoints, which every emulator
// serves besides its spec and which are not validated:
//
//	GET    /_emulator/health      {"status":"ok","service":"dial"}
//	GET    /_emulator/violations  JSON list of Violation
//	DELETE /_emulator/violations  forget them (204)
//	GET    /_emulator/requests    JSON list of Request (bodies base64), with the
//	                              values of sensitive headers and query parameters
//	                              (see redact.SensitiveHeader) replaced by
//	                              "REDACTED"; ?raw=1 lists them as received
//	DELETE /_emulator/requests    forget them (204)
//	POST   /_emulator/faults      inject a Fault given as JSON (204)
//	DELETE /_emulator/faults      remove every fault (204)
//
// Any other path under /_emulator/ goes to the service's WithAdmin handler,
// or answers 404.
const adminPrefix = "/_emulator/"

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path[len(adminPrefix)-1:] {
	case "GET /health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "service": s.service})
	case "GET /violations":
		writeJSON(w, http.StatusOK, s.Violations())
	case "DELETE /violations":
		s.ResetViolations()
		w.WriteHeader(http.StatusNoContent)
	case "GET /requests":
		reqs := s.Requests()
		if r.URL.Query().Get("raw") != "1" {
			for i := range reqs {
				reqs[i].Header = redact.Header(reqs[i].Header)
				reqs[i].Query = redactQuery(reqs[i].Query)
			}
		}
		writeJSON(w, http.StatusOK, reqs)
	case "DELETE /requests":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "POST /faults":
		var f Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		err := dec.Decode(&f)
		if err == nil {
			err = f.Validate()
		}
		if err != nil {
			writeJSONError(w, http.StatusBadRequest, "invalid_request", "emulator: fault: "+err.Error())
			return
		}
		s.InjectFault(f)
		w.WriteHeader(http.StatusNoContent)
	case "DELETE /faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	default:
		if s.cfg.admin != nil {
			s.cfg.admin.ServeHTTP(w, r)
			return
		}
		writeJSONError(w, http.StatusNotFound, "not_found", "emulator: no admin endpoint "+r.Method+" "+r.URL.Path)
	}
}

// redactQuery returns q with the values of the query parameters that may
// carry a credential replaced. q is not changed (its slices are shared with
// the recorded request).
func redactQuery(q url.Values) url.Values {
	if q == nil {
		return nil
	}
	out := make(url.Values, len(q))
	for k, vs := range q {
		if redact.SensitiveQuery(k) {
			red := make([]string, len(vs))
			for i := range red {
				red[i] = redact.Placeholder
			}
			vs = red
		}
		out[k] = vs
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
