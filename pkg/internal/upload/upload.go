// Package upload holds what the service clients need to send a caller's
// io.Reader as a request body of known length: the remaining size of readers
// that can tell it, and a spool to a temporary file for those that cannot.
// Storage endpoints behind presigned URLs (inference.sh, Dragoneye) want a
// Content-Length, so a reader of unknown size is copied to disk rather than
// held in memory.
package upload

import (
	"context"
	"errors"
	"io"
	"os"
)

// Size returns how many bytes are left in r when r can tell without being
// read: readers with a Len method (bytes.Reader, strings.Reader,
// bytes.Buffer) and regular files (size minus the current offset). ok is
// false for anything else.
func Size(r io.Reader) (n int64, ok bool) {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len()), true
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return 0, false
		}
		off, err := v.Seek(0, io.SeekCurrent)
		if err != nil || off > st.Size() {
			return 0, false
		}
		return st.Size() - off, true
	}
	return 0, false
}

// Spool copies r to a new temporary file (named after pattern, as
// os.CreateTemp takes it) and returns the file rewound to its start, the
// number of bytes copied, and a cleanup that closes and removes the file.
// On error nothing is left on disk.
//
// Spool returns ctx's error as soon as ctx is done, even while a Read of r
// is blocked: r is read in a goroutine, one Read at a time, and a Read still
// running when ctx ends is abandoned. That goroutine ends when the Read
// returns; the bytes it got are dropped and r is not read again. A reader
// whose Read never returns (a stalled io.Pipe, say) keeps the goroutine
// until the caller unblocks it, e.g. by closing the pipe. So after Spool
// fails with ctx's error the caller must not read from r itself until such a
// Read could have returned.
func Spool(ctx context.Context, r io.Reader, pattern string) (*os.File, int64, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, nil, err
	}
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := Copy(ctx, f, r)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return f, n, cleanup, nil
}

// readResult is what one Read of the caller's reader returned.
type readResult struct {
	n   int
	err error
}

// Copy copies r to w until r's EOF, an error, or the end of ctx, whichever
// comes first, and returns the number of bytes written. It reads r as Spool
// does: in a goroutine, one Read at a time, abandoning a Read that is still
// blocked when ctx ends (that goroutine ends when the Read returns; r is not
// read again). w is written only by the caller's goroutine, so nothing
// touches w after Copy returns.
func Copy(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	buf := make([]byte, 32<<10)
	results := make(chan readResult, 1)
	more := make(chan struct{}, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			n, err := r.Read(buf)
			results <- readResult{n, err} // buffered: never blocks
			if err != nil {
				return
			}
			select {
			case <-more:
			case <-stop:
				return
			}
		}
	}()
	var total int64
	for {
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case res := <-results:
			if res.n > 0 {
				// buf is ours until more is sent.
				m, err := w.Write(buf[:res.n])
				total += int64(m)
				if err != nil {
					return total, err
				}
			}
			if errors.Is(res.err, io.EOF) {
				return total, nil
			}
			if res.err != nil {
				return total, res.err
			}
			if err := ctx.Err(); err != nil {
				return total, err
			}
			more <- struct{}{}
		}
	}
}
