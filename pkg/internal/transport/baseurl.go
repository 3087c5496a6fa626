package transport

import (
	"net/url"
	"sync/atomic"
)

// parsedBase is the last base URL ParseBase parsed.
type parsedBase struct {
	raw string
	u   *url.URL
	err error
}

var lastBase atomic.Pointer[parsedBase]

// ParseBase returns url.Parse(s), reusing the result of the previous call
// when s is the same string (a client parses its base URL on every attempt
// otherwise). The returned URL is shared: callers must not modify it.
func ParseBase(s string) (*url.URL, error) {
	if p := lastBase.Load(); p != nil && p.raw == s {
		return p.u, p.err
	}
	u, err := url.Parse(s)
	lastBase.Store(&parsedBase{raw: s, u: u, err: err})
	return u, err
}
