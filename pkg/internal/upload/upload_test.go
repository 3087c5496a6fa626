package upload

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// TestSpoolReturnsWhileReadIsBlocked: a Read of the caller's reader that
// never returns does not hold Spool past the end of its context, and the
// abandoned Read's goroutine neither writes the (removed) file nor reads
// again once the reader is unblocked.
func TestSpoolReturnsWhileReadIsBlocked(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte("some bytes")) }()
	r := &stallingReader{r: pr, second: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "upload-stall-*"))
	go func() {
		_, _, _, err := Spool(ctx, r, "upload-stall-*")
		done <- err
	}()
	<-r.second // the spool has read the head; its second Read blocks
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second): // a watchdog, not a timing assertion
		_ = pw.CloseWithError(errors.New("test gave up"))
		<-done
		t.Fatal("Spool stayed blocked in a Read after its context ended")
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "upload-stall-*"))
	require.Equal(t, len(before), len(after), "nothing is left on disk")

	// The abandoned Read takes the next write; then its goroutine ends
	// without reading again.
	_, err := pw.Write([]byte("late"))
	require.NoError(t, err)
	goleak.VerifyNone(t)
	require.EqualValues(t, 2, r.reads.Load(), "the reader is not read after the abandoned Read")
}

// stallingReader counts the Reads of r and closes second when the second
// one starts.
type stallingReader struct {
	r      io.Reader
	reads  atomic.Int32
	second chan struct{}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.reads.Add(1) == 2 {
		close(s.second)
	}
	return s.r.Read(p)
}

// TestCopyReturnsWriteError: a failing writer ends the copy with its error
// and the reading goroutine stops.
func TestCopyReturnsWriteError(t *testing.T) {
	boom := errors.New("disk full")
	n, err := Copy(context.Background(), writerFunc(func(p []byte) (int, error) { return 0, boom }), strings.NewReader("abc"))
	require.ErrorIs(t, err, boom)
	require.Zero(t, n)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
