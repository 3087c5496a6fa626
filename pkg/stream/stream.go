// Package stream decodes streaming HTTP responses — Server-Sent Events and
// newline-delimited JSON — into typed items.
//
// A service builds a Stream from a response body and a DecodeFunc that turns
// one Event into one item (or into an error, for error payloads inside a 200
// stream). Users then read it either with Next/Current/Err:
//
//	for s.Next() {
//		use(s.Current())
//	}
//	if err := s.Err(); err != nil { ... }
//	s.Close()
//
// or with range-over-func:
//
//	for item, err := range s.All() {
//		if err != nil { ... }
//		use(item)
//	}
//
// An event whose data is "[DONE]" (the OpenAI-style terminator; for NDJSON a
// bare "[DONE]" line) ends the stream cleanly without reaching the DecodeFunc.
//
// The body is closed on every exit path: end of input, "[DONE]", a decoding
// or size error, an idle timeout, a break out of All, a panicking DecodeFunc,
// or Close. No goroutine outlives the stream.
package stream

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"sync"
	"sync/atomic"
	"time"
)

// DecodeFunc turns one event into one item. It returns ErrSkip to drop the
// event (heartbeats), ErrDone to end the stream cleanly, and any other error
// to end the stream with that error (services turn `{"error": …}` payloads
// into their API error this way). ev.Data is only valid during the call: copy
// it to keep it.
type DecodeFunc[T any] func(ev Event) (T, error)

// Options configures a Stream. Use the With… functions to set it.
type Options struct {
	// MaxEventSize bounds one event for the decoders built by NewSSE and
	// NewNDJSON; <= 0 means DefaultMaxEventSize. New ignores it: the given
	// Decoder has its own limit.
	MaxEventSize int
	// IdleTimeout ends the stream with *IdleTimeoutError when no item is
	// yielded for this long while Next waits; 0 means no idle timeout.
	IdleTimeout time.Duration
}

// Option sets a field of Options.
type Option func(*Options)

// WithMaxEventSize sets the largest event accepted, in bytes (default 16 MiB).
// A larger event ends the stream with *EventTooLargeError.
func WithMaxEventSize(n int) Option {
	return func(o *Options) { o.MaxEventSize = n }
}

// WithIdleTimeout ends the stream with *IdleTimeoutError when no item is
// yielded for d while Next is waiting for one. Keep-alive comments and events
// dropped with ErrSkip do not reset it; time the caller spends between calls
// to Next is not counted. It works by closing the body, so the body's Close
// must unblock a pending Read (true for *http.Response bodies). d <= 0
// disables it.
func WithIdleTimeout(d time.Duration) Option {
	return func(o *Options) { o.IdleTimeout = d }
}

