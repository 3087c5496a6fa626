// Package poll waits for long-running work (tasks, workflow runs, jobs) by
// calling a check function until it reports done, with a configurable
// interval, exponential backoff, cap, jitter and overall timeout.
//
// Services build their Wait methods on Until and wrap *TimeoutError in their
// own typed errors (carrying the task or run id) with Unwrap, so
// errors.As(err, new(*poll.TimeoutError)) and
// errors.Is(err, context.DeadlineExceeded) work on every service.
package poll

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Policy says how often to check and for how long. The zero Policy checks
// every second, first after one second, until ctx ends.
type Policy struct {
	// Interval is the wait before the second check (and before the first
	// one unless Immediate). <= 0 means 1s.
	Interval time.Duration
	// MaxInterval caps the wait as it grows. <= 0, or less than Interval,
	// means Interval (a constant interval).
	MaxInterval time.Duration
	// Multiplier grows the wait after each check: wait = min(wait·Multiplier,
	// MaxInterval). Values < 1 (including 0) mean 1.
	Multiplier float64
	// Jitter is the fraction of each wait removed at random, in [0, 1]:
	// 0.25 waits between 75% and 100% of the computed wait. Default 0.
	Jitter float64
	// Timeout bounds the whole wait, checks included; 0 means only ctx
	// bounds it.
	Timeout time.Duration
	// Immediate makes the first check at once instead of after Interval.
	Immediate bool
}

// DefaultInterval is the Interval of a Policy that sets none.
const DefaultInterval = time.Second

// Progress is called after each successful check, the last one included, with
// the 1-based number of that check and the state it returned.
type Progress[T any] func(attempt int, state T)

// TimeoutError is returned by Until when the wait ended (Policy.Timeout
// elapsed, or ctx was cancelled or hit its deadline) before a check reported
// done. Unwrap returns Err, so errors.Is(err, context.DeadlineExceeded) and
// errors.Is(err, context.Canceled) tell the two cases apart.
type TimeoutError struct {
	// Elapsed is the time from the start of Until to giving up.
	Elapsed time.Duration
	// Attempts is the number of checks that completed.
	Attempts int
	// Last is the state returned by the last completed check (a T), or nil
	// if no check completed.
	Last any
	// Err is ctx.Err(): context.DeadlineExceeded for Policy.Timeout or a ctx
	// deadline, context.Canceled for a cancelled ctx.
	Err error
}

// Error implements error.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("poll: gave up after %d checks in %s: %v", e.Attempts, e.Elapsed.Round(time.Millisecond), e.Err)
}

// Unwrap returns Err.
func (e *TimeoutError) Unwrap() error { return e.Err }

// clock is injectable for tests.
type clock struct {
	now   func() time.Time
	after func(d time.Duration) (<-chan time.Time, func() bool)
	rand  func() float64 // in [0, 1)
}

var realClock = clock{
	now: time.Now,
	after: func(d time.Duration) (<-chan time.Time, func() bool) {
		t := time.NewTimer(d)
		return t.C, t.Stop
	},
	rand: rand.Float64,
}

// Until calls check until it reports done, an error, or the wait ends.
//
//   - done: Until returns that state and nil.
//   - check error: Until returns that state and the error as it is, unless
//     the error is the context's own error after the wait ended, which
//     becomes *TimeoutError (it still unwraps to the context error).
//   - Policy.Timeout elapses or ctx ends, during a wait or a check: Until
//     returns the last state seen and *TimeoutError. A wait ends at once when
//     ctx is done.
//
// check receives a ctx bounded by Policy.Timeout. progress may be nil.
func Until[T any](ctx context.Context, p Policy, check func(ctx context.Context) (state T, done bool, err error), progress Progress[T]) (T, error) {
	return until(ctx, realClock, p, check, progress)
}

func until[T any](ctx context.Context, c clock, p Policy, check func(ctx context.Context) (T, bool, error), progress Progress[T]) (T, error) {
	if check == nil {
		var zero T
		return zero, errors.New("poll: nil check function")
	}
	if ctx == nil {
		var zero T
		return zero, errors.New("poll: nil context (use context.Background())")
	}
	p = p.normalize()
	start := c.now()
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	var (
		last     T
		attempts int
		wait     = p.Interval
	)
	timeout := func() (T, error) {
		err := ctx.Err()
		if err == nil { // defensive: called only when ctx is done
			err = context.DeadlineExceeded
		}
		te := &TimeoutError{Elapsed: c.now().Sub(start), Attempts: attempts, Err: err}
		if attempts > 0 {
			te.Last = last
		}
		return last, te
	}
	for i := 0; ; i++ {
		if i > 0 || !p.Immediate {
			ch, stop := c.after(p.jittered(wait, c.rand))
			select {
			case <-ctx.Done():
				stop()
				return timeout()
			case <-ch:
			}
			wait = p.next(wait)
		}
		if ctx.Err() != nil {
			return timeout()
		}
		state, done, err := check(ctx)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return timeout()
			}
			return state, err
		}
		attempts++
		last = state
		if progress != nil {
			progress(attempts, state)
		}
		if done {
			return state, nil
		}
	}
}

func (p Policy) normalize() Policy {
	if p.Interval <= 0 {
		p.Interval = DefaultInterval
	}
	if p.MaxInterval < p.Interval {
		p.MaxInterval = p.Interval
	}
	if !(p.Multiplier >= 1) { // also catches NaN
		p.Multiplier = 1
	}
	if !(p.Jitter > 0) {
		p.Jitter = 0
	}
	if p.Jitter > 1 {
		p.Jitter = 1
	}
	return p
}

// next returns the wait after wait, grown by Multiplier and capped.
func (p Policy) next(wait time.Duration) time.Duration {
	f := float64(wait) * p.Multiplier
	if f >= float64(p.MaxInterval) {
		return p.MaxInterval
	}
	return time.Duration(f)
}

// jittered removes up to Jitter·wait at random.
func (p Policy) jittered(wait time.Duration, rnd func() float64) time.Duration {
	if p.Jitter == 0 {
		return wait
	}
	return wait - time.Duration(p.Jitter*rnd()*float64(wait))
}
