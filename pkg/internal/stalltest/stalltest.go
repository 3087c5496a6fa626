// Package stalltest helps tests check that a call gives up when its context
// ends even while it is blocked reading a caller's reader.
package stalltest

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// Reader returns data, then blocks in Read until the test ends (or Close).
// Stalled is closed when a Read starts with all of data consumed: that Read
// is the one that blocks.
type Reader struct {
	pr      *io.PipeReader
	pw      *io.PipeWriter
	want    int
	got     int
	once    sync.Once
	Stalled chan struct{}
}

// New returns a Reader that yields data and then stalls; it is unblocked
// when the test ends.
func New(t testing.TB, data []byte) *Reader {
	pr, pw := io.Pipe()
	r := &Reader{pr: pr, pw: pw, want: len(data), Stalled: make(chan struct{})}
	go func() { _, _ = pw.Write(data) }()
	t.Cleanup(func() { _ = pw.Close() })
	return r
}

// Read reads from the pipe, marking Stalled before the Read that blocks.
func (r *Reader) Read(p []byte) (int, error) {
	if r.got >= r.want {
		r.once.Do(func() { close(r.Stalled) })
	}
	n, err := r.pr.Read(p)
	r.got += n
	return n, err
}

// Close unblocks a pending Read (it returns io.EOF).
func (r *Reader) Close() error { return r.pw.Close() }

// ReturnsOnCancel runs call with a context that is cancelled once r's
// blocking Read has started, and fails the test unless call returns
// context.Canceled. The 10 s wait is a watchdog, not a timing assertion:
// after it r is closed and the test fails naming what.
func ReturnsOnCancel(t testing.TB, r *Reader, what string, call func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	<-r.Stalled
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s returned %v, want context.Canceled", what, err)
		}
	case <-time.After(10 * time.Second):
		_ = r.Close()
		<-done
		t.Fatalf("%s stayed blocked in a Read after its context ended", what)
	}
}
