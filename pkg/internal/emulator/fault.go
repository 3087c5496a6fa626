package emulator

import (
	"fmt"
	"net/http"
	"strings"

	pub "github.com/aiclients/sdk-go/pkg/emulator"
)

// defaultTrickleSize is how many bytes a trickling response writes per
// interval when Fault.TrickleSize is not set.
const defaultTrickleSize = 16

// Fault is the public kit's fault (see package pkg/emulator).
type Fault = pub.Fault

func drops(f *Fault) bool { return f.Drop || f.DropAfter > 0 }

// passThrough reports whether the fault changes the real response as it is
// streamed (rather than replacing it).
func passThrough(f *Fault) bool { return drops(f) || f.Trickle > 0 }

type faultState struct {
	f     Fault
	seen  int
	fired int
}

func (fs *faultState) matches(r *http.Request, m routeMatch) bool {
	if fs.f.Method != "" && !strings.EqualFold(fs.f.Method, r.Method) {
		return false
	}
	if fs.f.Path == "" || fs.f.Path == r.URL.Path {
		return true
	}
	return m.tmpl != nil && fs.f.Path == m.tmpl.path
}

func (fs *faultState) due() bool {
	if fs.f.Nth <= 0 {
		return true
	}
	return fs.seen >= fs.f.Nth && fs.fired < max(fs.f.Times, 1)
}

// InjectFault adds a fault; it applies to requests that arrive afterwards.
// A fault that cannot be applied (see the field docs: a status outside
// 200-999, negative counts or durations) answers the requests it matches
// with 500 and a JSON error naming the problem.
func (s *Server) InjectFault(f Fault) {
	if f.Header != nil {
		f.Header = f.Header.Clone()
	}
	s.mu.Lock()
	s.faults = append(s.faults, &faultState{f: f})
	s.mu.Unlock()
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault counts r against every matching fault and returns a copy of the
// newest one due, or nil.
func (s *Server) takeFault(r *http.Request, m routeMatch) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	var matched []*faultState
	for _, fs := range s.faults {
		if fs.matches(r, m) {
			fs.seen++
			matched = append(matched, fs)
		}
	}
	for i := len(matched) - 1; i >= 0; i-- {
		if fs := matched[i]; fs.due() {
			fs.fired++
			f := fs.f
			return &f
		}
	}
	return nil
}

// applyFaultBefore applies the parts of f that act before the handler. It
// reports whether the response is complete (the handler must not run).
func (s *Server) applyFaultBefore(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if err := f.Validate(); err != nil {
		writeJSONError(w, http.StatusInternalServerError, "invalid_fault", "emulator: injected fault: "+err.Error())
		return true
	}
	if !sleepCtx(r.Context(), f.Delay) {
		return true
	}
	if f.Disconnect {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		_ = conn.Close()
		return true
	}
	if f.Status != 0 {
		h := w.Header()
		for k, vs := range f.Header {
			h[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
		}
		if f.RetryAfter != "" {
			h.Set("Retry-After", f.RetryAfter)
		}
		if f.Body != "" {
			if h.Get("Content-Type") == "" {
				h.Set("Content-Type", "application/json")
			}
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
			return true
		}
		writeJSONError(w, f.Status, "injected_fault",
			fmt.Sprintf("injected fault: %d %s", f.Status, http.StatusText(f.Status)))
		return true
	}
	return false
}
