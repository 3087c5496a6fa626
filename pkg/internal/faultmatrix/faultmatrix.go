// Package faultmatrix runs one service operation against a loopback server
// that misbehaves in each of the ways a real API, proxy or network does
// (issue 13, item 10): 429 with every form of Retry-After, 5xx bursts,
// connections reset before and during the body, a server that hangs or
// trickles, malformed JSON, HTML, empty, null and {} bodies, a cross-host
// redirect and a server that echoes the credential.
//
// Every cell must end as a successful call (after retries where the fault
// is transient) or as the typed error the cell names, found with errors.As
// in pkg/apierror; no error text may hold the credential in any form, no
// redirected request may carry it to another host, and no goroutine may be
// left behind. The machinery lives here once; each service has a small
// table (its Target) in this package's tests.
//
// It is a test helper package: nothing outside tests imports it.
package faultmatrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Key is the credential every cell's client sends. It holds "/" and "+",
// so that its JSON-escaped and URL-encoded forms differ from it.
const Key = "sk-Fm/xy+zz/9876543210-matrix"

// keyTail is a part of Key without "/" or "+": every encoded form of the
// key holds it verbatim, so text without it holds the key in no form.
const keyTail = "9876543210-matrix"

// Call runs the operation under test against base with opts (which include
// Key, the retry settings and the cell's own options) and returns its error.
type Call func(ctx context.Context, base string, opts ...option.RequestOption) error

// Outcome is what a cell must end as.
type Outcome struct {
	// Name is shown in failures, e.g. "success" or "*apierror.Error 429".
	Name string
	// check fails t when err is not this outcome.
	check func(t *testing.T, service string, err error)
}

// Success is a call that returned no error (after retries, if any).
var Success = Outcome{Name: "success", check: func(t *testing.T, _ string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("want success, got %T: %v", err, err)
	}
}}

// HTTPError is an *apierror.Error with the given status.
func HTTPError(status int) Outcome {
	return Outcome{Name: fmt.Sprintf("*apierror.Error %d", status), check: func(t *testing.T, service string, err error) {
		t.Helper()
		var ae *apierror.Error
		if !errors.As(err, &ae) {
			t.Fatalf("want *apierror.Error %d, got %T: %v", status, err, err)
		}
		if ae.StatusCode != status {
			t.Fatalf("want status %d, got %d: %v", status, ae.StatusCode, err)
		}
		if ae.Service != service {
			t.Fatalf("want service %q in the error, got %q", service, ae.Service)
		}
	}}
}

// Transport is an *apierror.TransportError (no usable response).
var Transport = Outcome{Name: "*apierror.TransportError", check: func(t *testing.T, service string, err error) {
	t.Helper()
	var te *apierror.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("want *apierror.TransportError, got %T: %v", err, err)
	}
	if te.Service != service || te.Method == "" || te.Attempts < 1 {
		t.Fatalf("want service %q, a method and attempts in the error, got %+v", service, te)
	}
}}

// Response is an *apierror.ResponseError (a 2xx body that cannot be used).
var Response = Outcome{Name: "*apierror.ResponseError", check: func(t *testing.T, service string, err error) {
	t.Helper()
	var re *apierror.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *apierror.ResponseError, got %T: %v", err, err)
	}
	if re.Service != service {
		t.Fatalf("want service %q in the error, got %q", service, re.Service)
	}
}}

// Target is one service's row set: the operation under test and a valid
// success reply for it.
type Target struct {
	// Service is the short service name the typed errors carry.
	Service string
	// Call runs the operation (a read that the spec lets be retried).
	Call Call
	// OK writes a valid 200 reply of the operation.
	OK func(w http.ResponseWriter)
	// Want overrides the outcome of cells by name, where the service
	// differs from the common expectation.
	Want map[string]Outcome
}

// env is what a cell's handler may use.
type env struct {
	target Target
	// other is the URL of a second server (another origin).
	other string
}

// Cell is one fault: a handler for every attempt (n counts from 1), the
// options of the call, and the expected outcome.
type Cell struct {
	Name    string
	Handler func(e env, n int, w http.ResponseWriter, r *http.Request)
	Opts    []option.RequestOption
	// Timeout bounds the call's context (default 5s).
	Timeout time.Duration
	Want    Outcome
}

// fast are the retry settings of every cell: up to three retries with a
// backoff of a few milliseconds, so the matrix takes seconds.
var fast = []option.RequestOption{
	option.WithMaxRetries(3),
	option.WithRetryBackoff(time.Millisecond, 5*time.Millisecond, 0),
}

