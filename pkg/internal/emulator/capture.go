package emulator

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// errConnectionCut is returned to a handler writing after an injected
// connection drop.
var errConnectionCut = errors.New("emulator: connection cut by an injected fault")

// capture passes a response through to the client unchanged while keeping
// its status, headers and up to MaxValidatedBinaryBody bytes of body for
// validation. It applies the pass-through faults (trickle, drop).
type capture struct {
	w     http.ResponseWriter
	ctx   context.Context
	fault *Fault // nil: no pass-through fault
	keep  bool   // keep the body for validation

	status   int
	header   http.Header // snapshot when the headers were written
	body     bytes.Buffer
	written  int64
	overflow bool // body longer than kept: not validated
	cut      bool // connection cut by a fault: not validated
}

// Header returns the header map of the underlying writer.
func (c *capture) Header() http.Header { return c.w.Header() }

// WriteHeader records the status and a snapshot of the headers.
func (c *capture) WriteHeader(code int) {
	if c.status != 0 || c.cut {
		return
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		c.w.WriteHeader(code) // informational: not the final status
		return
	}
	c.status = code
	c.header = c.w.Header().Clone()
	if n, err := strconv.ParseInt(c.header.Get("Content-Length"), 10, 64); err == nil && n > MaxValidatedBinaryBody {
		// Announced as too large to validate: not captured at all, rather
		// than buffered up to the limit first. (A body of unknown length is
		// captured until it passes the limit.)
		c.overflow = true
	}
	c.w.WriteHeader(code)
}

// Write passes p through (applying trickle/drop faults) and keeps a copy.
func (c *capture) Write(p []byte) (int, error) {
	if c.cut {
		return 0, errConnectionCut
	}
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if c.keep && !c.overflow {
		if c.body.Len()+len(p) > MaxValidatedBinaryBody {
			c.overflow = true
			c.body = bytes.Buffer{}
		} else {
			c.body.Write(p)
		}
	}
	f := c.fault
	if f == nil || (!drops(f) && f.Trickle <= 0) {
		n, err := c.w.Write(p)
		c.written += int64(n)
		return n, err
	}
	total := 0
	for len(p) > 0 {
		piece := p
		if f.Trickle > 0 {
			size := f.TrickleSize
			if size <= 0 {
				size = defaultTrickleSize
			}
			piece = p[:min(size, len(p))]
		}
		if drops(f) {
			room := int64(max(f.DropAfter, 0)) - c.written
			if int64(len(piece)) >= room {
				n, _ := c.w.Write(piece[:room])
				c.written += int64(n)
				total += n
				c.cutConnection()
				return total, errConnectionCut
			}
		}
		n, err := c.w.Write(piece)
		c.written += int64(n)
		total += n
		if err != nil {
			return total, err
		}
		p = p[len(piece):]
		if f.Trickle > 0 {
			c.Flush()
			if !sleepCtx(c.ctx, f.Trickle) {
				return total, c.ctx.Err()
			}
		}
	}
	return total, nil
}

// Flush sends buffered data to the client.
func (c *capture) Flush() {
	if c.cut {
		return
	}
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(c.w).Flush()
}

// Unwrap gives http.ResponseController access to the underlying writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.w }

// cutConnection flushes what was written and closes the connection so the
// client sees a truncated body. It hijacks the connection; if that is not
// possible it aborts the handler (net/http then closes the connection).
func (c *capture) cutConnection() {
	c.Flush()
	c.cut = true
	conn, _, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// sleepCtx waits d or until ctx is done; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
