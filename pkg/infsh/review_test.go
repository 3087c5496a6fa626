package infsh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// countRequests counts the recorded requests whose path ends with suffix.
func countRequests(srv *infshtest.Server, suffix string) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// TestHeartbeatsKeepTaskStreamOpen: a task that works quietly for longer
// than the idle timeout, while the server sends heartbeats, is followed on
// one stream (heartbeats are activity, as FollowPolicy.IdleTimeout says).
func TestHeartbeatsKeepTaskStreamOpen(t *testing.T) {
	c, srv := newClient(t, infshtest.WithHeartbeat(10*time.Millisecond))
	c.Tasks.Follow.IdleTimeout = 300 * time.Millisecond // 30 heartbeats: room for a loaded machine
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppSlow, Input: map[string]any{"steps": 1, "delay_ms": 800}})
	require.NoError(t, err)
	require.Equal(t, infsh.StatusCompleted, task.Status)
	require.Equal(t, 1, countRequests(srv, "/stream"), "the stream was given up although heartbeats arrived")
}

// TestHeartbeatsKeepChatStreamOpen: the same for an agent that thinks longer
// than the idle timeout.
func TestHeartbeatsKeepChatStreamOpen(t *testing.T) {
	slow := func(turn infshtest.ModelTurn) infshtest.ModelStep {
		time.Sleep(800 * time.Millisecond)
		return infshtest.ScriptedModel(turn)
	}
	c, srv := newClient(t, infshtest.WithHeartbeat(10*time.Millisecond), infshtest.WithModel(slow))
	c.Tasks.Follow.IdleTimeout = 300 * time.Millisecond
	m, err := c.Agents.Template(infshtest.AgentAssistant).Reply(context.Background(), "take your time", nil)
	require.NoError(t, err)
	require.Equal(t, "You said: take your time", m.Text())
	require.Equal(t, 1, countRequests(srv, "/stream"), "the chat stream was given up although heartbeats arrived")
}

// TestSessionCallKeepsOtherErrors: a call in a session that fails for a
// reason of its own (an unknown app: 404 APP_NOT_FOUND) is not reported as
// a missing session.
func TestSessionCallKeepsOtherErrors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	h, _, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "increment", Input: map[string]any{"key": "n"}})
	require.NoError(t, err)
	_, err = c.Sessions.Handle(h.ID, "nobody/nothing@1").Call(ctx, "run", nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "APP_NOT_FOUND", ae.Code)
	require.NotErrorIs(t, err, infsh.ErrSessionNotFound)

	// A session error on a call is typed and names the session.
	_, err = c.Sessions.Handle("sess_unknown", infshtest.AppSessionTest).Call(ctx, "run", nil)
	require.ErrorIs(t, err, infsh.ErrSessionNotFound)
	var se *infsh.SessionError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "sess_unknown", se.SessionID)
}

