package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// body is an io.ReadCloser that records Close; reads after Close fail like a
// closed HTTP body.
type body struct {
	r      io.Reader
	closes atomic.Int32
}

func newBody(s string) *body { return &body{r: strings.NewReader(s)} }

func (b *body) Read(p []byte) (int, error) {
	if b.closes.Load() > 0 {
		return 0, errors.New("read on closed body")
	}
	return b.r.Read(p)
}

func (b *body) Close() error {
	b.closes.Add(1)
	return nil
}

func (b *body) closed() bool { return b.closes.Load() > 0 }

type chunk struct {
	Text string `json:"text"`
}

// decodeChunk is a typical service DecodeFunc: heartbeats skipped, error
// payloads turned into errors, the rest unmarshalled.
func decodeChunk(e Event) (chunk, error) {
	var c chunk
	switch {
	case e.Type == "ping" || string(e.Data) == `{"type":"ping"}`:
		return c, ErrSkip
	case e.Type == "end":
		return c, ErrDone
	case strings.HasPrefix(string(e.Data), `{"error"`):
		return c, fmt.Errorf("service error: %s", e.Data)
	}
	err := json.Unmarshal(e.Data, &c)
	return c, err
}

func texts(t *testing.T, s *Stream[chunk]) ([]string, error) {
	t.Helper()
	var out []string
	for c, err := range s.All() {
		if err != nil {
			return out, err
		}
		out = append(out, c.Text)
	}
	return out, nil
}

func TestStream(t *testing.T) {
	tests := []struct {
		name    string
		sse     bool
		in      string
		want    []string
		wantErr string
	}{
		{"sse items", true, "data: {\"text\":\"a\"}\n\ndata: {\"text\":\"b\"}\n\n", []string{"a", "b"}, ""},
		{"sse DONE ends cleanly", true, "data: {\"text\":\"a\"}\n\ndata: [DONE]\n\ndata: {\"text\":\"never\"}\n\n", []string{"a"}, ""},
		{"sse heartbeat skipped", true, "event: ping\ndata: {}\n\ndata: {\"text\":\"a\"}\n\n", []string{"a"}, ""},
		{"sse ErrDone ends cleanly", true, "data: {\"text\":\"a\"}\n\nevent: end\ndata: {}\n\ndata: {\"text\":\"never\"}\n\n", []string{"a"}, ""},
		{"sse error payload ends with error", true, "data: {\"text\":\"a\"}\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: {\"text\":\"never\"}\n\n", []string{"a"}, "service error"},
		{"sse bad JSON ends with error", true, "data: {\"text\":\"a\"}\n\ndata: {nope\n\n", []string{"a"}, "invalid character"},
		{"sse too large", true, "data: {\"text\":\"a\"}\n\ndata: {\"text\":\"" + strings.Repeat("x", 100) + "\"}\n\n", []string{"a"}, "limit"},
		{"ndjson items", false, "{\"text\":\"a\"}\n{\"text\":\"b\"}\n", []string{"a", "b"}, ""},
		{"ndjson heartbeat skipped", false, "{\"type\":\"ping\"}\n\n{\"text\":\"a\"}\n", []string{"a"}, ""},
		{"ndjson DONE line", false, "{\"text\":\"a\"}\n[DONE]\n{\"text\":\"never\"}\n", []string{"a"}, ""},
		{"ndjson error payload", false, "{\"text\":\"a\"}\n{\"error\":\"boom\"}\n", []string{"a"}, "service error"},
		{"ndjson too large", false, "{\"text\":\"" + strings.Repeat("x", 100) + "\"}\n", nil, "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBody(tt.in)
			var s *Stream[chunk]
			if tt.sse {
				s = NewSSE(b, decodeChunk, WithMaxEventSize(64))
			} else {
				s = NewNDJSON(b, decodeChunk, WithMaxEventSize(64))
			}
			got, err := texts(t, s)
			require.Equal(t, tt.want, got)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NoError(t, s.Err())
			} else {
				require.ErrorContains(t, err, tt.wantErr)
				require.Equal(t, err, s.Err())
			}
			require.Equal(t, int32(1), b.closes.Load(), "body closed exactly once")
			require.False(t, s.Next(), "a finished stream stays finished")
		})
	}
}