// firstThen answers the first n attempts with fault, then succeeds.
func firstThen(n int, fault func(e env, w http.ResponseWriter, r *http.Request)) func(e env, i int, w http.ResponseWriter, r *http.Request) {
	return func(e env, i int, w http.ResponseWriter, r *http.Request) {
		if i <= n {
			fault(e, w, r)
			return
		}
		e.target.OK(w)
	}
}

// always answers every attempt with fault.
func always(fault func(e env, w http.ResponseWriter, r *http.Request)) func(e env, i int, w http.ResponseWriter, r *http.Request) {
	return func(e env, _ int, w http.ResponseWriter, r *http.Request) { fault(e, w, r) }
}

func status429(retryAfter string) func(e env, w http.ResponseWriter, r *http.Request) {
	return func(_ env, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"slow down"}}`)
	}
}

func body(status int, contentType, text string) func(e env, w http.ResponseWriter, r *http.Request) {
	return func(_ env, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
	}
}

// reset closes the connection with a TCP RST after writing head (nothing
// when head is empty): a reset before or during the response.
func reset(head string) func(e env, w http.ResponseWriter, r *http.Request) {
	return func(_ env, w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		if head != "" {
			_, _ = buf.WriteString(head)
			_ = buf.Flush()
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// hang never answers; it returns when the client goes away.
func hang(_ env, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// trickle promises a body and sends one byte of it every 20ms until the
// client goes away.
func trickle(_ env, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100000")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for i := 0; i < 500; i++ {
		if _, err := io.WriteString(w, " "); err != nil {
			return
		}
		_ = rc.Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// echoKey is a 401 that quotes the key it got in form in its body and in
// two headers.
func echoKey(form func(string) string) func(e env, w http.ResponseWriter, r *http.Request) {
	return func(_ env, w http.ResponseWriter, r *http.Request) {
		k := form(sentKey(r))
		w.Header().Set("X-Request-Id", "req-"+k)
		w.Header().Set("X-Echo", k)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"status":401,"msg":"bad key %[1]s","message":"bad key %[1]s","error":{"code":"%[1]s","message":"bad key %[1]s"}}`, k)
	}
}

// sentKey returns the key as the request carried it (in whatever header),
// or Key when none is found.
func sentKey(r *http.Request) string {
	for _, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, keyTail) {
				return strings.TrimPrefix(v, "Bearer ")
			}
		}
	}
	return Key
}

func jsonEscaped(s string) string { return strings.ReplaceAll(s, "/", `\/`) }

func unicodeEscaped(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "/", `\u002f`), "+", `\u002B`)
}

func plain(s string) string { return s }

// redirectAway answers with a 307 to the other origin.
func redirectAway(e env, w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, e.other+r.URL.RequestURI(), http.StatusTemporaryRedirect)
}

