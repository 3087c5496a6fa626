package poll

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type task struct {
	ID     string
	Status string
}

// checker reports status "running" n-1 times, then "done".
func checker(n int, calls *int) func(context.Context) (task, bool, error) {
	return func(context.Context) (task, bool, error) {
		*calls++
		if *calls >= n {
			return task{ID: "t1", Status: "done"}, true, nil
		}
		return task{ID: "t1", Status: fmt.Sprintf("running %d", *calls)}, false, nil
	}
}

func TestUntilSuccess(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		n      int
	}{
		{"first check done, immediate", Policy{Interval: time.Millisecond, Immediate: true}, 1},
		{"first check done, after interval", Policy{Interval: time.Millisecond}, 1},
		{"after five checks", Policy{Interval: time.Millisecond}, 5},
		{"with backoff and jitter", Policy{Interval: time.Millisecond, Multiplier: 2, MaxInterval: 4 * time.Millisecond, Jitter: 0.5, Timeout: 5 * time.Second}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			var seen []int
			var states []string
			got, err := Until(context.Background(), tt.policy, checker(tt.n, &calls), func(attempt int, s task) {
				seen = append(seen, attempt)
				states = append(states, s.Status)
			})
			require.NoError(t, err)
			require.Equal(t, task{ID: "t1", Status: "done"}, got)
			require.Equal(t, tt.n, calls)
			require.Len(t, seen, tt.n, "progress after every check, the last included")
			for i, a := range seen {
				require.Equal(t, i+1, a)
			}
			require.Equal(t, "done", states[len(states)-1])
		})
	}
}

func TestUntilNilProgress(t *testing.T) {
	calls := 0
	_, err := Until(context.Background(), Policy{Interval: time.Millisecond}, checker(2, &calls), nil)
	require.NoError(t, err)
	require.Equal(t, 2, calls)
}

func TestUntilTimeoutCarriesLastState(t *testing.T) {
	calls := 0
	start := time.Now()
	got, err := Until(context.Background(), Policy{Interval: 5 * time.Millisecond, Timeout: 60 * time.Millisecond, Immediate: true},
		checker(1<<30, &calls), nil)
	elapsed := time.Since(start)

	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, calls, te.Attempts)
	require.Greater(t, te.Attempts, 1)
	require.Equal(t, task{ID: "t1", Status: fmt.Sprintf("running %d", calls)}, te.Last)
	require.Equal(t, te.Last, got, "the last state is also returned")
	require.GreaterOrEqual(t, te.Elapsed, 60*time.Millisecond)
	require.Less(t, elapsed, 2*time.Second)
	require.Contains(t, err.Error(), "poll: gave up after")
}

func TestUntilTimeoutBeforeAnyCheck(t *testing.T) {
	calls := 0
	_, err := Until(context.Background(), Policy{Interval: time.Hour, Timeout: 10 * time.Millisecond}, checker(1, &calls), nil)
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	require.Zero(t, te.Attempts)
	require.Nil(t, te.Last)
	require.Zero(t, calls)
}

func TestUntilCtxDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	calls := 0
	_, err := Until(ctx, Policy{Interval: 5 * time.Millisecond}, checker(1<<30, &calls), nil)
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestUntilCancelDuringWaitReturnsPromptly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	progress := func(int, task) {
		// Cancel right after the first check; the next wait is an hour.
		time.AfterFunc(10*time.Millisecond, cancel)
	}
	start := time.Now()
	_, err := Until(ctx, Policy{Interval: time.Hour, Immediate: true}, checker(1<<30, &calls), progress)
	require.Less(t, time.Since(start), 2*time.Second)
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, te.Attempts)
	require.Equal(t, task{ID: "t1", Status: "running 1"}, te.Last)
}

func TestUntilCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	_, err := Until(ctx, Policy{Immediate: true}, checker(1, &calls), nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, calls, "no check once ctx is done")
}

func TestUntilCheckError(t *testing.T) {
	boom := errors.New("HTTP 500")
	calls := 0
	got, err := Until(context.Background(), Policy{Interval: time.Millisecond, Immediate: true},
		func(context.Context) (task, bool, error) {
			calls++
			if calls == 3 {
				return task{Status: "broken"}, false, boom
			}
			return task{Status: "running"}, false, nil
		}, nil)
	require.Same(t, boom, err, "check errors are returned as they are")
	require.Equal(t, task{Status: "broken"}, got)
	require.Equal(t, 3, calls)
}

