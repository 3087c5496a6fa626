package upload

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, []byte("0123456789"), 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Seek(4, io.SeekStart)
	require.NoError(t, err)

	pr, pw := io.Pipe()
	defer pw.Close()

	for _, tc := range []struct {
		name string
		r    io.Reader
		n    int64
		ok   bool
	}{
		{"bytes.Reader", bytes.NewReader([]byte("abc")), 3, true},
		{"strings.Reader", strings.NewReader("abcd"), 4, true},
		{"bytes.Buffer", bytes.NewBufferString("ab"), 2, true},
		{"file after a seek", f, 6, true},
		{"pipe", pr, 0, false},
		{"wrapped reader", io.LimitReader(strings.NewReader("abc"), 2), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := Size(tc.r)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.n, n)
		})
	}
}

func TestSpool(t *testing.T) {
	f, n, cleanup, err := Spool(context.Background(), io.LimitReader(strings.NewReader("hello world"), 5), "upload-test-*")
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	got, err := io.ReadAll(f)
	require.NoError(t, err)
	require.Equal(t, "hello", string(got))
	name := f.Name()
	cleanup()
	_, err = os.Stat(name)
	require.True(t, os.IsNotExist(err), "cleanup removes the file")
}

// endless never ends on its own.
type endless struct{}

func (endless) Read(p []byte) (int, error) { return len(p), nil }

func TestSpoolStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := io.MultiReader(io.LimitReader(endless{}, 1<<20), readerFunc(func(p []byte) (int, error) {
		cancel()
		return copy(p, "x"), nil
	}), endless{})
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "upload-cancel-*"))
	_, _, _, err := Spool(ctx, r, "upload-cancel-*")
	require.ErrorIs(t, err, context.Canceled)
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "upload-cancel-*"))
	require.Equal(t, len(before), len(after), "nothing is left on disk")
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
