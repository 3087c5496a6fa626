package stream

import (
	"context"
	"io"
	"iter"
	"sync"
)

// FromSeq returns a Stream over the items of seq, for streams a service
// assembles from more than one response (a follower that reconnects, or
// falls back to polling). It has the same surface as every other Stream:
// Next/Current/Err/Close and All. The first error seq yields ends the
// stream with that error.
//
// cancel, if not nil, is called by Close (from any goroutine) so that a
// seq blocked on I/O under the matching context returns; seq is then
// stopped once it has. Options are not taken: seq applies its own limits.
func FromSeq[T any](seq iter.Seq2[T, error], cancel context.CancelFunc) *Stream[T] {
	next, stop := iter.Pull2(seq)
	p := &puller[T]{next: next, stop: stop, cancel: cancel}
	return &Stream[T]{pull: p, body: p}
}

// puller adapts iter.Pull2 to the Stream: its Close (the Stream's body
// close) cancels the sequence's context and stops the sequence, but never
// while a pull is running in another goroutine (iter.Pull2 forbids that);
// then the pull's own return stops it.
type puller[T any] struct {
	next   func() (T, error, bool)
	stop   func()
	cancel context.CancelFunc

	mu      sync.Mutex
	busy    bool
	closed  bool
	stopped bool
}

// pull returns the next item; ok is false at the end.
func (p *puller[T]) pull() (v T, err error, ok bool) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return v, nil, false
	}
	p.busy = true
	p.mu.Unlock()
	v, err, ok = p.next()
	p.mu.Lock()
	p.busy = false
	closed := p.closed
	p.mu.Unlock()
	if closed {
		p.halt()
		var zero T
		return zero, nil, false
	}
	return v, err, ok
}

// Read is never called: the puller stands in the Stream's body only to be closed.
func (p *puller[T]) Read([]byte) (int, error) { return 0, io.EOF }

// Close cancels and, unless a pull is running, stops the sequence. It marks
// the puller closed before cancelling: a pull that the cancellation wakes
// must see it closed, or it would hand the sequence's context error to the
// caller who closed the stream.
func (p *puller[T]) Close() error {
	p.mu.Lock()
	p.closed = true
	busy := p.busy
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	if !busy {
		p.halt()
	}
	return nil
}

func (p *puller[T]) halt() {
	p.mu.Lock()
	done := p.stopped
	p.stopped = true
	p.mu.Unlock()
	if !done {
		p.stop()
		if p.cancel != nil {
			p.cancel()
		}
	}
}
