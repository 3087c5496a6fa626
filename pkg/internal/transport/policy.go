package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
)

// RetryPolicy says on which failures the request loop may retry an
// operation.
type RetryPolicy uint8

const (
	// RetrySafe operations are retried on every retryable failure: 408, 429,
	// 5xx and connection errors (see the package documentation).
	RetrySafe RetryPolicy = iota
	// RetryUnsafe operations create work on the server (a task, a run, a
	// prediction, an unconditional upload): a retry after the server acted
	// would act twice. They are retried only when the request surely never
	// reached the server: the connection was never established (refused,
	// DNS, TLS handshake). No response status and no failure after the
	// connection was obtained is retried, unless the call's
	// option.Config.RetryUnsafe is set (option.WithRetryUnsafe).
	RetryUnsafe
)

// PolicyFunc returns the retry policy of the operation req belongs to.
// It must not change req.
type PolicyFunc func(req *http.Request) RetryPolicy

// SetRetryPolicy installs the function that tells the transport which
// requests are RetryUnsafe; without one every request is RetrySafe. Call it
// once, before the transport is used.
func (t *Transport) SetRetryPolicy(f PolicyFunc) { t.policy = f }

// unsafeCall reports whether req must follow RetryUnsafe under cfg.
func (t *Transport) unsafeCall(req *http.Request, retryUnsafe bool) bool {
	return !retryUnsafe && t.policy != nil && t.policy(req) == RetryUnsafe
}

// traceConnection records in connected whether the attempt ever obtained a
// connection (httptrace GotConn): until it does, nothing of the request can
// have reached the server. An attempt of a RetrySafe call is not traced.
func (l *loop) traceConnection(ctx context.Context) context.Context {
	if !l.unsafe {
		return ctx
	}
	connected := new(atomic.Bool)
	l.connected = connected
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
}

// neverSent reports whether a failed attempt of a RetryUnsafe call surely
// did not reach the server: no connection was obtained (see
// traceConnection) and the error is one of establishing the connection
// (dial, DNS, TLS handshake). Both must hold, so that an HTTP client that
// does not report connections (a custom RoundTripper) is never retried on
// an error it raised after sending.
func (l *loop) neverSent(err error) bool {
	if l.connected == nil || l.connected.Load() {
		return false
	}
	return connectError(err)
}

// connectError reports errors raised while establishing a connection.
func connectError(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var rec tls.RecordHeaderError
	var alert tls.AlertError
	if errors.As(err, &rec) || errors.As(err, &alert) {
		return true
	}
	// net/http reports these handshake failures without an exported type.
	msg := err.Error()
	return strings.Contains(msg, "TLS handshake timeout") || strings.Contains(msg, "server gave HTTP response to HTTPS client")
}

// unsafeReason is logged when a RetryUnsafe call is not retried.
const unsafeReason = "operation creates work (x-retry: unsafe) and the request may have reached the server; option.WithRetryUnsafe allows the retry"
