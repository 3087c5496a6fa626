package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	emukit "github.com/aiclients/sdk-go/pkg/emulator"
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
	return func(opts ...emukit.Option) (Emulator, error) {
		ln, err := net.Listen("tcp", emukit.Apply(opts...).Addr)
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
		"infsh": func(...emukit.Option) (Emulator, error) { return nil, errors.New("spec broken") },
	}
	lines, _, code, stderr := launch(t, []string{"-service", "dial,infsh"}, reg)
	require.Equal(t, exitError, exitCode(t, code))
	requireNoLines(t, lines)
	require.Contains(t, stderr.String(), "starting infsh on 127.0.0.1:0: spec broken (no service is served)")
	mu.Lock()
	defer mu.Unlock()
	<-started[0].closed // the started service was closed
}

// requireNoLines checks that the command printed nothing on stdout.
func requireNoLines(t *testing.T, lines <-chan string) {
	t.Helper()
	var got []string
	for l := range lines {
		got = append(got, l)
	}
	require.Empty(t, got, "stdout")
}

// TestSecondPortTaken: with the second service's port in use, nothing is
// printed (not even the first service's line) and the exit status is 1.
func TestSecondPortTaken(t *testing.T) {
	var started []*fakeService
	var mu sync.Mutex
	reg := map[string]Factory{
		"dial":  fakeFactory(`[]`, &started, &mu),
		"infsh": fakeFactory(`[]`, &started, &mu),
	}
	// Hold port P+1 so that P is (very likely) free for the first service.
	var taken net.Listener
	var port int
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port = ln.Addr().(*net.TCPAddr).Port - 1
		if probe, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			probe.Close()
			taken = ln
			break
		}
		ln.Close()
	}
	require.NotNil(t, taken, "no free port pair found")
	defer taken.Close()

	lines, _, code, stderr := launch(t, []string{"-service", "dial,infsh", "-addr", fmt.Sprintf("127.0.0.1:%d", port)}, reg)
	require.Equal(t, exitError, exitCode(t, code))
	requireNoLines(t, lines)
	require.Contains(t, stderr.String(), fmt.Sprintf("starting infsh on 127.0.0.1:%d:", port+1))
	require.Contains(t, stderr.String(), "address already in use")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, started, 1)
	<-started[0].closed
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-help", "-h"} {
		lines, _, code, stderr := launch(t, []string{arg}, registry)
		var out strings.Builder
		for l := range lines {
			out.WriteString(l + "\n")
		}
		require.Equal(t, exitOK, exitCode(t, code))
		help := out.String()
		require.Empty(t, stderr.String())
		for _, want := range []string{
			"-service", "-addr", "-seed N", "-violations-fatal", // flags
			`"<service> <url>"`, `"ready"`, "nothing is printed on stdout", // output format
			"/_emulator/violations", "/_emulator/requests", "/_emulator/faults", // kit admin
			"api-key: dialtest-key", "Authorization: Bearer inf_test_key", // credentials
			"VECTORVEIN-API-KEY: vvtest-api-key-0123456789abcdef0", "X-API-Key: dragoneyetest-api-key",
			"DIAL_BASE_URL=<url>", "VECTORVEIN_BASE_URL=<url>/api/v1/open-api",
			"/_emulator/replies", "/_emulator/apps", "/_emulator/agents", "/_emulator/workflows", "/_emulator/predictions", // service admin
		} {
			require.Contains(t, help, want, arg)
		}
		for name := range registry {
			require.Contains(t, help, "\n  "+name+"\n", "a section per service")
			require.NotEmpty(t, docs[name].Credentials, name)
		}
	}
}

