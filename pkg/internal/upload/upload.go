// Package upload holds what the service clients need to send a caller's
// io.Reader as a request body of known length: the remaining size of readers
// that can tell it, and a spool to a temporary file for those that cannot.
// Storage endpoints behind presigned URLs (inference.sh, Dragoneye) want a
// Content-Length, so a reader of unknown size is copied to disk rather than
// held in memory.
package upload

import (
	"context"
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
// Copying stops with ctx's error once ctx is done. On error nothing is left
// on disk.
func Spool(ctx context.Context, r io.Reader, pattern string) (*os.File, int64, func(), error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return f, n, cleanup, nil
}

// ctxReader is r that fails with ctx's error once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
