package core

import (
	"net/http"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// SendPresigned sends req to a presigned storage URL (another host, which
// the API handed out for one upload) through a request loop that carries
// no credential: no API key, no bearer token and none of the extra headers
// of the call's options (they are meant for the API), and that does not
// report into the call's option.WithResponseInto; retries, timeouts,
// middleware, the HTTP client and logging stay as configured for the call. The loop is built
// once per client, so uploads share one connection pool.
//
// req's context should come from Context (the call's options); the
// response is returned as it is, whatever its status.
func (c *Client) SendPresigned(req *http.Request) (*http.Response, error) {
	c.presignedOnce.Do(func() {
		c.presigned = transport.New(c.Service.Name, withoutCredentials(c.Config), nil)
	})
	ctx := req.Context()
	cfg := withoutCredentials(c.CallConfig(ctx))
	return c.presigned.Do(req.WithContext(option.NewContext(ctx, cfg)))
}

// withoutCredentials is a copy of cfg without credentials, extra headers
// or a response destination.
func withoutCredentials(cfg *option.Config) *option.Config {
	cp := cfg.Clone()
	cp.APIKey, cp.BearerToken, cp.ResponseInto = nil, nil, nil
	cp.Header = http.Header{}
	return cp
}