func TestUntilCheckSeesTimeout(t *testing.T) {
	// A check blocked on its ctx when Policy.Timeout elapses: the context
	// error it returns becomes a TimeoutError.
	calls := 0
	_, err := Until(context.Background(), Policy{Immediate: true, Timeout: 20 * time.Millisecond},
		func(ctx context.Context) (task, bool, error) {
			calls++
			<-ctx.Done()
			return task{}, false, fmt.Errorf("get task: %w", ctx.Err())
		}, nil)
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Zero(t, te.Attempts, "the interrupted check did not complete")
	require.Equal(t, 1, calls)
}

// fakeClock records the waits Until asks for and returns at once.
type fakeClock struct {
	now   time.Time
	waits []time.Duration
}

func (f *fakeClock) clock(rnd float64) clock {
	return clock{
		now: func() time.Time { return f.now },
		after: func(d time.Duration) (<-chan time.Time, func() bool) {
			f.waits = append(f.waits, d)
			f.now = f.now.Add(d)
			ch := make(chan time.Time, 1)
			ch <- f.now
			return ch, func() bool { return false }
		},
		rand: func() float64 { return rnd },
	}
}

func TestUntilBackoffSchedule(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		policy Policy
		rand   float64
		want   []time.Duration
	}{
		{"zero policy: 1s constant", Policy{}, 0, []time.Duration{time.Second, time.Second, time.Second, time.Second}},
		{"immediate", Policy{Interval: 10 * ms, Immediate: true}, 0, []time.Duration{10 * ms, 10 * ms, 10 * ms}},
		{"doubling capped", Policy{Interval: 10 * ms, Multiplier: 2, MaxInterval: 50 * ms}, 0, []time.Duration{10 * ms, 20 * ms, 40 * ms, 50 * ms}},
		{"multiplier without cap stays constant", Policy{Interval: 10 * ms, Multiplier: 2}, 0, []time.Duration{10 * ms, 10 * ms, 10 * ms, 10 * ms}},
		{"multiplier below 1 means 1", Policy{Interval: 10 * ms, Multiplier: 0.5, MaxInterval: time.Second}, 0, []time.Duration{10 * ms, 10 * ms, 10 * ms, 10 * ms}},
		{"jitter removes a fraction", Policy{Interval: 100 * ms, Jitter: 0.5}, 0.5, []time.Duration{75 * ms, 75 * ms, 75 * ms, 75 * ms}},
		{"jitter above 1 clamped", Policy{Interval: 100 * ms, Jitter: 7}, 0.5, []time.Duration{50 * ms, 50 * ms, 50 * ms, 50 * ms}},
		{"huge multiplier does not overflow", Policy{Interval: time.Second, Multiplier: 1e300, MaxInterval: time.Hour}, 0, []time.Duration{time.Second, time.Hour, time.Hour, time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeClock{now: time.Unix(0, 0)}
			calls := 0
			_, err := until(context.Background(), fc.clock(tt.rand), tt.policy, checker(4, &calls), nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, fc.waits)
		})
	}
}

func TestTimeoutErrorUnwrap(t *testing.T) {
	te := &TimeoutError{Elapsed: 1500 * time.Millisecond, Attempts: 3, Last: "running", Err: context.DeadlineExceeded}
	require.ErrorIs(t, te, context.DeadlineExceeded)
	require.Equal(t, "poll: gave up after 3 checks in 1.5s: context deadline exceeded", te.Error())

	// Services wrap it with their own typed error.
	wrapped := fmt.Errorf("task t1: %w", te)
	var got *TimeoutError
	require.ErrorAs(t, wrapped, &got)
	require.Equal(t, "running", got.Last)
}

func TestUntilNilCheck(t *testing.T) {
	_, err := Until[task](context.Background(), Policy{}, nil, nil)
	require.ErrorContains(t, err, "nil check")
}

// A nil context is bad input: a clear error, not a panic inside
// context.WithTimeout or on ctx.Done().
func TestUntilNilContext(t *testing.T) {
	for _, p := range []Policy{{Immediate: true}, {Timeout: time.Second, Immediate: true}} {
		calls := 0
		require.NotPanics(t, func() {
			//lint:ignore SA1012 the nil context is the point of the test
			_, err := Until(nil, p, func(context.Context) (int, bool, error) { //nolint:staticcheck
				calls++
				return 1, true, nil
			}, nil)
			require.ErrorContains(t, err, "nil context")
		})
		require.Zero(t, calls)
	}
}