// Cells is the matrix's rows, with the outcome most services show.
func Cells() []Cell {
	future := func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	clamp := option.WithMaxRetryAfter(20 * time.Millisecond)
	short := option.WithRequestTimeout(150 * time.Millisecond)
	return []Cell{
		{Name: "429 Retry-After seconds", Handler: firstThen(1, status429("1")), Opts: []option.RequestOption{clamp}, Want: Success},
		{Name: "429 Retry-After fractional seconds", Handler: firstThen(1, status429("0.01")), Want: Success},
		{Name: "429 Retry-After HTTP date", Handler: func(e env, i int, w http.ResponseWriter, r *http.Request) {
			firstThen(1, status429(future()))(e, i, w, r)
		}, Opts: []option.RequestOption{clamp}, Want: Success},
		{Name: "429 Retry-After HTTP date in the past", Handler: firstThen(1, status429(past)), Want: Success},
		{Name: "429 Retry-After huge beyond the deadline", Handler: always(status429("999999999")), Timeout: 2 * time.Second, Want: HTTPError(429)},
		{Name: "429 Retry-After negative", Handler: firstThen(1, status429("-30")), Want: Success},
		{Name: "429 Retry-After garbage", Handler: firstThen(1, status429("soon, maybe")), Want: Success},
		{Name: "429 persistent", Handler: always(status429("0")), Want: HTTPError(429)},
		{Name: "5xx burst then success", Handler: func(e env, i int, w http.ResponseWriter, r *http.Request) {
			codes := []int{500, 502, 503}
			if i <= len(codes) {
				body(codes[i-1], "application/json", `{"error":{"message":"upstream"}}`)(e, w, r)
				return
			}
			e.target.OK(w)
		}, Want: Success},
		{Name: "5xx persistent", Handler: always(body(503, "application/json", `{"error":{"message":"down"}}`)), Want: HTTPError(503)},
		{Name: "reset before the response", Handler: firstThen(1, reset("")), Want: Success},
		{Name: "reset before the response, every attempt", Handler: always(reset("")), Want: Transport},
		{Name: "reset during the body", Handler: firstThen(1, reset("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"id\":")), Want: Success},
		{Name: "reset during the body, every attempt", Handler: always(reset("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"id\":")), Want: Transport},
		{Name: "hang, request timeout", Handler: always(hang), Opts: []option.RequestOption{short, option.WithMaxRetries(1)}, Want: Transport},
		{Name: "hang, context deadline", Handler: always(hang), Timeout: 300 * time.Millisecond, Want: Transport},
		{Name: "trickle", Handler: always(trickle), Opts: []option.RequestOption{short, option.WithMaxRetries(1)}, Want: Transport},
		{Name: "malformed JSON", Handler: always(body(200, "application/json", `{"id": "x", "status":`)), Want: Response},
		{Name: "HTML 200", Handler: always(body(200, "text/html", "<html><body><h1>Welcome</h1></body></html>")), Want: Response},
		{Name: "HTML 502 from a proxy", Handler: always(body(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")), Want: HTTPError(502)},
		{Name: "empty body", Handler: always(body(200, "application/json", "")), Want: Response},
		{Name: "null body", Handler: always(body(200, "application/json", "null")), Want: Response},
		{Name: "{} body", Handler: always(body(200, "application/json", "{}")), Want: Response},
		{Name: "cross-host redirect", Handler: always(redirectAway), Want: Success},
		{Name: "key echoed", Handler: always(echoKey(plain)), Want: HTTPError(401)},
		{Name: "key echoed JSON-escaped", Handler: always(echoKey(jsonEscaped)), Want: HTTPError(401)},
		{Name: "key echoed \\u-escaped", Handler: always(echoKey(unicodeEscaped)), Want: HTTPError(401)},
		{Name: "key echoed URL-encoded", Handler: always(echoKey(url.QueryEscape)), Want: HTTPError(401)},
		{Name: "key echoed in a 200 that is not JSON", Handler: always(func(_ env, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", sentKey(r))
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>key "+jsonEscaped(sentKey(r))+"</html>")
		}), Want: Response},
	}
}

// Run runs every cell against target, each as a subtest with a server of
// its own, one after another (the goroutine check needs that).
func Run(t *testing.T, target Target) {
	t.Helper()
	for _, cell := range Cells() {
		if w, ok := target.Want[cell.Name]; ok {
			cell.Want = w
		}
		t.Run(cell.Name, func(t *testing.T) { runCell(t, target, cell) })
	}
}

func runCell(t *testing.T, target Target, cell Cell) {
	before := goleak.IgnoreCurrent()

	// other is another origin (another port): it must never see the key.
	var otherSawKey atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, vs := range r.Header {
			for _, v := range vs {
				if strings.Contains(v, keyTail) || strings.Contains(v, url.QueryEscape(Key)) {
					otherSawKey.Store(true)
				}
			}
		}
		target.OK(w)
	}))
	var (
		mu       sync.Mutex
		attempts int
	)
	e := env{target: target, other: other.URL}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts++
		n := attempts
		mu.Unlock()
		cell.Handler(e, n, w, r)
	}))

	timeout := cell.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	opts := append(append([]option.RequestOption{option.WithAPIKey(Key)}, fast...), cell.Opts...)
	err := target.Call(ctx, srv.URL, opts...)
	cancel()
	srv.Close()
	other.Close()

	cell.Want.check(t, target.Service, err)
	if err != nil {
		for _, s := range errorTexts(err) {
			if strings.Contains(s, keyTail) {
				t.Fatalf("the error shows the key: %s", s)
			}
		}
	}
	if otherSawKey.Load() {
		t.Fatal("the key was sent to another origin")
	}
	goleak.VerifyNone(t, before)
}

// errorTexts is everything err shows: its text, its %+v, and the fields of
// the typed errors of its chain.
func errorTexts(err error) []string {
	texts := []string{err.Error(), fmt.Sprintf("%+v", err)}
	var ae *apierror.Error
	if errors.As(err, &ae) {
		texts = append(texts, ae.Message, ae.Code, ae.RequestID, ae.URL, string(ae.Body), fmt.Sprint(ae.Header))
	}
	var te *apierror.TransportError
	if errors.As(err, &te) {
		texts = append(texts, te.URL)
	}
	var re *apierror.ResponseError
	if errors.As(err, &re) {
		texts = append(texts, re.Request, re.Reason, strings.Join(re.Missing, ","))
	}
	return texts
}
