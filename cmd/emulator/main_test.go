package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeService stands in for a pkg/<svc>/<svc>test emulator.
type fakeService struct {
	url        string
	srv        *http.Server
	violations string // JSON served at /_emulator/violations
	closed     chan struct{}
	once       sync.Once
}

func (f *fakeService) BaseURL() string { return f.url }
func (f *fakeService) Close() {
	f.once.Do(func() {
		_ = f.srv.Close()
		close(f.closed)
	})
}

func fakeFactory(violations string, started *[]*fakeService, mu *sync.Mutex) Factory {
	return func(addr string) (Emulator, error) {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, err
		}
		f := &fakeService{url: "http://" + ln.Addr().String(), violations: violations, closed: make(chan struct{})}
		f.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/_emulator/violations":
				_, _ = io.WriteString(w, f.violations)
			default:
				_, _ = io.WriteString(w, `{"status":"ok"}`)
			}
		})}
		go func() { _ = f.srv.Serve(ln) }()
		mu.Lock()
		*started = append(*started, f)
		mu.Unlock()
		return f, nil
	}
}

type syncBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

// launch runs the command in the background and returns its stdout lines as
// they come, a stop function (the "signal") and the exit code channel.
func launch(t *testing.T, args []string, reg map[string]Factory) (lines <-chan string, stop func(), code <-chan int, stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &syncBuffer{}
	codes := make(chan int, 1)
	go func() {
		codes <- run(ctx, args, pw, stderr, reg)
		_ = pw.Close()
	}()
	out := make(chan string, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	t.Cleanup(cancel)
	return out, cancel, codes, stderr
}

func next(t *testing.T, lines <-chan string) string {
	t.Helper()
	select {
	case l, ok := <-lines:
		require.True(t, ok, "stdout closed")
		return l
	case <-time.After(5 * time.Second):
		t.Fatal("no line on stdout")
		return ""
	}
}

func exitCode(t *testing.T, code <-chan int) int {
	t.Helper()
	select {
	case c := <-code:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("the command did not exit")
		return -1
	}
}

func TestServesAndPrintsURLs(t *testing.T) {
	var started []*fakeService
	var mu sync.Mutex
	reg := map[string]Factory{
		"dial":  fakeFactory(`[]`, &started, &mu),
		"infsh": fakeFactory(`[]`, &started, &mu),
	}
	lines, stop, code, stderr := launch(t, []string{"-service", "dial,infsh", "-addr", "127.0.0.1:0"}, reg)
	urls := map[string]string{}
	for range 2 {
		name, url, ok := strings.Cut(next(t, lines), " ")
		require.True(t, ok)
		require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)
		urls[name] = url
	}
	require.Equal(t, "ready", next(t, lines))
	require.Len(t, urls, 2)
	require.NotEqual(t, urls["dial"], urls["infsh"], "one listener per service")

	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	for _, u := range urls {
		resp, err := c.Get(u + "/_emulator/health")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}
	stop()
	require.Equal(t, exitOK, exitCode(t, code), stderr.String())
	mu.Lock()
	defer mu.Unlock()
	for _, f := range started {
		select {
		case <-f.closed:
		default:
			t.Fatal("service not closed at shutdown")
		}
	}
}

func TestServiceSelection(t *testing.T) {
	var started []*fakeService
	var mu sync.Mutex
	reg := map[string]Factory{"dial": fakeFactory(`[]`, &started, &mu)}
	tests := []struct {
		args    []string
		code    int
		stderr  string
		outputs []string // stdout lines before "ready"
	}{
		{[]string{"-service", "infsh"}, exitUsage, "service infsh is not available yet", nil},
		{[]string{"-service", "nope"}, exitUsage, `unknown service "nope"`, nil},
		{[]string{"-service", "dial", "extra"}, exitUsage, "unexpected arguments", nil},
		{[]string{"-bogus"}, exitUsage, "flag provided but not defined", nil},
		{[]string{"-service", "dial", "-addr", "nonsense"}, exitUsage, "invalid -addr", nil},
		{[]string{"-service", "all"}, exitOK, "service vectorvein is not available yet (skipped)", []string{"dial"}},
		{[]string{"-service", "dial,dial"}, exitOK, "", []string{"dial"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			lines, stop, code, stderr := launch(t, tc.args, reg)
			if tc.code == exitUsage {
				require.Equal(t, tc.code, exitCode(t, code))
				require.Contains(t, stderr.String(), tc.stderr)
				return
			}
			for _, name := range tc.outputs {
				require.True(t, strings.HasPrefix(next(t, lines), name+" http://"))
			}
			require.Equal(t, "ready", next(t, lines))
			stop()
			require.Equal(t, tc.code, exitCode(t, code))
			require.Contains(t, stderr.String(), tc.stderr)
		})
	}
	_, _, code, stderr := launch(t, []string{"-service", "all"}, map[string]Factory{})
	require.Equal(t, exitUsage, exitCode(t, code))
	require.Contains(t, stderr.String(), "no service available")
}

func TestViolationsFatal(t *testing.T) {
	var started []*fakeService
	var mu sync.Mutex
	reg := map[string]Factory{"dial": fakeFactory(`[{"direction":"response","message":"chat: response body /id: value must be a string"}]`, &started, &mu)}
	for _, fatal := range []bool{false, true} {
		t.Run(fmt.Sprint(fatal), func(t *testing.T) {
			args := []string{"-service", "dial"}
			if fatal {
				args = append(args, "-violations-fatal")
			}
			lines, stop, code, stderr := launch(t, args, reg)
			next(t, lines)
			require.Equal(t, "ready", next(t, lines))
			stop()
			want := exitOK
			if fatal {
				want = exitViolations
			}
			require.Equal(t, want, exitCode(t, code))
			require.Contains(t, stderr.String(), "dial: response violation: chat: response body /id")
			require.Contains(t, stderr.String(), "recorded 1 spec violation")
		})
	}
}

func TestStartFailure(t *testing.T) {
	var started []*fakeService
	var mu sync.Mutex
	reg := map[string]Factory{
		"dial":  fakeFactory(`[]`, &started, &mu),
		"infsh": func(string) (Emulator, error) { return nil, errors.New("spec broken") },
	}
	lines, _, code, stderr := launch(t, []string{"-service", "dial,infsh"}, reg)
	require.True(t, strings.HasPrefix(next(t, lines), "dial "))
	require.Equal(t, exitError, exitCode(t, code))
	require.Contains(t, stderr.String(), "starting infsh: spec broken")
	mu.Lock()
	defer mu.Unlock()
	<-started[0].closed // the started service was closed
}

func TestListenAddrs(t *testing.T) {
	got, err := listenAddrs("127.0.0.1:0", 3)
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}, got)
	got, err = listenAddrs("127.0.0.1:9000", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"127.0.0.1:9000", "127.0.0.1:9001"}, got)
	_, err = listenAddrs("127.0.0.1:65535", 2)
	require.Error(t, err)
	_, err = listenAddrs("127.0.0.1", 1)
	require.Error(t, err)
}
