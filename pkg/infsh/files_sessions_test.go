package infsh_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
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
		{"path in a struct", nested{Doc: infsh.FileFromPath(path), Note: path}, []byte("# from disk")},
		{"reader in a pointer", &nested{Doc: infsh.FileFromReader(strings.NewReader("streamed"), "s.txt", "text/plain")}, []byte("streamed")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppReadFile, Input: tc.input})
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
	// A plain string that names a local file is sent as it is.
	srv.ResetRequests()
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: map[string]any{"p": path, "b64": "abcdefghijklmnop"}})
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

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func TestSessions(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, _ := newClient(t, infshtest.WithClock(clock.Now))
	ctx := context.Background()

	h, first, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest + "@latest", Function: "set_value",
		Input: map[string]any{"key": "a", "value": "1"}, SessionTimeout: 30 * time.Second})
	require.NoError(t, err)
	require.NotEqual(t, "new", first.SessionID)
	require.Equal(t, first.SessionID, h.ID)

	got, err := h.Call(ctx, "get_value", map[string]any{"key": "a"})
	require.NoError(t, err)
	require.JSONEq(t, `{"key":"a","value":"1"}`, string(got.Output))

	info, err := h.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, "active", info.Status)
	require.Equal(t, 2, info.CallCount)
	require.Equal(t, 30, info.IdleTimeout)

	list, err := c.Sessions.List(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)

	clock.Add(20 * time.Second)
	ka, err := h.Keepalive(ctx)
	require.NoError(t, err)
	require.Equal(t, clock.Now().Add(30*time.Second), ka.ExpiresAt)
	clock.Add(20 * time.Second) // within the renewed timeout
	_, err = h.Call(ctx, "increment", map[string]any{"key": "n"})
	require.NoError(t, err)

	clock.Add(31 * time.Second)
	_, err = h.Call(ctx, "get_all", nil)
	require.ErrorIs(t, err, infsh.ErrSessionExpired)
	_, err = h.Keepalive(ctx)
	require.ErrorIs(t, err, infsh.ErrSessionExpired)
	var se *infsh.SessionError
	require.ErrorAs(t, err, &se)
	require.Equal(t, h.ID, se.SessionID)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 410, ae.StatusCode)

	_, err = c.Sessions.Get(ctx, "sess_nope")
	require.ErrorIs(t, err, infsh.ErrSessionNotFound)
}

func TestSessionEndAndLease(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	h, _, err := c.Sessions.Start(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "increment", Input: map[string]any{"key": "n"}})
	require.NoError(t, err)

	// While a call holds the worker, another call is refused.
	slow, err := c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "get_all", Session: h.ID})
	require.NoError(t, err)
	_, err = c.Tasks.Submit(ctx, infsh.RunParams{App: infshtest.AppSessionTest, Function: "get_all", Session: h.ID})
	require.ErrorIs(t, err, infsh.ErrWorkerLeased)
	_, err = c.Tasks.Wait(ctx, slow.ID)
	require.NoError(t, err)

	require.NoError(t, h.End(ctx))
	_, err = h.Call(ctx, "get_all", nil)
	require.ErrorIs(t, err, infsh.ErrSessionEnded)
	require.ErrorIs(t, h.End(ctx), infsh.ErrSessionEnded)
	info, err := h.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, "ended", info.Status)
}
