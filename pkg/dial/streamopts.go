package dial

import (
	"net/http"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/stream"
)

type streamIdleKey struct{}

type streamMaxEventKey struct{}

// WithStreamIdleTimeout ends a chat stream (ChatService.Stream) with a
// *stream.IdleTimeoutError when no chunk arrives for d while the caller
// waits for one (see stream.WithIdleTimeout; heartbeat comments do not
// count as chunks). d <= 0 turns it off (the default). Use it on NewClient
// for every stream or on one call.
func WithStreamIdleTimeout(d time.Duration) option.RequestOption {
	return func(c *option.Config) error {
		c.SetValue(streamIdleKey{}, d)
		return nil
	}
}

// WithStreamMaxEventSize bounds one event of a chat stream, in bytes
// (default stream.DefaultMaxEventSize): a larger event ends the stream with
// a *stream.EventTooLargeError. n <= 0 restores the default; a negative n
// is an *apierror.InputError. Use it on NewClient or on one call.
func WithStreamMaxEventSize(n int) option.RequestOption {
	return func(c *option.Config) error {
		if n < 0 {
			return &apierror.InputError{Service: ServiceName, Field: "stream max event size", Reason: "must not be negative"}
		}
		c.SetValue(streamMaxEventKey{}, n)
		return nil
	}
}

// chatStreamConfig reads the stream options of a call's config.
func chatStreamConfig(cfg *option.Config) (idle time.Duration, maxEvent int) {
	if cfg == nil {
		return 0, 0
	}
	idle, _ = cfg.Value(streamIdleKey{}).(time.Duration)
	maxEvent, _ = cfg.Value(streamMaxEventKey{}).(int)
	return idle, maxEvent
}

// newConfiguredChatStream is newChatStream with the call's stream options.
func newConfiguredChatStream(resp *http.Response, cfg *option.Config) *stream.Stream[ChatCompletionChunk] {
	idle, maxEvent := chatStreamConfig(cfg)
	return newChatStream(resp, maxEvent, stream.WithIdleTimeout(idle))
}