// TestHelpAdminEndpointsAnswer checks that every kit endpoint -help lists is
// served by a real emulator.
func TestHelpAdminEndpointsAnswer(t *testing.T) {
	e, err := registry["dial"](emukit.WithAddr("127.0.0.1:0"))
	require.NoError(t, err)
	defer e.Close()
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	n := 0
	for _, l := range kitAdmin {
		f := strings.Fields(l)
		if len(f) < 2 || !strings.HasPrefix(f[1], "/_emulator/") {
			continue
		}
		n++
		var body io.Reader
		if f[0] == http.MethodPost {
			body = strings.NewReader(`{"path":"/nowhere","status":503}`)
		}
		req, err := http.NewRequest(f[0], e.BaseURL()+f[1], body)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Less(t, resp.StatusCode, 300, "%s %s", f[0], f[1])
	}
	require.Equal(t, 7, n)
}

// TestSeed: -seed reaches every factory, and with the real emulators the
// same seed gives the same generated ids (another seed, other ids).
func TestSeed(t *testing.T) {
	var seen []*int64
	var mu sync.Mutex
	reg := map[string]Factory{"dial": func(opts ...emukit.Option) (Emulator, error) {
		mu.Lock()
		seen = append(seen, emukit.Apply(opts...).Seed)
		mu.Unlock()
		var started []*fakeService
		return fakeFactory(`[]`, &started, &mu)(opts...)
	}}
	for _, args := range [][]string{{"-seed", "42"}, nil} {
		lines, stop, code, _ := launch(t, append([]string{"-service", "dial"}, args...), reg)
		next(t, lines)
		require.Equal(t, "ready", next(t, lines))
		stop()
		require.Equal(t, exitOK, exitCode(t, code))
	}
	require.Len(t, seen, 2)
	require.NotNil(t, seen[0])
	require.Equal(t, int64(42), *seen[0])
	require.Nil(t, seen[1])

	_, _, code, stderr := launch(t, []string{"-seed", "x"}, reg)
	require.Equal(t, exitUsage, exitCode(t, code))
	require.Contains(t, stderr.String(), "want an integer")

	ids := func(seed string) []string {
		lines, stop, code, stderr := launch(t, []string{"-service", "dragoneye,infsh", "-seed", seed}, registry)
		urls := map[string]string{}
		for range 2 {
			name, url, _ := strings.Cut(next(t, lines), " ")
			urls[name] = url
		}
		require.Equal(t, "ready", next(t, lines))
		out := []string{dragoneyeTask(t, urls["dragoneye"]), dragoneyeTask(t, urls["dragoneye"]), infshFile(t, urls["infsh"])}
		stop()
		require.Equal(t, exitOK, exitCode(t, code), stderr.String())
		return out
	}
	first := ids("7")
	require.NotEqual(t, first[0], first[1], "ids stay unique")
	require.Equal(t, first, ids("7"))
	other := ids("8")
	require.NotEqual(t, first[0], other[0])
	require.NotEqual(t, first[2], other[2])
}

// post posts body to url with the headers (name, value, ...) and returns
// the decoded JSON reply.
func post(t *testing.T, url, contentType, body string, header ...string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	return out
}

func dragoneyeTask(t *testing.T, base string) string {
	out := post(t, base+"/prediction-task/begin", "application/x-www-form-urlencoded",
		"mimetype=image%2Fjpeg&file_name=a.jpg", "X-API-Key", "dragoneyetest-api-key")
	id, _ := out["prediction_task_uuid"].(string)
	require.NotEmpty(t, id, "%v", out)
	// The task id and the upload policy's signature (the upload URL holds
	// the port, which differs from run to run).
	sig := regexp.MustCompile(`x-amz-signature:[0-9a-f]+`).FindString(fmt.Sprint(out))
	require.NotEmpty(t, sig, "%v", out)
	return id + " " + sig
}

func infshFile(t *testing.T, base string) string {
	out := post(t, base+"/files", "application/json", `{"files":[{"uri":"","filename":"a.txt","content_type":"text/plain"}]}`,
		"Authorization", "Bearer inf_test_key")
	data, _ := out["data"].([]any)
	require.Len(t, data, 1, "%v", out)
	id, _ := data[0].(map[string]any)["id"].(string)
	require.NotEmpty(t, id, "%v", out)
	return id
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