// TestSessionStartWithoutSessionID: a server whose new-session task names
// no session is a response error, not an input error (the run was sent).
func TestSessionStartWithoutSessionID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"id":"t1","status":10,"output":{}}}`)
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, _, err = c.Sessions.Start(context.Background(), infsh.RunParams{App: "a/b@1"})
	require.ErrorContains(t, err, "session_id")
	var ie *apierror.InputError
	require.False(t, errors.As(err, &ie), "not an input error: %v", err)
}

// counter counts calls across a test server's goroutines.
type counter struct {
	mu sync.Mutex
	n  int
}

// add counts one and returns the count so far.
func (c *counter) add() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n }

// get returns the count.
func (c *counter) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// garbageServer serves task t1: its first stream answers with first (then
// the connection ends), later streams with the completed task; GET
// /tasks/t1 says it is still running.
func garbageServer(t *testing.T, contentType string, first func(w http.ResponseWriter, r *http.Request)) *infsh.Client {
	t.Helper()
	var streams counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/tasks/t1/stream":
			if streams.add() == 1 {
				w.Header().Set("Content-Type", contentType)
				first(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/x-ndjson")
			fmt.Fprintln(w, `{"id":"t1","status":10,"output":{"ok":true}}`)
		case "/tasks/t1":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"id":"t1","status":7}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	c.Tasks.Follow = infsh.FollowPolicy{ReconnectDelay: time.Millisecond, IdleTimeout: 200 * time.Millisecond, PollInterval: 5 * time.Millisecond}
	return c
}

// TestGarbageStreams: a broken first stream (cut mid-line, binary noise, a
// line beyond the size limit, HTML, JSON that is no task, endless noise)
// neither panics nor hangs: the client re-syncs, reconnects and finishes.
func TestGarbageStreams(t *testing.T) {
	for _, tc := range []struct {
		name, contentType string
		first             func(w http.ResponseWriter, r *http.Request)
	}{
		{"truncated line", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "{\"id\":\"t1\",\"status\":7}\n{\"id\":\"t1\",\"status\":1")
		}},
		{"binary noise", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("\x00\xff\xfe{\r\n\x1b[31m}}}\n\xc3\x28\n\x00\n"))
		}},
		{"huge line", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"id":"t1","status":7,"output":"`))
			chunk := []byte(strings.Repeat("x", 1<<20))
			for i := 0; i < 17; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = w.Write([]byte("\"}\n"))
		}},
		{"html", "text/html", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
		}},
		{"json that is no task", "application/x-ndjson", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "[1,2]\n\"x\"\n42\nnull\n{}\n{\"data\":null}\n{\"data\":[1]}\n{\"data\":{\"id\":\"t1\",\"status\":\"running\"}}\n{\"status\":{\"a\":1}}\n")
		}},
		{"endless noise", "application/x-ndjson", func(w http.ResponseWriter, r *http.Request) {
			f := w.(http.Flusher)
			for {
				if _, err := fmt.Fprintln(w, "not json"); err != nil {
					return
				}
				f.Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
		}},
		{"sse noise", "text/event-stream", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, "data: {\"id\":\"t1\",\nevent\n: comment\ndata: [\n\nretry: x\n\ndata: {\"id\":\"t1\",\"status\":7}")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := garbageServer(t, tc.contentType, tc.first)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			task, err := c.Tasks.Wait(ctx, "t1")
			require.NoError(t, err)
			require.Equal(t, infsh.StatusCompleted, task.Status)
			require.JSONEq(t, `{"ok":true}`, string(task.Output))
		})
	}
}

// TestRejectedTaskIsTaskError: status 13 (admission refused) ends the wait
// with a *TaskError, like failed and cancelled.
func TestRejectedTaskIsTaskError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		fmt.Fprintln(w, `{"data":{"id":"t1","status":13,"error":"no balance"},"fields":["status","error"]}`)
	}))
	defer srv.Close()
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, err = c.Tasks.Wait(context.Background(), "t1")
	var te *infsh.TaskError
	require.ErrorAs(t, err, &te)
	require.Equal(t, infsh.StatusRejected, te.Status())
	require.Contains(t, err.Error(), "rejected: no balance")
}

// TestRunParamsOnTheWire: every run parameter reaches the request body
// under its API name.
func TestRunParamsOnTheWire(t *testing.T) {
	c, srv := newClient(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{
		App: infshtest.AppEcho + "@v1", Input: map[string]any{"x": 1}, Setup: map[string]any{"model": "m"},
		Infra: infsh.InfraPrivateFirst, Workers: []string{"w1"}, Session: infsh.SessionNew,
		SessionTimeout: 90 * time.Second, Function: "run", Webhook: "https://hooks.example.com/done",
		RunAt: at, Metadata: map[string]any{"k": "v"},
	})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Equal(t, "/apps/run", reqs[0].Path)
	require.JSONEq(t, `{"app":"infsh/echo@v1","input":{"x":1},"setup":{"model":"m"},"infra":"private_first",
		"workers":["w1"],"session":"new","session_timeout":90,"function":"run",
		"webhook":"https://hooks.example.com/done","run_at":"2026-05-01T11:00:00Z","metadata":{"k":"v"},"wait":false}`,
		string(reqs[0].Body))
}

