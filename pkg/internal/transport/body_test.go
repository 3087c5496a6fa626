package transport_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/aiclients/sdk-go/pkg/option"
)

// blockingReader yields "hello" and then blocks in Read until unblocked (or,
// for a closer, until closed).
type blockingReader struct {
	sent    bool
	blocked chan struct{} // closed when Read first blocks
	unblock chan struct{}
	once    sync.Once
}

func newBlockingReader() *blockingReader {
	return &blockingReader{blocked: make(chan struct{}), unblock: make(chan struct{})}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "hello"), nil
	}
	close(b.blocked)
	<-b.unblock
	return 0, errors.New("reader unblocked")
}

func (b *blockingReader) release() { b.once.Do(func() { close(b.unblock) }) }

// blockingCloser is a blockingReader whose Close unblocks its Read.
type blockingCloser struct {
	*blockingReader
	closed chan struct{}
}

func (b *blockingCloser) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	b.release()
	return nil
}

// A caller's body whose Read blocks used to hang the call past its context:
// net/http's transport waits for the body's Read before it returns. Now
// every attempt returns promptly when its context is done; the blocked
// reader is closed when it is an io.Closer, and abandoned otherwise (its
// goroutine ends once its Read returns).
func TestBlockedBodyReaderDoesNotOutliveContext(t *testing.T) {
	tests := []struct {
		name          string
		closer        bool
		contentLength int64 // 0: unknown (chunked)
		how           string
	}{
		{"reader, cancel, chunked", false, 0, "cancel"},
		{"reader, cancel, Content-Length", false, 1 << 20, "cancel"},
		{"reader, deadline", false, 0, "deadline"},
		{"reader, per-attempt timeout", false, 0, "request timeout"},
		{"closer, cancel", true, 1 << 20, "cancel"},
		{"closer, per-attempt timeout", true, 0, "request timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
			}))
			defer srv.Close()
			const grace = 100 * time.Millisecond
			var opts []option.RequestOption
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			switch tc.how {
			case "cancel":
				ctx, cancel = context.WithCancel(ctx)
			case "deadline":
				ctx, cancel = context.WithTimeout(ctx, grace)
			case "request timeout":
				opts = append(opts, option.WithRequestTimeout(grace))
			}
			defer cancel()
			tr := newTransport(t, nil, opts...)
			defer tr.CloseIdleConnections()

			br := newBlockingReader()
			defer br.release()
			var body io.Reader = br
			var bc *blockingCloser
			if tc.closer {
				bc = &blockingCloser{blockingReader: br, closed: make(chan struct{})}
				body = bc
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, body)
			require.NoError(t, err)
			req.ContentLength = tc.contentLength

			type result struct {
				resp *http.Response
				err  error
			}
			done := make(chan result, 1)
			start := time.Now()
			go func() {
				resp, err := tr.Do(req)
				done <- result{resp, err}
			}()
			<-br.blocked
			if tc.how == "cancel" {
				time.Sleep(grace - time.Since(start))
				cancel()
			}
			var res result
			select {
			case res = <-done:
			case <-time.After(3 * time.Second):
				br.release() // let the hung call end so the test can fail cleanly
				<-done
				t.Fatal("the call was still blocked in the body's Read 3s after its context ended")
			}
			elapsed := time.Since(start)
			t.Logf("returned %v after the context ended", elapsed-grace)
			require.Error(t, res.err)
			require.Nil(t, res.resp)
			require.True(t, errors.Is(res.err, context.Canceled) || errors.Is(res.err, context.DeadlineExceeded), "%v", res.err)
			require.Less(t, elapsed, grace+200*time.Millisecond, "returned promptly once the context ended")
			if bc != nil {
				select {
				case <-bc.closed:
				case <-time.After(time.Second):
					t.Fatal("an io.Closer body is closed when the context ends")
				}
			}
			br.release() // the abandoned Read returns; nothing may be left running
		})
	}
}

// gatedReader is a caller's reader the transport knows nothing about; it
// gives its second half only once gate is closed.
type gatedReader struct {
	data  string
	gate  chan struct{} // the second half is read only once this is closed
	off   int
	gated bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if g.off >= len(g.data) {
		return 0, io.EOF
	}
	if g.off >= len(g.data)/2 && !g.gated {
		g.gated = true
		<-g.gate
	}
	end := len(g.data)
	if g.off < len(g.data)/2 {
		end = len(g.data) / 2
	}
	n := copy(p, g.data[g.off:end])
	g.off += n
	return n, nil
}

// A guarded body still streams (the server reads the first half before the
// caller's reader gives the second), keeps its Content-Length, and is
// rewound with GetBody for a retry.
func TestGuardedBodyStreamsAndRewinds(t *testing.T) {
	data := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	half := make(chan struct{})
	var mu sync.Mutex
	var got []string
	var lengths []int64
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		first := hits == 1
		mu.Unlock()
		buf := make([]byte, len(data)/2)
		_, err := io.ReadFull(r.Body, buf)
		if err == nil && first {
			close(half) // the first half arrived while the reader waits
		}
		rest, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(buf)+string(rest))
		lengths = append(lengths, r.ContentLength)
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	tr := newTransport(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, &gatedReader{data: data, gate: half})
	require.NoError(t, err)
	req.ContentLength = int64(len(data))
	req.GetBody = func() (io.ReadCloser, error) {
		open := make(chan struct{})
		close(open)
		return io.NopCloser(&gatedReader{data: data, gate: open}), nil
	}
	resp, err := tr.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, []int64{int64(len(data)), int64(len(data))}, lengths)
	require.Len(t, got, 2)
	for _, g := range got {
		require.True(t, g == data, "the whole body arrived")
	}
}
