package upload

import (
	"errors"
	"io"
	"sync"
	"time"

	"github.com/aiclients/sdk-go/pkg/option"
)

// Meter reports the progress of one file transfer to an
// option.ProgressFunc. Each attempt's body is wrapped with Reader; a new
// Reader starts a new attempt, whose count starts at 0, and reports of an
// older attempt still being read are dropped. A nil *Meter (no function)
// reports nothing and wraps nothing.
type Meter struct {
	f     option.ProgressFunc
	name  string
	total int64
	now   func() time.Time

	mu      sync.Mutex // held while f runs: reports are never concurrent
	attempt int
}

// NewMeter returns a Meter for a transfer of total bytes (-1: unknown)
// named name, or nil when f is nil.
func NewMeter(f option.ProgressFunc, name string, total int64) *Meter {
	if f == nil {
		return nil
	}
	if total < 0 {
		total = -1
	}
	return &Meter{f: f, name: name, total: total, now: time.Now}
}

// Reader returns r counted as a new attempt's content.
func (m *Meter) Reader(r io.Reader) io.Reader {
	if m == nil {
		return r
	}
	return m.start(r)
}

// ReadCloser is Reader for a body that must keep its Close.
func (m *Meter) ReadCloser(rc io.ReadCloser) io.ReadCloser {
	if m == nil {
		return rc
	}
	return struct {
		io.Reader
		io.Closer
	}{m.start(rc), rc}
}

// Empty reports a new attempt whose content is empty and is not read (an
// http.NoBody request): one report, Bytes 0, Done.
func (m *Meter) Empty() {
	if m == nil {
		return
	}
	c := m.start(nil)
	m.report(c, true)
}

func (m *Meter) start(r io.Reader) *counter {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempt++
	return &counter{m: m, r: r, attempt: m.attempt, last: m.now()}
}

// counter counts one attempt's bytes. Read is called by one goroutine at a
// time (an io.Reader's contract), so n needs no lock.
type counter struct {
	m       *Meter
	r       io.Reader
	attempt int
	n       int64
	last    time.Time // of the last report, or of the attempt's start
	done    bool
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	end := errors.Is(err, io.EOF) || (c.m.total >= 0 && c.n >= c.m.total)
	c.m.report(c, end)
	return n, err
}

// report calls f when the attempt ended or ProgressInterval has passed
// since its last report, unless the attempt is done or a newer one started.
func (m *Meter) report(c *counter, end bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.done || c.attempt != m.attempt {
		return
	}
	now := m.now()
	if !end && now.Sub(c.last) < option.ProgressInterval {
		return
	}
	c.last, c.done = now, end
	m.f(option.Progress{Name: m.name, Bytes: c.n, Total: m.total, Attempt: c.attempt, Done: end})
}