// TestUploadSecretsStayOut: a failed presigned PUT is an error that names
// neither the URL's signature nor the API key, and the debug log of the
// whole upload holds none of them; the PUT carries no credentials, even
// ones set as extra headers.
func TestUploadSecretsStayOut(t *testing.T) {
	const apiKey, sig, tok = "inf_SECRET_API_KEY", "SIGSECRET123", "TOKSECRET456"
	var putHeader http.Header
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/files":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"data":[{"id":"f1","uri":"inf://files/f1","upload_url":%q}]}`,
				srvURL+"/bucket/f1?X-Amz-Signature="+sig+"&token="+tok)
		case r.Method == http.MethodPut:
			putHeader = r.Header.Clone()
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"signature does not match"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(apiKey), option.WithLogger(logger),
		option.WithHeader("X-Api-Key", apiKey), option.WithMaxRetries(0))
	require.NoError(t, err)
	_, err = c.Files.Upload(context.Background(), strings.NewReader("data"), infsh.UploadOptions{Filename: "a.txt"})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, http.StatusForbidden, ae.StatusCode)
	require.NotNil(t, putHeader)
	require.Empty(t, putHeader.Get("Authorization"))
	require.Empty(t, putHeader.Get("X-Api-Key"))
	require.NotEmpty(t, logs.String())
	for _, secret := range []string{apiKey, sig, tok} {
		require.NotContains(t, err.Error(), secret)
		require.NotContains(t, ae.URL, secret)
		require.NotContains(t, logs.String(), secret)
	}
}

// TestCyclicInputFailsFast: an input that contains itself (twice) is an
// input error, found at once, with nothing sent.
func TestCyclicInputFailsFast(t *testing.T) {
	c, srv := newClient(t)
	m := map[string]any{}
	m["a"], m["b"] = m, m
	s := []any{nil, nil}
	s[0], s[1] = s, s
	for _, in := range []any{m, s} {
		done := make(chan error, 1)
		go func() {
			_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: in})
			done <- err
		}()
		select {
		case err := <-done:
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
		case <-time.After(5 * time.Second):
			t.Fatal("Submit hangs on a cyclic input")
		}
	}
	require.Empty(t, srv.Requests())
}

// slowEndless is a reader that never ends, one KiB per millisecond.
type slowEndless struct{}

func (slowEndless) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	n := min(len(p), 1024)
	for i := range p[:n] {
		p[i] = 'x'
	}
	return n, nil
}

// TestUploadOfEndlessReaderStopsWithContext: spooling a reader of unknown
// size ends when the context does.
func TestUploadOfEndlessReaderStopsWithContext(t *testing.T) {
	c, srv := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := c.Files.Upload(ctx, io.MultiReader(slowEndless{}), infsh.UploadOptions{Filename: "big.bin"})
		done <- err
	}()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.DeadlineExceeded)
	case <-time.After(5 * time.Second):
		t.Fatal("the upload ignores its context while spooling")
	}
	require.Empty(t, srv.Requests())
}

// TestSharedFileUploadedOnce: one File value in two concurrent runs is
// uploaded once, without a data race.
func TestSharedFileUploadedOnce(t *testing.T) {
	c, srv := newClient(t)
	f := infsh.FileFromBytes([]byte("shared"), "s.txt", "")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Tasks.Submit(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: map[string]any{"f": f}})
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, 1, countRequests(srv, "/files"))
	require.NotEmpty(t, f.URI())
}

// chatServer answers POST /agents/run with chat c1 and serves the n-th
// connection of its stream (1-based) with stream; it takes answers to the
// tool invocation inv1. It returns a client for it and a counter of the
// stream connections.
func chatServer(t *testing.T, stream func(n int, w io.Writer)) (*infsh.Client, func() int) {
	t.Helper()
	var streams counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/agents/run":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"user_message":{"id":"m1","chat_id":"c1","role":"user","status":"ready"},`+
				`"assistant_message":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending"}}}`)
		case "/chats/c1/stream":
			n := streams.add()
			w.Header().Set("Content-Type", "application/x-ndjson")
			stream(n, w)
		case "/tools/inv1", "/tools/inv1/invoke", "/tools/inv1/reject":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data":{"id":"inv1","status":"completed"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	c.Tasks.Follow.ReconnectDelay = time.Millisecond
	return c, streams.get
}

