package emulator

import (
	"encoding/json"
	"io"
	"net/http"
)

// adminPrefix starts the paths of the admin endpoints, which every emulator
// serves besides its spec and which are not validated:
//
//	GET    /_emulator/health      {"status":"ok","service":"dial"}
//	GET    /_emulator/violations  JSON list of Violation
//	DELETE /_emulator/violations  forget them (204)
//	GET    /_emulator/requests    JSON list of Request (bodies base64)
//	DELETE /_emulator/requests    forget them (204)
//	POST   /_emulator/faults      inject a Fault given as JSON (204)
//	DELETE /_emulator/faults      remove every fault (204)
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
		writeJSON(w, http.StatusOK, s.Requests())
	case "DELETE /requests":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "POST /faults":
		var f Fault
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		err := dec.Decode(&f)
		if err == nil {
			err = f.check()
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
		writeJSONError(w, http.StatusNotFound, "not_found", "emulator: no admin endpoint "+r.Method+" "+r.URL.Path)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
