package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// defaultTrickleSize is how many bytes a trickling response writes per
// interval when Fault.TrickleSize is not set.
const defaultTrickleSize = 16

// Fault is a misbehaviour injected into the responses of matching requests.
// A fault can combine a Delay with either a Status, a Disconnect, or the
// pass-through faults (Drop/DropAfter, Trickle).
//
// Every matching fault counts the request (for Nth); of those due, the most
// recently injected one fires (so a new fault overrides an older one on the
// same route; ClearFaults removes them all). Injected faults are not
// validated against the spec.
//
// In JSON (POST /_emulator/faults) durations are Go duration strings such
// as "250ms" or integers in nanoseconds.
type Fault struct {
	// Method matches the request method ("" = any).
	Method string `json:"method,omitempty"`
	// Path matches the exact request path or a spec template such as
	// "/tasks/{id}" ("" = any).
	Path string `json:"path,omitempty"`
	// Nth fires the fault on the Nth matching request (1-based); 0 fires it
	// on every matching request.
	Nth int `json:"nth,omitempty"`
	// Times is how many consecutive matching requests fire, starting at the
	// Nth (0 = once). Ignored when Nth is 0.
	Times int `json:"times,omitempty"`

	// Status answers this status with a JSON error body
	// {"error":{"type":"injected_fault","message":...}} (or Body) without
	// calling the handler.
	Status int `json:"status,omitempty"`
	// RetryAfter is the Retry-After header sent with Status.
	RetryAfter string `json:"retry_after,omitempty"`
	// Body replaces the default JSON error body sent with Status.
	Body string `json:"body,omitempty"`
	// Header holds extra headers sent with Status (e.g. Retry-After-Ms,
	// x-should-retry, Content-Type for a non-JSON Body).
	Header http.Header `json:"header,omitempty"`

	// Delay waits this long before anything is sent (and before the handler
	// runs); a client that gives up earlier sees a timeout.
	Delay time.Duration `json:"delay,omitempty"`
	// Disconnect closes the connection without sending a response (the
	// client sees a connection error such as EOF or a reset).
	Disconnect bool `json:"disconnect,omitempty"`

	// DropAfter passes the real response through, then cuts the connection
	// after this many body bytes, so the client reads a truncated body (an
	// unexpected EOF). 0 or -1 = not set, unless Drop is true.
	DropAfter int `json:"drop_after,omitempty"`
	// Drop cuts the connection after DropAfter bytes even when DropAfter is
	// 0 (right after the headers).
	Drop bool `json:"drop,omitempty"`

	// Trickle passes the real response through in small writes
	// (TrickleSize bytes, default 16), flushing and waiting this long after
	// each.
	Trickle time.Duration `json:"trickle,omitempty"`
	// TrickleSize is the size of each trickled write (default 16 bytes).
	TrickleSize int `json:"trickle_size,omitempty"`
}

func (f *Fault) drops() bool { return f.Drop || f.DropAfter > 0 }

// check reports a fault that cannot be applied: net/http panics on a status
// outside 100-999, and a 1xx status is not a final answer.
func (f *Fault) check() error {
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 999):
		return fmt.Errorf("status %d is not a final HTTP status (want 200-999, or 0 for none)", f.Status)
	case f.Nth < 0 || f.Times < 0:
		return fmt.Errorf("nth (%d) and times (%d) must not be negative", f.Nth, f.Times)
	case f.Delay < 0 || f.Trickle < 0:
		return fmt.Errorf("delay (%s) and trickle (%s) must not be negative", f.Delay, f.Trickle)
	case f.DropAfter < -1 || f.TrickleSize < 0:
		return fmt.Errorf("drop_after (%d) must be -1 or more and trickle_size (%d) not negative", f.DropAfter, f.TrickleSize)
	}
	return nil
}

// passThrough reports whether the fault changes the real response as it is
// streamed (rather than replacing it).
func (f *Fault) passThrough() bool { return f.drops() || f.Trickle > 0 }

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
	if err := f.check(); err != nil {
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

// UnmarshalJSON decodes a fault, accepting durations as strings ("1.5s") or
// as integers in nanoseconds.
func (f *Fault) UnmarshalJSON(data []byte) error {
	type plain Fault
	var aux struct {
		*plain
		Delay   jsonDuration `json:"delay,omitempty"`
		Trickle jsonDuration `json:"trickle,omitempty"`
	}
	aux.plain = (*plain)(f)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aux); err != nil {
		return err
	}
	f.Delay, f.Trickle = time.Duration(aux.Delay), time.Duration(aux.Trickle)
	return nil
}

// jsonDuration is a duration written as "250ms" or as nanoseconds.
type jsonDuration time.Duration

func (d *jsonDuration) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("duration must be a string like \"250ms\" or nanoseconds: %w", err)
	}
	*d = jsonDuration(n)
	return nil
}