func TestStreamTooLargeIsTyped(t *testing.T) {
	s := NewSSE(newBody("data: 123456789\n\n"), decodeChunk, WithMaxEventSize(4))
	require.False(t, s.Next())
	var tl *EventTooLargeError
	require.ErrorAs(t, s.Err(), &tl)
	require.Equal(t, 4, tl.Limit)
}

func TestStreamNextCurrentClose(t *testing.T) {
	b := newBody("data: {\"text\":\"a\"}\n\ndata: {\"text\":\"b\"}\n\n")
	s := NewSSE(b, decodeChunk)
	require.True(t, s.Next())
	require.Equal(t, "a", s.Current().Text)
	require.False(t, b.closed())
	require.NoError(t, s.Close())
	require.True(t, b.closed())
	require.NoError(t, s.Close(), "Close is idempotent")
	require.Equal(t, int32(1), b.closes.Load())
	require.False(t, s.Next(), "no items after Close")
	require.NoError(t, s.Err(), "closing is not an error")
}

type errCloser struct{ *body }

func (e errCloser) Close() error {
	e.body.Close()
	return errors.New("close failed")
}

func TestStreamCloseError(t *testing.T) {
	s := NewSSE(errCloser{newBody("")}, decodeChunk)
	require.EqualError(t, s.Close(), "close failed")
	require.EqualError(t, s.Close(), "close failed", "same error on every call")
}

func TestStreamAllEarlyBreakClosesBody(t *testing.T) {
	b := newBody(strings.Repeat("data: {\"text\":\"x\"}\n\n", 10))
	s := NewSSE(b, decodeChunk)
	n := 0
	for _, err := range s.All() {
		require.NoError(t, err)
		n++
		if n == 2 {
			break
		}
	}
	require.Equal(t, 2, n)
	require.True(t, b.closed())
	require.NoError(t, s.Err())
}

func TestStreamAllPanicInLoopClosesBody(t *testing.T) {
	b := newBody("data: {\"text\":\"x\"}\n\n")
	s := NewSSE(b, decodeChunk)
	require.PanicsWithValue(t, "loop body", func() {
		for range s.All() {
			panic("loop body")
		}
	})
	require.True(t, b.closed())
}

func TestStreamPanickingDecodeClosesBody(t *testing.T) {
	b := newBody("data: x\n\n")
	s := NewSSE(b, func(Event) (int, error) { panic("decode bug") })
	require.PanicsWithValue(t, "decode bug", func() { s.Next() })
	require.True(t, b.closed())
	require.False(t, s.Next())
}

func TestStreamNilArguments(t *testing.T) {
	s := NewSSE[int](nil, func(Event) (int, error) { return 1, nil })
	require.False(t, s.Next())
	require.ErrorContains(t, s.Err(), "nil body")
	require.NoError(t, s.Close())

	b := newBody("data: x\n\n")
	s = NewSSE[int](b, nil)
	require.False(t, s.Next())
	require.ErrorContains(t, s.Err(), "nil DecodeFunc")
	require.True(t, b.closed())

	b = newBody("")
	s = New[int](b, nil, func(Event) (int, error) { return 1, nil })
	require.False(t, s.Next())
	require.ErrorContains(t, s.Err(), "nil Decoder")
	require.True(t, b.closed())
}

func TestStreamDataValidDuringDecode(t *testing.T) {
	// A DecodeFunc that keeps Data must copy it; one that copies sees every
	// event intact.
	var kept []string
	s := NewSSE(newBody("data: one\n\ndata: two\n\n"), func(e Event) (string, error) {
		kept = append(kept, string(e.Data))
		return string(e.Data), nil
	})
	for range s.All() {
	}
	require.Equal(t, []string{"one", "two"}, kept)
}

