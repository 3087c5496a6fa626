package infsh_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/stalltest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestUploadTwoStepsWithoutKey(t *testing.T) {
	content := []byte("hello, uploaded world")
	for _, tc := range []struct {
		name string
		r    func() io.Reader
	}{
		{"bytes reader", func() io.Reader { return bytes.NewReader(content) }},
		{"unknown size (spooled)", func() io.Reader {
			pr, pw := io.Pipe()
			go func() { _, _ = pw.Write(content); _ = pw.Close() }()
			return pr
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv := newClient(t)
			up, err := c.Files.Upload(context.Background(), tc.r(), infsh.UploadOptions{Filename: "hello.txt"})
			require.NoError(t, err)
			require.NotEmpty(t, up.URI)
			require.Equal(t, "text/plain; charset=utf-8", up.ContentType)
			got, err := srv.FileContent(up.URI)
			require.NoError(t, err)
			require.Equal(t, content, got)
			var put bool
			for _, r := range srv.Requests() {
				if r.Method == "PUT" {
					put = true
					require.Empty(t, r.Header.Get("Authorization"), "the presigned PUT must not carry the API key")
					require.Equal(t, "text/plain; charset=utf-8", r.Header.Get("Content-Type"))
				}
			}
			require.True(t, put)
		})
	}
}

func TestFileValuesInInput(t *testing.T) {
	c, srv := newClient(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "doc.md")
	require.NoError(t, os.WriteFile(path, []byte("# from disk"), 0o600))
	type nested struct {
		Doc  *infsh.File `json:"file"`
		Note string      `json:"note"`
	}
	for _, tc := range []struct {
		name  string
		input any
		want  []byte
	}{
		{"bytes in a map", map[string]any{"file": infsh.FileFromBytes([]byte("raw bytes"), "a.bin", "")}, []byte("raw bytes")},
		{"path in a struct", nested{Doc: infsh.FileFromPath(path), Note: "doc.md from disk"}, []byte("# from disk")},
		{"reader in a pointer", &nested{Doc: infsh.FileFromReader(strings.NewReader("streamed"), "s.txt", "text/plain")}, []byte("streamed")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppReadFile, Input: tc.input}, infsh.WaitOptions{})
			require.NoError(t, err)
			var out struct {
				Size   int
				SHA256 string
			}
			require.NoError(t, task.DecodeOutput(&out))
			require.Equal(t, len(tc.want), out.Size)
			require.Equal(t, sha(tc.want), out.SHA256)
		})
	}
	// A plain string that names a local file is refused (TestLocalPathInInput);
	// with the check off it is sent as it is, never read from disk.
	srv.ResetRequests()
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: map[string]any{"p": path, "b64": "abcdefghijklmnop"}}, infsh.WaitOptions{},
		infsh.WithLocalPathCheck(false))
	require.NoError(t, err)
	require.JSONEq(t, `{"p":"`+path+`","b64":"abcdefghijklmnop"}`, string(task.Output))
	for _, r := range srv.Requests() {
		require.NotEqual(t, "/files", r.Path, "no upload for plain strings")
	}
}

func TestFileErrors(t *testing.T) {
	c, srv := newClient(t)
	_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{App: infshtest.AppEcho,
		Input: map[string]any{"f": infsh.FileFromPath(filepath.Join(t.TempDir(), "missing"))}})
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	_, err = c.Files.Upload(context.Background(), nil, infsh.UploadOptions{})
	require.ErrorAs(t, err, &ie)
	_, err = (&infsh.File{}).MarshalJSON()
	require.Error(t, err)
	require.Empty(t, srv.Requests())
}

func TestUploadEmptyAndLarge(t *testing.T) {
	c, srv := newClient(t)
	for _, size := range []int{0, 3 << 20} {
		data := bytes.Repeat([]byte{'x'}, size)
		up, err := c.Files.Upload(context.Background(), bytes.NewReader(data), infsh.UploadOptions{Filename: "f.bin"})
		require.NoError(t, err, size)
		got, err := srv.FileContent(up.ID)
		require.NoError(t, err)
		require.Equal(t, size, len(got))
		require.Equal(t, "application/octet-stream", up.ContentType)
	}
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

// TestUploadReturnsWhileReaderStalls: a reader of unknown size whose Read
// blocks (a pipe nobody writes to) does not keep Upload past the end of its
// context, and no request is sent. The abandoned Read ends when the pipe is
// closed (goleak checks it).
func TestUploadReturnsWhileReaderStalls(t *testing.T) {
	c, srv := newClient(t)
	r := stalltest.New(t, []byte("head"))
	stalltest.ReturnsOnCancel(t, r, "Upload", func(ctx context.Context) error {
		_, err := c.Files.Upload(ctx, r, infsh.UploadOptions{Filename: "stalled.bin"})
		return err
	})
	require.Empty(t, srv.Requests())
}

func TestUploadFileFromPath(t *testing.T) {
	c, srv := newClient(t)
	dir := t.TempDir()
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 100)...)
	for _, tc := range []struct {
		name, file string
		content    []byte
		wantType   string
	}{
		{"type from the extension", "notes.md", []byte("# notes"), "text/markdown; charset=utf-8"},
		{"type from the content", "image.bin", png, "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.file)
			require.NoError(t, os.WriteFile(path, tc.content, 0o600))
			up, err := c.Files.UploadFile(context.Background(), path, infsh.UploadOptions{})
			require.NoError(t, err)
			require.Equal(t, tc.file, up.Filename)
			require.Equal(t, tc.wantType, up.ContentType)
			require.EqualValues(t, len(tc.content), up.Size)
			got, err := srv.FileContent(up.URI)
			require.NoError(t, err)
			require.Equal(t, tc.content, got)
		})
	}

	_, err := c.Files.UploadFile(context.Background(), filepath.Join(dir, "missing.txt"), infsh.UploadOptions{})
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "file path", ie.Field)
	_, err = c.Files.UploadFile(context.Background(), dir, infsh.UploadOptions{})
	require.ErrorAs(t, err, &ie, "a directory is refused before any request")
}