// TestChatReconnectBudgetResetsOnProgress: a chat stream that is cut many
// times, but brings something new on every connection, is followed to the
// end; the reconnect bound counts only connections that bring nothing.
func TestChatReconnectBudgetResetsOnProgress(t *testing.T) {
	const cuts = 8
	c, streams := chatServer(t, func(n int, w io.Writer) {
		if n <= cuts { // one new step, then the connection is cut
			fmt.Fprintf(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending","content":[{"type":"text","text":"step %d"}]}}`+"\n", n)
			return
		}
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"done"}]}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"}}`)
	})
	m, err := c.Agents.Template("a/b@1").Reply(context.Background(), "hi", nil)
	require.NoError(t, err)
	require.Equal(t, "done", m.Text())
	require.Equal(t, cuts+1, streams())
}

// TestChatStreamRepeatingItselfIsBounded: a chat stream that repeats the
// same state and is cut, again and again, ends the reply with an error
// after a bounded number of reconnects (repeats are not progress).
func TestChatStreamRepeatingItselfIsBounded(t *testing.T) {
	c, streams := chatServer(t, func(_ int, w io.Writer) {
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending"}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"busy","active_run":{"id":"r1","state":"working"}}}`)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n := 0
	var last error
	for ev, err := range c.Agents.Template("a/b@1").Send(ctx, "hi") {
		if err != nil {
			last = err
			continue
		}
		if ev.Type == infsh.EventChat {
			n++
		}
	}
	require.ErrorContains(t, last, "kept ending")
	require.Equal(t, 1, n, "the repeated chat state is yielded once")
	require.Equal(t, 6, streams())
}

// TestToolHandlerPanicIsAnswered: a Go tool handler that panics answers
// the agent with an error result; the reply goes on.
func TestToolHandlerPanicIsAnswered(t *testing.T) {
	c, srv := newClient(t)
	a := c.Agents.Template(infshtest.AgentTools).HandleTool("add", func(context.Context, infsh.ToolCall) (string, error) {
		panic("handler bug")
	})
	m, err := a.Reply(context.Background(), `add {"a": 1, "b": 2}`, nil)
	require.NoError(t, err)
	require.Contains(t, m.Text(), "error: tool handler panicked: handler bug")
	var answered bool
	for _, r := range srv.Requests() {
		answered = answered || strings.HasPrefix(r.Path, "/tools/")
	}
	require.True(t, answered)
}

// genReader produces n bytes without holding them, counting what was read.
type genReader struct {
	mu      sync.Mutex
	n, read int
}

var pattern = bytes.Repeat([]byte("0123456789abcdef"), 4096)

func (g *genReader) Len() int { g.mu.Lock(); defer g.mu.Unlock(); return g.n - g.read }

func (g *genReader) Read(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.read >= g.n {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), g.n-g.read)], pattern)
	g.read += k
	return k, nil
}

func (g *genReader) consumed() int { g.mu.Lock(); defer g.mu.Unlock(); return g.read }