// pipeBody feeds a stream from a goroutine; the goroutine stops when the
// stream closes the reading end.
func pipeBody(t *testing.T, write func(w io.Writer) error) *io.PipeReader {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(write(pw))
	}()
	t.Cleanup(func() {
		pr.Close()
		<-done
	})
	return pr
}

// every writes s every d until the pipe is closed.
func every(d time.Duration, s string) func(w io.Writer) error {
	return func(w io.Writer) error {
		for {
			if _, err := io.WriteString(w, s); err != nil {
				return err
			}
			time.Sleep(d)
		}
	}
}

// stallBody serves prefix, then blocks in Read until Close, like a server
// that stops sending without closing the connection.
type stallBody struct {
	r       io.Reader
	stop    chan struct{}
	stopped atomic.Bool
}

func newStallBody(prefix string) *stallBody {
	return &stallBody{r: strings.NewReader(prefix), stop: make(chan struct{})}
}

func (b *stallBody) Read(p []byte) (int, error) {
	if n, _ := b.r.Read(p); n > 0 {
		return n, nil
	}
	<-b.stop
	return 0, errors.New("read on closed body")
}

func (b *stallBody) Close() error {
	if b.stopped.CompareAndSwap(false, true) {
		close(b.stop)
	}
	return nil
}

func TestStreamIdleTimeout(t *testing.T) {
	const idle = 100 * time.Millisecond
	tests := []struct {
		name string
		body func(t *testing.T) io.ReadCloser
		want []string // items before the timeout
	}{
		{"silent server", func(*testing.T) io.ReadCloser {
			return newStallBody("data: {\"text\":\"a\"}\n\n: comment\n")
		}, []string{"a"}},
		{"keep-alive comments do not reset it", func(t *testing.T) io.ReadCloser {
			return pipeBody(t, every(10*time.Millisecond, ": keep-alive\n\n"))
		}, nil},
		{"skipped heartbeats do not reset it", func(t *testing.T) io.ReadCloser {
			return pipeBody(t, every(10*time.Millisecond, "event: ping\ndata: {}\n\n"))
		}, nil},
		{"ndjson heartbeats do not reset it", func(t *testing.T) io.ReadCloser {
			return pipeBody(t, every(10*time.Millisecond, "{\"type\":\"ping\"}\n\n"))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *Stream[chunk]
			if strings.HasPrefix(tt.name, "ndjson") {
				s = NewNDJSON(tt.body(t), decodeChunk, WithIdleTimeout(idle))
			} else {
				s = NewSSE(tt.body(t), decodeChunk, WithIdleTimeout(idle))
			}
			// If the timeout never fired, this guard ends the stream without
			// an error, and the test fails instead of hanging.
			guard := time.AfterFunc(20*idle, func() { s.Close() })
			defer guard.Stop()
			start := time.Now()
			got, err := texts(t, s)
			elapsed := time.Since(start)
			require.Equal(t, tt.want, got)
			var it *IdleTimeoutError
			require.ErrorAs(t, err, &it)
			require.Equal(t, idle, it.Timeout)
			require.True(t, it.Retryable())
			require.Contains(t, err.Error(), "100ms")
			require.GreaterOrEqual(t, elapsed, idle)
			require.Less(t, elapsed, 20*idle, "the timeout fires promptly")
		})
	}
}

