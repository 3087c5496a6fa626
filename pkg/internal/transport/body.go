package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
)

// guardBody returns the body to hand net/http for one attempt under ctx.
//
// net/http reads a request body in its connection's writer and, when the
// context ends, waits for that writer, hence for the body's Read, before
// RoundTrip returns: a caller's reader that blocks (a pipe whose writer
// stalls, a network source) would hang the call past its deadline. So a body
// that may block is read by a goroutine of ours that feeds a pipe, and
// net/http reads the pipe, which fails with ctx.Err() as soon as ctx is
// done. At that moment the caller's body is also closed (that unblocks most
// readers that can block); a Read that still blocks is abandoned: the
// goroutine ends when it returns. Nothing is buffered beyond the piece being
// handed over, so streaming, Content-Length and GetBody rewinds are as
// before.
//
// In-memory bodies (bytes.Reader, strings.Reader, bytes.Buffer, as
// http.NewRequest wraps them), regular files (net/http may send them with
// sendfile) and contexts that can never end are passed through untouched.
func guardBody(ctx context.Context, body io.ReadCloser) io.ReadCloser {
	if body == nil || body == http.NoBody || ctx.Done() == nil || cannotBlock(body) {
		return body
	}
	pr, pw := io.Pipe()
	g := &guardedBody{ctx: ctx, pr: pr, src: body}
	g.stop = context.AfterFunc(ctx, func() {
		pr.CloseWithError(ctx.Err())
		g.closeSrc()
	})
	go g.copy(pw)
	return g
}

// guardGetBody makes the bodies GetBody rewinds to (for net/http's own
// retries and redirects) guarded like the first one.
func guardGetBody(ctx context.Context, getBody func() (io.ReadCloser, error)) func() (io.ReadCloser, error) {
	if getBody == nil || ctx.Done() == nil {
		return getBody
	}
	return func() (io.ReadCloser, error) {
		b, err := getBody()
		if err != nil {
			return nil, err
		}
		return guardBody(ctx, b), nil
	}
}

// guardedBody is the pipe end handed to net/http.
type guardedBody struct {
	ctx  context.Context
	pr   *io.PipeReader
	src  io.ReadCloser
	stop func() bool
	once sync.Once
}

// Read reads what the copying goroutine hands over; it fails with the
// context's error once the context is done (also when net/http, reacting to
// the same context, closed the pipe first).
func (g *guardedBody) Read(p []byte) (int, error) {
	n, err := g.pr.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		if cerr := g.ctx.Err(); cerr != nil {
			err = cerr
		}
	}
	return n, err
}

// Close ends the pipe. The caller's body is closed by the copying goroutine
// once its current Read returns (or at once when the context ends).
func (g *guardedBody) Close() error {
	_ = g.pr.Close()
	return nil
}

// copy feeds the pipe from the caller's body until EOF, an error, or the
// pipe's reader going away, then closes the caller's body.
func (g *guardedBody) copy(pw *io.PipeWriter) {
	_, err := io.Copy(pw, g.src)
	_ = pw.CloseWithError(err) // nil: the reader sees EOF
	g.stop()
	g.closeSrc()
}

func (g *guardedBody) closeSrc() { g.once.Do(func() { _ = g.src.Close() }) }

// cannotBlock reports bodies whose Read never waits on someone else.
func cannotBlock(body io.ReadCloser) bool {
	var r io.Reader = body
	if inner, ok := unwrapNopCloser(body); ok {
		r = inner
	}
	switch v := r.(type) {
	case *bytes.Reader, *strings.Reader, *bytes.Buffer:
		return true
	case *os.File:
		fi, err := v.Stat()
		return err == nil && fi.Mode().IsRegular()
	}
	return false
}

// The two types io.NopCloser returns (with and without io.WriterTo); both
// hold the wrapped reader as their only field.
var (
	nopCloserType         = reflect.TypeOf(io.NopCloser(nil))
	nopCloserWriterToType = reflect.TypeOf(io.NopCloser(struct {
		io.Reader
		io.WriterTo
	}{}))
)

// unwrapNopCloser returns the reader inside an io.NopCloser (which is how
// http.NewRequest wraps a body that is not an io.ReadCloser).
func unwrapNopCloser(r io.Reader) (io.Reader, bool) {
	t := reflect.TypeOf(r)
	if t != nopCloserType && t != nopCloserWriterToType {
		return nil, false
	}
	inner, ok := reflect.ValueOf(r).Field(0).Interface().(io.Reader)
	return inner, ok && inner != nil
}
