package infsh_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/infsh/infshtest"
)

// TestLocalPathInInput: a string that names a local file, or clearly has
// the form of a local path, is refused before anything is sent, with its
// JSON path and the fix; no upload or run request is made.
func TestLocalPathInInput(t *testing.T) {
	c, srv := newClient(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "photo.png")
	require.NoError(t, os.WriteFile(existing, []byte("png"), 0o600))
	type input struct {
		Prompt string   `json:"prompt"`
		Images []string `json:"images"`
	}
	for _, tc := range []struct {
		name   string
		p      infsh.RunParams
		field  string
		path   string
		exists bool
	}{
		{"existing file", infsh.RunParams{Input: map[string]any{"image": existing, "prompt": "a cat"}}, "input.image", existing, true},
		{"dot slash in a struct's list", infsh.RunParams{Input: input{Prompt: "x", Images: []string{"https://example.com/a.png", "./b.png"}}}, "input.images[1]", "./b.png", false},
		{"home, key with a space", infsh.RunParams{Input: map[string]any{"my file": "~/voice.wav"}}, `input["my file"]`, "~/voice.wav", false},
		{"absolute in setup", infsh.RunParams{Input: map[string]any{}, Setup: map[string]any{"weights": filepath.Join(dir, "w.safetensors")}}, "setup.weights", filepath.Join(dir, "w.safetensors"), false},
		{"file URL", infsh.RunParams{Input: map[string]any{"audio": "file://" + existing}}, "input.audio", "file://" + existing, true},
		{"drive letter", infsh.RunParams{Input: map[string]any{"doc": `C:\Users\me\a.pdf`}}, "input.doc", `C:\Users\me\a.pdf`, false},
		{"relative existing", infsh.RunParams{Input: []any{map[string]any{"f": "localpath_test.go"}}}, "input[0].f", "localpath_test.go", true},
		{"next to a File", infsh.RunParams{Input: map[string]any{"a": infsh.FileFromBytes([]byte("x"), "x.txt", ""), "b": "../clip.mp4"}}, "input.b", "../clip.mp4", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			tc.p.App = infshtest.AppEcho
			_, err := c.Tasks.Submit(context.Background(), tc.p)
			var le *infsh.LocalPathError
			require.ErrorAs(t, err, &le)
			require.Equal(t, tc.field, le.Field)
			require.Equal(t, tc.path, le.Path)
			require.Equal(t, tc.exists, le.Exists)
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.field, ie.Field)
			require.Contains(t, err.Error(), tc.field)
			require.Contains(t, err.Error(), "client.Files.UploadFile(ctx, ")
			require.Contains(t, err.Error(), "infsh.FileFromPath(")
			for _, r := range srv.Requests() {
				require.NotEqual(t, "/apps/run", r.Path, "the run must not be sent")
			}
		})
	}

	// Sessions go through the same check.
	_, _, err := c.Sessions.Start(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Session: infsh.SessionNew,
		Input: map[string]any{"image": existing}}, infsh.WaitOptions{})
	require.True(t, errors.As(err, new(*infsh.LocalPathError)), "%v", err)
}

// TestTextIsNotALocalPath: URLs, URIs, data URIs and ordinary text go out
// as they are.
func TestTextIsNotALocalPath(t *testing.T) {
	c, _ := newClient(t)
	in := map[string]any{
		"url":      "https://example.com/a.png",
		"inf":      "inf://files/abc/a.png",
		"data":     "data:image/png;base64,iVBORw0KGgo=",
		"s3":       "s3://bucket/key.wav",
		"proto":    "//cdn.example.com/a.png",
		"text":     "hello world",
		"sentence": "/imagine a cat on a mat.png",
		"command":  "/help",
		"nodir":    "/no-such-dir-here/a.png",
		"relative": "images/not-here.png",
		"fraction": "1/2",
		"lines":    "./a.png\nand more text",
		"ratio":    "3.5",
		"mail":     "mailto:me@example.com",
		"empty":    "",
		"list":     []any{"a", "b/c", 42.0, true, nil},
	}
	task, err := c.Tasks.Run(context.Background(), infsh.RunParams{App: infshtest.AppEcho, Input: in}, infsh.WaitOptions{})
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, task.DecodeOutput(&out))
	require.Equal(t, in, out)
}
