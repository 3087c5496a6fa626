// Package progresstest records the reports of option.WithProgress and checks
// them the same way for every service's uploads and downloads.
package progresstest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiclients/sdk-go/pkg/option"
)

// Recorder records progress reports. Make it just before the call.
type Recorder struct {
	start   time.Time
	busy    atomic.Bool
	overlap atomic.Bool

	mu      sync.Mutex
	reports []option.Progress
	last    time.Time
}

// New returns a Recorder whose clock starts now.
func New() *Recorder { return &Recorder{start: time.Now()} }

// Func is the function to pass to option.WithProgress.
func (r *Recorder) Func() option.ProgressFunc {
	return func(p option.Progress) {
		if !r.busy.CompareAndSwap(false, true) {
			r.overlap.Store(true)
		}
		defer r.busy.Store(false)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.reports = append(r.reports, p)
		r.last = time.Now()
	}
}

// Option is option.WithProgress(r.Func()).
func (r *Recorder) Option() option.RequestOption { return option.WithProgress(r.Func()) }

// Reports returns the reports so far.
func (r *Recorder) Reports() []option.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]option.Progress(nil), r.reports...)
}

// Check verifies the reports of a transfer of size content bytes that
// completed: there is at least one; the last attempt ends with its only
// Done report, with Bytes == size and Total == total, named name; within an
// attempt Bytes never shrinks and never passes size; attempts only grow;
// no two reports overlapped; and no attempt made more reports than one per
// option.ProgressInterval of the time since the Recorder was made, plus
// the final one.
func (r *Recorder) Check(t testing.TB, name string, size, total int64) {
	t.Helper()
	got := r.Reports()
	if len(got) == 0 {
		t.Fatalf("no progress report for a transfer of %d bytes", size)
	}
	if r.overlap.Load() {
		t.Error("progress reports overlapped")
	}
	last := got[len(got)-1]
	want := option.Progress{Name: name, Bytes: size, Total: total, Attempt: last.Attempt, Done: true}
	if last != want {
		t.Errorf("last report %+v, want %+v", last, want)
	}
	r.mu.Lock()
	elapsed := r.last.Sub(r.start)
	r.mu.Unlock()
	allowed := int(elapsed/option.ProgressInterval) + 1
	perAttempt := map[int]int{}
	for i, p := range got {
		perAttempt[p.Attempt]++
		if p.Attempt < 1 || p.Bytes < 0 || p.Bytes > size || p.Total != total || p.Name != name {
			t.Errorf("report %d is off: %+v (size %d, total %d)", i, p, size, total)
		}
		if i == 0 {
			continue
		}
		prev := got[i-1]
		switch {
		case p.Attempt < prev.Attempt:
			t.Errorf("report %d goes back to attempt %d after %d", i, p.Attempt, prev.Attempt)
		case p.Attempt == prev.Attempt && (p.Bytes < prev.Bytes || prev.Done):
			t.Errorf("report %d (%+v) follows %+v in the same attempt", i, p, prev)
		}
	}
	for a, n := range perAttempt {
		if n > allowed {
			t.Errorf("attempt %d made %d reports in %s; at most %d allowed", a, n, elapsed, allowed)
		}
	}
}
