package infshtest

import "net/http"

// serveAdmin answers the emulator's own admin endpoints under /_emulator/.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	s.problem(w, r, http.StatusNotFound, "NOT_FOUND", "no admin endpoint "+r.Method+" "+r.URL.Path)
}
