package infshtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

// uploadURL creates a file record and returns its upload URL.
func uploadURL(t *testing.T, srv *infshtest.Server, record string) string {
	t.Helper()
	resp, b := do(t, srv, "POST", "/files", `{"files":[`+record+`]}`)
	require.Equal(t, 200, resp.StatusCode, string(b))
	var env struct {
		Data []struct {
			UploadURL string `json:"upload_url"`
		}
	}
	require.NoError(t, json.Unmarshal(b, &env))
	return env.Data[0].UploadURL
}

// put sends body to url without credentials; size -1 sends it chunked.
func put(t *testing.T, url, contentType, body string, size int64) int {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if size < 0 {
		rd = io.MultiReader(rd) // hides the length: chunked
	}
	req, err := http.NewRequest("PUT", url, rd)
	require.NoError(t, err)
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestUploadRules: the presigned PUT is held to what storage checks: the
// declared content type and size, a Content-Length, one use per URL.
func TestUploadRules(t *testing.T) {
	srv := infshtest.NewServer(t)
	const rec = `{"uri":"","filename":"a.txt","content_type":"text/plain","size":5}`
	for _, tc := range []struct {
		name, contentType, body string
		size                    int64
		want                    int
	}{
		{"other content type", "image/png", "hello", 5, http.StatusForbidden},
		{"other size", "text/plain", "hello!", 6, http.StatusBadRequest},
		{"chunked", "text/plain", "hello", -1, http.StatusLengthRequired},
		{"as declared (parameters ignored)", "text/plain; charset=utf-8", "hello", 5, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, put(t, uploadURL(t, srv, rec), tc.contentType, tc.body, tc.size))
		})
	}
	url := uploadURL(t, srv, rec)
	require.Equal(t, http.StatusOK, put(t, url, "text/plain", "hello", 5))
	require.Equal(t, http.StatusNotFound, put(t, url, "text/plain", "hello", 5), "a URL is used once")
	require.Empty(t, srv.Violations())
}