// TestUploadIsStreamed: the presigned PUT sends the bytes while it reads
// them: when the storage sees the first bytes, most of a 64 MiB body has
// not been read yet.
func TestUploadIsStreamed(t *testing.T) {
	const size = 64 << 20
	src := &genReader{n: size}
	var readAtFirstBytes, got int
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"data":[{"id":"f1","uri":"inf://files/f1","upload_url":%q}]}`, srvURL+"/put/f1")
		case http.MethodPut:
			buf := make([]byte, 1024)
			n, _ := io.ReadFull(r.Body, buf)
			readAtFirstBytes = src.consumed()
			m, _ := io.Copy(io.Discard, r.Body)
			got = n + int(m)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	c, err := infsh.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	_, err = c.Files.Upload(context.Background(), src, infsh.UploadOptions{Filename: "big.bin"})
	require.NoError(t, err)
	require.Equal(t, size, got)
	require.Less(t, readAtFirstBytes, size/2, "the body was read whole before it was sent")
}

// TestPartialChatUpdatesAreMerged: a partial chat update that does not
// touch the status (a rename) does not end the reply; chat and message
// events carry the merged state.
func TestPartialChatUpdatesAreMerged(t *testing.T) {
	c, _ := chatServer(t, func(_ int, w io.Writer) {
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"busy","name":"Chat"}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","name":"Renamed"},"fields":["name"]}`)
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending","content":[{"type":"text","text":"done"}]}}`)
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","status":"ready"},"fields":["status"]}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"},"fields":["status"]}`)
	})
	var chats []infsh.Chat
	var last *infsh.ChatMessage
	for ev, err := range c.Agents.Template("a/b@1").Send(context.Background(), "hi") {
		require.NoError(t, err)
		switch ev.Type {
		case infsh.EventChat:
			chats = append(chats, *ev.Chat)
		case infsh.EventMessage:
			last = ev.Message
		}
	}
	require.NotNil(t, last, "the reply ended before the message")
	require.Equal(t, "ready", last.Status)
	require.Equal(t, "done", last.Text(), "the status update keeps the text")
	require.Len(t, chats, 3)
	require.Equal(t, "busy", chats[1].Status, "the rename keeps the status")
	require.Equal(t, "Renamed", chats[2].Name, "the status change keeps the name")
}

// TestToolArgumentsAsString: tool arguments that arrive JSON-encoded in a
// string (as some model wire formats send them) reach the handler as the
// object.
func TestToolArgumentsAsString(t *testing.T) {
	c, _ := chatServer(t, func(n int, w io.Writer) {
		if n == 1 {
			fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending",`+
				`"tool_invocations":[{"id":"inv1","type":"client","status":"awaiting_input","function":{"name":"add","arguments":"{\"a\":2,\"b\":3}"}}]}}`)
			fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"awaiting_input","active_run":{"id":"r1","state":"input_required"}}}`)
			return
		}
		fmt.Fprintln(w, `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"5"}]}}`)
		fmt.Fprintln(w, `{"event":"chats","data":{"id":"c1","status":"idle"}}`)
	})
	var got json.RawMessage
	a := c.Agents.Template("a/b@1").HandleTool("add", func(_ context.Context, call infsh.ToolCall) (string, error) {
		got = call.Arguments
		return "5", nil
	})
	m, err := a.Reply(context.Background(), "add", nil)
	require.NoError(t, err)
	require.Equal(t, "5", m.Text())
	require.JSONEq(t, `{"a":2,"b":3}`, string(got))
}

// TestApprovalTakenUpLate: after an approval the chat stream may still show
// the waiting state for a moment; the reply follows on until the agent has
// taken the approval up (in the loop and with Resume).
func TestApprovalTakenUpLate(t *testing.T) {
	waitingLines := `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"pending",` +
		`"tool_invocations":[{"id":"inv1","type":"app","status":"awaiting_approval","function":{"name":"delete_file","arguments":{}}}]}}` + "\n" +
		`{"event":"chats","data":{"id":"c1","status":"awaiting_input","active_run":{"id":"r1","state":"input_required"}}}` + "\n"
	doneLines := `{"event":"chat_messages","data":{"id":"m2","chat_id":"c1","role":"assistant","status":"ready","content":[{"type":"text","text":"deleted"}]}}` + "\n" +
		`{"event":"chats","data":{"id":"c1","status":"idle","active_run":{"id":"r1","state":"completed"}}}` + "\n"
	serve := func(n int, w io.Writer) {
		if n <= 3 { // the first stream asks, two more still show the old state
			fmt.Fprint(w, waitingLines)
			return
		}
		fmt.Fprint(w, doneLines)
	}
	t.Run("in the loop", func(t *testing.T) {
		c, streams := chatServer(t, serve)
		m, err := c.Agents.Template("a/b@1").Reply(context.Background(), "delete it", func(infsh.ToolInvocation) bool { return true })
		require.NoError(t, err)
		require.Equal(t, "deleted", m.Text())
		require.Equal(t, 4, streams())
	})
	t.Run("resume", func(t *testing.T) {
		c, _ := chatServer(t, serve)
		a := c.Agents.Template("a/b@1")
		var pending *infsh.ToolInvocation
		for ev, err := range a.Send(context.Background(), "delete it") {
			require.NoError(t, err)
			if ev.Type == infsh.EventApproval {
				pending = ev.ToolCall
			}
		}
		require.NotNil(t, pending)
		require.NoError(t, a.Approve(context.Background(), pending.ID))
		var last *infsh.ChatMessage
		for ev, err := range a.Resume(context.Background()) {
			require.NoError(t, err)
			if ev.Type == infsh.EventMessage {
				last = ev.Message
			}
		}
		require.NotNil(t, last)
		require.Equal(t, "deleted", last.Text())
	})
}

// TestZeroAgentIsAnInputError: an Agent not made by Agents.Template or
// Agents.AdHoc answers every call with an input error instead of a panic.
func TestZeroAgentIsAnInputError(t *testing.T) {
	ctx := context.Background()
	a := &infsh.Agent{}
	var ie *apierror.InputError
	require.NotPanics(t, func() {
		a.HandleTool("x", nil).WithContext(map[string]string{"k": "v"}).Reset()
		for _, err := range a.Send(ctx, "hi") {
			require.ErrorAs(t, err, &ie)
		}
		for _, err := range a.Resume(ctx) {
			require.ErrorAs(t, err, &ie)
		}
		require.ErrorAs(t, a.Approve(ctx, "inv"), &ie)
		require.ErrorAs(t, a.Reject(ctx, "inv", "no"), &ie)
		require.ErrorAs(t, a.SubmitToolResult(ctx, "inv", "r"), &ie)
		_, err := a.Chat(ctx)
		require.ErrorAs(t, err, &ie)
		require.ErrorAs(t, infsh.AgentEvent{}.Approve(ctx), &ie)
	})
}

// TestHandBuiltSessionHandle: a SessionHandle built by hand (its fields are
// exported) answers with an input error instead of a panic.
func TestHandBuiltSessionHandle(t *testing.T) {
	ctx := context.Background()
	h := &infsh.SessionHandle{ID: "sess_1", App: "a/b@1"}
	var ie *apierror.InputError
	require.NotPanics(t, func() {
		_, err := h.Call(ctx, "run", nil)
		require.ErrorAs(t, err, &ie)
		_, err = h.Info(ctx)
		require.ErrorAs(t, err, &ie)
		_, err = h.Keepalive(ctx)
		require.ErrorAs(t, err, &ie)
		require.ErrorAs(t, h.End(ctx), &ie)
	})
}

// TestErrorTextAndJSONForms: the 412 error lists every requirement; a
// status is written as its number; a task read from the API is written
// back with all its members, one made by hand with its main fields.
func TestErrorTextAndJSONForms(t *testing.T) {
	re := &infsh.RequirementsError{Requirements: []infsh.Requirement{
		{Type: "secret", Key: "OPENAI_API_KEY", Message: "Missing secret"}, {Type: "scope", Key: "apps:execute"}}}
	require.Equal(t, "infsh: requirements not met: secret OPENAI_API_KEY (Missing secret); scope apps:execute", re.Error())

	b, err := json.Marshal(infsh.StatusCompleted)
	require.NoError(t, err)
	require.Equal(t, "10", string(b))

	in := `{"id":"t1","status":"completed","output":{"x":1},"extra":[1,2]}`
	var task infsh.Task
	require.NoError(t, json.Unmarshal([]byte(in), &task))
	require.Equal(t, infsh.StatusCompleted, task.Status)
	b, err = json.Marshal(&task)
	require.NoError(t, err)
	require.JSONEq(t, in, string(b))

	b, err = json.Marshal(&infsh.Task{ID: "t2", Status: infsh.StatusFailed, Error: "boom", SessionID: "s"})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"t2","status":11,"error":"boom","session_id":"s"}`, string(b))
}
