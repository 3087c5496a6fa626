package infshtest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

func do(t *testing.T, srv *infshtest.Server, method, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+srv.APIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestTaskLifecycleStream(t *testing.T) {
	for _, accept := range []string{"application/x-ndjson", "text/event-stream"} {
		t.Run(accept, func(t *testing.T) {
			srv := infshtest.NewServer(t)
			resp, b := do(t, srv, "POST", "/apps/run", `{"app":"infsh/slow@v1","input":{"steps":2}}`)
			require.Equal(t, 200, resp.StatusCode, string(b))
			var env struct {
				Success bool
				Data    struct {
					ID     string
					Status int
				}
			}
			require.NoError(t, json.Unmarshal(b, &env))
			require.True(t, env.Success)
			require.Equal(t, 1, env.Data.Status)

			req, _ := http.NewRequest("GET", srv.URL+"/tasks/"+env.Data.ID+"/stream", nil)
			req.Header.Set("Authorization", "Bearer "+srv.APIKey)
			req.Header.Set("Accept", accept)
			sresp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer sresp.Body.Close()
			var statuses []int
			sc := bufio.NewScanner(sresp.Body)
			for sc.Scan() {
				line := sc.Text()
				if accept == "text/event-stream" {
					var ok bool
					if line, ok = strings.CutPrefix(line, "data: "); !ok {
						continue
					}
				}
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &m))
				if d, ok := m["data"].(map[string]any); ok {
					m = d
				}
				if st, ok := m["status"].(float64); ok && (len(statuses) == 0 || statuses[len(statuses)-1] != int(st)) {
					statuses = append(statuses, int(st))
				}
			}
			// The stream starts from the task's state when it connects, then
			// shows every step in order.
			seq := []int{1, 2, 3, 4, 5, 6, 7, 9, 10}
			require.NotEmpty(t, statuses)
			i := 0
			for i < len(seq) && seq[i] != statuses[0] {
				i++
			}
			require.Equal(t, seq[i:], statuses)

			_, b = do(t, srv, "GET", "/tasks/"+env.Data.ID, "")
			var full struct {
				Data struct{ Events []struct{ Status int } }
			}
			require.NoError(t, json.Unmarshal(b, &full))
			var evs []int
			for _, e := range full.Data.Events {
				evs = append(evs, e.Status)
			}
			require.Equal(t, seq, evs)
			require.Empty(t, srv.Violations())
		})
	}
}

func TestUploadRejectsAPIKey(t *testing.T) {
	srv := infshtest.NewServer(t)
	resp, b := do(t, srv, "POST", "/files", `{"files":[{"uri":"","filename":"a.txt","content_type":"text/plain","size":5}]}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var env struct {
		Data []struct {
			URI       string `json:"uri"`
			UploadURL string `json:"upload_url"`
		}
	}
	require.NoError(t, json.Unmarshal(b, &env))
	up := strings.TrimPrefix(env.Data[0].UploadURL, srv.URL)

	resp, b = do(t, srv, "PUT", up, "hello", "Content-Type", "text/plain") // do() adds the API key
	require.Equal(t, http.StatusForbidden, resp.StatusCode, string(b))

	req, _ := http.NewRequest("PUT", env.Data[0].UploadURL, strings.NewReader("hello"))
	req.Header.Set("Content-Type", "text/plain")
	presp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	presp.Body.Close()
	require.Equal(t, 200, presp.StatusCode)
	require.Empty(t, srv.Violations())
}

func TestCustomAppAndWait(t *testing.T) {
	srv := infshtest.NewServer(t, infshtest.WithApp("me/upper", infshtest.App{
		Run: func(_ context.Context, r *infshtest.Run) (any, error) {
			s, _ := r.InputMap()["s"].(string)
			return map[string]any{"s": strings.ToUpper(s), "fn": r.Function}, nil
		},
	}))
	resp, b := do(t, srv, "POST", "/apps/run", `{"app":"me/upper@v1:shout","input":{"s":"hi"},"wait":true}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	require.Contains(t, string(b), `"status":10`)
	require.Contains(t, string(b), `"output":{"fn":"shout","s":"HI"}`)

	resp, b = do(t, srv, "POST", "/apps/run", `{"app":"infsh/fail","input":{},"wait":true}`)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, string(b))
	require.Contains(t, string(b), "app failed on purpose")
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	require.Empty(t, srv.Violations())
}

