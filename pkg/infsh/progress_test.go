package infsh_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/upload/progresstest"
)

// TestUploadProgress: Files.Upload and Files.UploadFile report the PUT's
// bytes up to the file's size (a reader of unknown size is spooled first,
// so the total is known); empty content gives one report.
func TestUploadProgress(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	data := bytes.Repeat([]byte("abcdefgh"), 1<<17) // 1 MiB
	path := filepath.Join(t.TempDir(), "disk.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	for _, tc := range []struct {
		name   string
		upload func(rec *progresstest.Recorder) (*infsh.UploadedFile, error)
		size   int
	}{
		{"reader", func(rec *progresstest.Recorder) (*infsh.UploadedFile, error) {
			return c.Files.Upload(ctx, bytes.NewReader(data), infsh.UploadOptions{Filename: "reader"}, rec.Option())
		}, len(data)},
		{"spooled", func(rec *progresstest.Recorder) (*infsh.UploadedFile, error) {
			return c.Files.Upload(ctx, io.MultiReader(bytes.NewReader(data)), infsh.UploadOptions{Filename: "spooled"}, rec.Option())
		}, len(data)},
		{"empty", func(rec *progresstest.Recorder) (*infsh.UploadedFile, error) {
			return c.Files.Upload(ctx, bytes.NewReader(nil), infsh.UploadOptions{Filename: "empty"}, rec.Option())
		}, 0},
		{"disk.bin", func(rec *progresstest.Recorder) (*infsh.UploadedFile, error) {
			return c.Files.UploadFile(ctx, path, infsh.UploadOptions{}, rec.Option())
		}, len(data)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := progresstest.New()
			up, err := tc.upload(rec)
			require.NoError(t, err)
			got, err := srv.FileContent(up.ID)
			require.NoError(t, err)
			require.Len(t, got, tc.size)
			rec.Check(t, tc.name, int64(tc.size), int64(tc.size))
		})
	}
}

// TestUploadProgressRestartsOnRetry: a PUT retried after a 503 reports its
// second attempt from 0, and that attempt ends the reports.
func TestUploadProgressRestartsOnRetry(t *testing.T) {
	c, srv := newClient(t)
	srv.InjectFault(emulator.Fault{Method: "PUT", Nth: 1, Status: 503})
	data := bytes.Repeat([]byte("r"), 100_000)
	rec := progresstest.New()
	_, err := c.Files.Upload(context.Background(), bytes.NewReader(data), infsh.UploadOptions{Filename: "retry.bin"}, rec.Option())
	require.NoError(t, err)
	rec.Check(t, "retry.bin", int64(len(data)), int64(len(data)))
	got := rec.Reports()
	require.Equal(t, 2, got[len(got)-1].Attempt)
}

// TestRunFilesProgress: a *File of a run's input is uploaded with the
// run's progress option, reported under its own name.
func TestRunFilesProgress(t *testing.T) {
	c, _ := newClient(t)
	rec := progresstest.New()
	_, err := c.Tasks.Submit(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: map[string]any{
		"a": infsh.FileFromBytes([]byte("first"), "a.txt", ""),
	}}, rec.Option())
	require.NoError(t, err)
	rec.Check(t, "a.txt", 5, 5)
}