// Stream is a typed sequence of items decoded from a streaming body. It is
// meant to be read by one goroutine; Close may be called from any goroutine to
// abort a blocked read.
type Stream[T any] struct {
	body   io.ReadCloser
	dec    Decoder
	decode DecodeFunc[T]
	pull   interface {
		pull() (T, error, bool)
	} // FromSeq streams: items come from here, not from dec
	cur  T
	err  error
	done bool

	idle     time.Duration
	timer    *time.Timer
	timedOut atomic.Bool
	closed   atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// NewSSE returns a Stream decoding body as text/event-stream (see
// NewSSEDecoder for the rules) with decode applied to each event.
func NewSSE[T any](body io.ReadCloser, decode DecodeFunc[T], opts ...Option) *Stream[T] {
	o := buildOptions(opts)
	return newStream(body, NewSSEDecoder(body, o.MaxEventSize), decode, o)
}

// NewNDJSON returns a Stream decoding body as newline-delimited JSON (see
// NewNDJSONDecoder) with decode applied to each line.
func NewNDJSON[T any](body io.ReadCloser, decode DecodeFunc[T], opts ...Option) *Stream[T] {
	o := buildOptions(opts)
	return newStream(body, NewNDJSONDecoder(body, o.MaxEventSize), decode, o)
}

// New returns a Stream reading events from dec, which reads body; body is
// closed when the stream ends. Use it for custom wire formats.
func New[T any](body io.ReadCloser, dec Decoder, decode DecodeFunc[T], opts ...Option) *Stream[T] {
	return newStream(body, dec, decode, buildOptions(opts))
}

func buildOptions(opts []Option) Options {
	var o Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

func newStream[T any](body io.ReadCloser, dec Decoder, decode DecodeFunc[T], o Options) *Stream[T] {
	s := &Stream[T]{body: body, dec: dec, decode: decode}
	if o.IdleTimeout > 0 {
		s.idle = o.IdleTimeout
		// Created stopped; armed only while Next waits.
		s.timer = time.AfterFunc(time.Duration(1<<63-1), s.onIdle)
		s.timer.Stop()
	}
	return s
}

func (s *Stream[T]) onIdle() {
	s.timedOut.Store(true)
	s.closeBody()
}

func (s *Stream[T]) closeBody() {
	s.closeOnce.Do(func() {
		if s.body != nil {
			s.closeErr = s.body.Close()
		}
	})
}

// Next advances to the next item and reports whether there is one. It returns
// false at the end of the stream, after which Err tells why; the body has then
// been closed.
func (s *Stream[T]) Next() bool {
	completed := false
	defer func() {
		if !completed { // a panicking Decoder or DecodeFunc: don't leak the body
			s.finish(nil)
		}
	}()
	ok := s.next()
	completed = true
	return ok
}

var doneData = []byte("[DONE]")

func (s *Stream[T]) next() bool {
	if s.done {
		return false
	}
	if s.closed.Load() {
		s.finish(nil)
		return false
	}
	if s.pull != nil {
		v, err, ok := s.pull.pull()
		switch {
		case !ok:
			s.finish(nil)
			return false
		case err != nil:
			s.finish(err)
			return false
		}
		s.cur = v
		return true
	}
	if s.timer != nil {
		s.timer.Reset(s.idle)
	}
	for {
		if s.timedOut.Load() {
			s.finish(&IdleTimeoutError{Timeout: s.idle})
			return false
		}
		if s.dec == nil || !s.dec.Next() {
			var err error
			switch {
			case s.timedOut.Load():
				err = &IdleTimeoutError{Timeout: s.idle}
			case s.closed.Load():
				// Closed by the caller: not an error.
			case s.dec == nil:
				err = errors.New("stream: nil Decoder")
			default:
				err = s.dec.Err()
			}
			s.finish(err)
			return false
		}
		ev := s.dec.Event()
		if bytes.Equal(bytes.TrimSpace(ev.Data), doneData) {
			s.finish(nil)
			return false
		}
		if s.decode == nil {
			s.finish(errors.New("stream: nil DecodeFunc"))
			return false
		}
		v, err := s.decode(ev)
		if err != nil {
			if errors.Is(err, ErrSkip) {
				continue
			}
			if errors.Is(err, ErrDone) {
				err = nil
			}
			s.finish(err)
			return false
		}
		if s.timer != nil {
			// If the timer fired while this item was decoded, the body is
			// already closed; the item is complete, so it is still
			// yielded and the next call reports the timeout.
			s.timer.Stop()
		}
		s.cur = v
		return true
	}
}

// finish ends the stream with err (nil for a clean end) and closes the body.
func (s *Stream[T]) finish(err error) {
	if !s.done {
		s.done = true
		s.err = err
		var zero T
		s.cur = zero
	}
	if s.timer != nil {
		s.timer.Stop()
	}
	s.closeBody()
}

// Current returns the item read by the last successful call to Next (the
// zero T once the stream has ended).
func (s *Stream[T]) Current() T { return s.cur }

// Err returns the error that ended the stream, or nil if it ended cleanly
// (end of input, "[DONE]", ErrDone, Close) or has not ended.
func (s *Stream[T]) Err() error { return s.err }

// Close ends the stream and closes the body. It is idempotent, returns the
// body's Close error (the same one on every call), and may be called from
// another goroutine to abort a Next blocked on a read. The body is not
// drained: a streaming body may never end.
func (s *Stream[T]) Close() error {
	s.closed.Store(true)
	if s.timer != nil {
		s.timer.Stop()
	}
	s.closeBody()
	return s.closeErr
}

// All returns an iterator over the stream's items: (item, nil) for each item,
// then (zero, err) once if the stream ended with an error. Breaking out of the
// loop, reaching the end and panicking in the loop body all close the stream.
// A stream can be iterated once; later iterations yield at most the error.
func (s *Stream[T]) All() iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		defer s.Close()
		for s.Next() {
			if !yield(s.cur, nil) {
				return
			}
		}
		if err := s.Err(); err != nil {
			var zero T
			yield(zero, err)
		}
	}
}