func TestStreamIdleTimeoutResetByItems(t *testing.T) {
	// Items every 30ms for 12 items (≈360ms in all) never trip a 250ms idle
	// timeout, because each yielded item resets it.
	const idle = 250 * time.Millisecond
	n := 0
	pr := pipeBody(t, func(w io.Writer) error {
		for range 12 {
			time.Sleep(30 * time.Millisecond)
			if _, err := io.WriteString(w, ": noise\ndata: {\"text\":\"x\"}\n\n"); err != nil {
				return err
			}
		}
		return nil
	})
	s := NewSSE(pr, decodeChunk, WithIdleTimeout(idle))
	start := time.Now()
	for _, err := range s.All() {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 12, n)
	require.Greater(t, time.Since(start), idle, "the stream outlived one idle period")
}

func TestStreamIdleTimeoutIgnoresConsumerTime(t *testing.T) {
	// Time spent by the caller between Next calls is not idleness.
	const idle = 30 * time.Millisecond
	b := newBody("data: {\"text\":\"a\"}\n\ndata: {\"text\":\"b\"}\n\n")
	s := NewSSE(b, decodeChunk, WithIdleTimeout(idle))
	require.True(t, s.Next())
	time.Sleep(3 * idle)
	require.True(t, s.Next())
	require.Equal(t, "b", s.Current().Text)
	require.False(t, s.Next())
	require.NoError(t, s.Err())
	require.True(t, b.closed())
}

func TestStreamCloseFromAnotherGoroutine(t *testing.T) {
	b := newStallBody("")
	s := NewSSE(b, decodeChunk)
	done := make(chan bool)
	go func() { done <- s.Next() }()
	time.Sleep(10 * time.Millisecond)
	require.NoError(t, s.Close())
	select {
	case ok := <-done:
		require.False(t, ok)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
	require.NoError(t, s.Err())
}

// sseServer serves events slowly over HTTP on 127.0.0.1, flushing each one.
func sseServer(t *testing.T, events []string, gap time.Duration) (*http.Client, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		fl := w.(http.Flusher)
		io.WriteString(w, ": hello\n\n")
		fl.Flush()
		for _, e := range events {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(gap):
			}
			io.WriteString(w, e)
			fl.Flush()
		}
		<-r.Context().Done() // keep the connection open: the client ends it
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv.Listener = l
	srv.Start()
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return &http.Client{Transport: tr}, srv.URL
}

func TestStreamOverHTTP(t *testing.T) {
	events := []string{
		"data: {\"text\":\"Hel\"}\r\n\r\n",
		": keep-alive\n\n",
		"event: ping\ndata: {}\n\n",
		"data: {\"text\":\"lo\"}\n\n",
		"data: [DONE]\n\n",
		"data: {\"text\":\"never\"}\n\n",
	}
	client, url := sseServer(t, events, 5*time.Millisecond)
	resp, err := client.Get(url)
	require.NoError(t, err)
	s := NewSSE(resp.Body, decodeChunk, WithIdleTimeout(5*time.Second))
	got, err := texts(t, s)
	require.NoError(t, err)
	require.Equal(t, []string{"Hel", "lo"}, got)
}

func TestStreamOverHTTPIdleTimeout(t *testing.T) {
	client, url := sseServer(t, []string{"data: {\"text\":\"a\"}\n\n"}, 5*time.Millisecond)
	resp, err := client.Get(url)
	require.NoError(t, err)
	s := NewSSE(resp.Body, decodeChunk, WithIdleTimeout(100*time.Millisecond))
	got, err := texts(t, s)
	require.Equal(t, []string{"a"}, got)
	var it *IdleTimeoutError
	require.ErrorAs(t, err, &it)
}

func TestStreamOverHTTPEarlyBreak(t *testing.T) {
	client, url := sseServer(t, []string{"data: {\"text\":\"a\"}\n\n", "data: {\"text\":\"b\"}\n\n"}, time.Millisecond)
	resp, err := client.Get(url)
	require.NoError(t, err)
	for c, err := range NewSSE(resp.Body, decodeChunk).All() {
		require.NoError(t, err)
		require.Equal(t, "a", c.Text)
		break
	}
	// The handler returns only when the client closed the connection; goleak
	// in TestMain checks that nothing is left running.
}