func TestAuthAndFormats(t *testing.T) {
	srv := infshtest.NewServer(t, infshtest.WithFormat(infshtest.FormatV3),
		infshtest.WithEmulatorOptions(emukit.WithValidateResponses(false)))
	req, _ := http.NewRequest("GET", srv.URL+"/sessions", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	_, b := do(t, srv, "GET", "/sessions", "")
	require.JSONEq(t, `{"data":[],"messages":[]}`, string(b))
	_, b = do(t, srv, "GET", "/sessions", "", "X-API-Version", "2")
	require.JSONEq(t, `[]`, string(b))
}

func TestHeartbeatsAndAgentRunStream(t *testing.T) {
	srv := infshtest.NewServer(t, infshtest.WithHeartbeat(5*time.Millisecond),
		infshtest.WithModel(func(turn infshtest.ModelTurn) infshtest.ModelStep {
			time.Sleep(30 * time.Millisecond) // long enough for heartbeats
			return infshtest.ModelStep{Text: "done: " + turn.Messages[len(turn.Messages)-1].Text}
		}))
	resp, b := do(t, srv, "POST", "/agents/run", `{"chat_id":null,"agent":"infsh/assistant","input":{"text":"hi"},"stream":true}`,
		"Accept", "application/x-ndjson")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/x-ndjson", resp.Header.Get("Content-Type"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Contains(t, lines, `{"type":"heartbeat"}`)
	var last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	require.Equal(t, "ready", last["status"])
	require.Equal(t, "assistant", last["role"])
	require.Empty(t, srv.Violations())
}

func TestChatStreamSSE(t *testing.T) {
	srv := infshtest.NewServer(t)
	_, b := do(t, srv, "POST", "/agents/run", `{"agent":"infsh/assistant","input":{"text":"hi"}}`)
	var env struct {
		Data struct {
			AssistantMessage struct {
				ChatID string `json:"chat_id"`
			} `json:"assistant_message"`
		}
	}
	require.NoError(t, json.Unmarshal(b, &env))
	resp, b := do(t, srv, "GET", "/chats/"+env.Data.AssistantMessage.ChatID+"/stream", "", "Accept", "text/event-stream")
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	require.Contains(t, string(b), "event: chats\n")
	require.Contains(t, string(b), "You said: hi")
	require.Empty(t, srv.Violations())
}

// TestKeysAppsAndSessionDefaults: WithAPIKey and WithAnyAPIKey choose the
// accepted keys; WithoutBuiltinApps leaves only the apps and agents given;
// WithDefaultSessionTimeout sets the idle timeout of new sessions.
func TestKeysAppsAndSessionDefaults(t *testing.T) {
	srv := infshtest.NewServer(t, infshtest.WithAPIKey("inf_other"))
	require.Equal(t, "inf_other", srv.APIKey)
	resp, _ := do(t, srv, "GET", "/sessions", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = do(t, srv, "GET", "/sessions", "", "Authorization", "Bearer inf_test_key")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	srv = infshtest.NewServer(t, infshtest.WithAnyAPIKey())
	resp, _ = do(t, srv, "GET", "/sessions", "", "Authorization", "Bearer anything")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = do(t, srv, "GET", "/sessions", "", "Authorization", "Bearer ")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	srv = infshtest.NewServer(t, infshtest.WithoutBuiltinApps(),
		infshtest.WithApp(infshtest.AppSessionTest, infshtest.App{}),
		infshtest.WithAgent("me/agent", infshtest.AgentTemplate{Config: infsh.AgentConfig{
			CoreApp: infsh.CoreApp{Ref: "x/llm@1"}}}),
		infshtest.WithDefaultSessionTimeout(7*time.Second))
	resp, b := do(t, srv, "POST", "/apps/run", `{"app":"infsh/echo","input":{}}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, string(b))
	resp, b = do(t, srv, "POST", "/agents/run", `{"chat_id":null,"agent":"infsh/assistant","input":{"text":"hi"}}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, string(b))
	resp, b = do(t, srv, "POST", "/agents/run", `{"chat_id":null,"agent":"me/agent@1","input":{"text":"hi"}}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	resp, b = do(t, srv, "POST", "/apps/run", `{"app":"infsh/session-test","input":{},"session":"new"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	_, b = do(t, srv, "GET", "/sessions", "")
	require.Contains(t, string(b), `"idle_timeout":7`)
	require.Empty(t, srv.Violations())
}
