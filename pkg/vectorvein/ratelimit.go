package vectorvein

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// ServiceRateLimit is the service's documented limit: 60 calls a minute per API key.
const ServiceRateLimit = 60

// WithRateLimit makes the client send at most calls requests (retries included) in any
// window of per, waiting (until ctx ends) when the budget is spent. calls <= 0 or
// per <= 0 means the service's limit, 60 a minute. Give it to NewClient: the budget is
// shared by every call of that client, and by every client built with the same option
// value. Polling uses the budget too (a 5 s poll costs 12 calls a minute).
func WithRateLimit(calls int, per time.Duration) option.RequestOption {
	if calls <= 0 || per <= 0 {
		calls, per = ServiceRateLimit, time.Minute
	}
	l := &limiter{capacity: float64(calls), tokens: float64(calls), rate: float64(calls) / per.Seconds(), now: time.Now}
	return option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		if err := l.wait(req.Context()); err != nil {
			return nil, err
		}
		return next(req)
	})
}

// limiter is a token bucket: capacity tokens, refilled at rate per second.
type limiter struct {
	mu       sync.Mutex
	capacity float64
	tokens   float64
	rate     float64
	last     time.Time
	now      func() time.Time
}

// reserve takes a token and returns how long to wait before using it.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(l.capacity, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / l.rate * float64(time.Second))
}

// cancel gives back a token that was reserved but not used.
func (l *limiter) cancel() {
	l.mu.Lock()
	l.tokens = min(l.capacity, l.tokens+1)
	l.mu.Unlock()
}

func (l *limiter) wait(ctx context.Context) error {
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	if err := transport.Sleep(ctx, d); err != nil {
		l.cancel()
		return fmt.Errorf("vectorvein: waiting for the client-side rate limit: %w", err)
	}
	return nil
}
