// Package emulator is the public part of the emulator kit that every
// service emulator of this SDK (dialtest, infshtest, vectorveintest,
// dragoneyetest) is built on: the faults you inject, the requests and spec
// violations a server records, the options every emulator takes, and the
// test interface NewServer accepts. Import it from your own module:
//
//	srv := dialtest.NewServer(t, dialtest.WithEmulatorOptions(emulator.WithAddr("127.0.0.1:0")))
//	srv.InjectFault(emulator.Fault{Method: "POST", Path: "/openai/deployments/{deploymentId}/chat/completions", Status: 503, RetryAfter: "1"})
//	for _, r := range srv.Requests() { … }
//	if v := srv.Violations(); len(v) > 0 { t.Fatal(v) }
//
// Tests in other languages reach the same features over HTTP under
// /_emulator/ (faults, requests, violations); see cmd/emulator -help.
package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Limits of the kit.
const (
	// MaxRecordedBody is how much of each request body is recorded.
	MaxRecordedBody = 1 << 20
	// DefaultMaxRecorded is how many requests are kept by default (oldest
	// dropped first).
	DefaultMaxRecorded = 10000
)

// TB is the part of testing.TB the kit uses; *testing.T and *testing.B fit.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Cleanup(func())
	Logf(format string, args ...any)
}

// Request is one recorded request.
type Request struct {
	Method        string            `json:"method"`                // request method
	Path          string            `json:"path"`                  // unescaped URL path
	Query         url.Values        `json:"query,omitempty"`       // parsed query
	Header        http.Header       `json:"header,omitempty"`      // as received, credentials included (GET /_emulator/requests redacts them unless ?raw=1)
	Body          []byte            `json:"body,omitempty"`        // at most MaxRecordedBody bytes
	BodyTruncated bool              `json:"body_truncated"`        // the body was longer than Body
	Operation     string            `json:"operation"`             // operationId ("" when no route)
	Template      string            `json:"template,omitempty"`    // spec path template
	PathParams    map[string]string `json:"path_params,omitempty"` // unescaped path parameters
	Time          time.Time         `json:"time"`                  // when it arrived
}

// Violation is one request or response that broke the spec.
type Violation struct {
	Direction string `json:"direction"`        // "request" or "response"
	Operation string `json:"operation"`        // operationId, or "METHOD /template" without one
	Method    string `json:"method"`           // request method
	Path      string `json:"path"`             // unescaped request path
	Status    int    `json:"status,omitempty"` // response status (responses only)
	Field     string `json:"field"`            // the first offending field, e.g. `request body /messages/0/role`
	Message   string `json:"message"`          // "<operation>: <field>: <reason>[; <field>: <reason>...]"
}

// String returns the violation's message.
func (v Violation) String() string { return v.Direction + " violation: " + v.Message }

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

// Validate reports a fault that cannot be applied: a status outside
// 200-999 (net/http panics on one outside 100-999, and a 1xx status is not a
// final answer), or a negative count, duration or size. InjectFault and
// POST /_emulator/faults refuse such a fault.
func (f *Fault) Validate() error {
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

// Config holds the settings every emulator takes; set them with the With…
// options, passed through each service emulator's WithEmulatorOptions.
type Config struct {
	// Addr is the listen address (default "127.0.0.1:0").
	Addr string
	// ValidateResponses turns response validation on or off (nil: on).
	// Violations are always recorded; under a TB they also fail the test.
	ValidateResponses *bool
	// SkipRequestValidation turns request validation off (default on).
	SkipRequestValidation bool
	// MaxRecorded bounds how many requests Requests keeps (<= 0:
	// DefaultMaxRecorded; oldest dropped first).
	MaxRecorded int
	// ViolationHook, if set, is called for every violation as it is
	// recorded (from the serving goroutine: it must be quick and safe for
	// concurrent use).
	ViolationHook func(Violation)
	// Seed, if set, seeds the source the emulator makes its ids from, so
	// that a test sending the same requests in the same order sees the same
	// ids in every run (nil: a random seed).
	Seed *int64
}

// Option sets a field of Config.
type Option func(*Config)

// WithAddr sets the listen address (default 127.0.0.1:0).
func WithAddr(addr string) Option { return func(c *Config) { c.Addr = addr } }

// WithValidateResponses turns response validation on or off (default on).
func WithValidateResponses(on bool) Option {
	return func(c *Config) { c.ValidateResponses = &on }
}

// WithValidateRequests turns request validation on or off (default on). Turn
// it off only to see how an emulator copes with input the spec forbids.
func WithValidateRequests(on bool) Option {
	return func(c *Config) { c.SkipRequestValidation = !on }
}

// WithMaxRecorded bounds how many requests Requests keeps (default
// DefaultMaxRecorded; oldest dropped first).
func WithMaxRecorded(n int) Option { return func(c *Config) { c.MaxRecorded = n } }

// WithViolationHook calls f for every spec violation as it is recorded.
func WithViolationHook(f func(Violation)) Option { return func(c *Config) { c.ViolationHook = f } }

// WithSeed makes the ids an emulator generates reproducible: with the same
// seed and the same requests in the same order, every run sees the same ids.
// cmd/emulator -seed sets it.
func WithSeed(seed int64) Option { return func(c *Config) { c.Seed = &seed } }

// Apply returns the Config that opts set, in order.
func Apply(opts ...Option) Config {
	var c Config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c
}
