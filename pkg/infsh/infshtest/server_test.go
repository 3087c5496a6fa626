package infshtest_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
