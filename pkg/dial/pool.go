package dial

import (
	"net/http"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Pool makes clients that share one HTTP transport, and so one pool of
// connections, while each has its own credentials (and any other options),
// like aidial-client's DialClientPool. It is safe for concurrent use.
type Pool struct {
	http *http.Client
	opts []option.RequestOption
}

// NewPool returns a pool. opts apply to every client it makes (base URL,
// retries, logger, …); option.WithHTTPClient supplies the shared HTTP client,
// else the pool creates one like a client's default (a clone of
// http.DefaultTransport with a 10 minute response-header timeout that keeps
// up to 1,024 idle connections to the host: see option.Config.HTTPClient).
func NewPool(opts ...option.RequestOption) (*Pool, error) {
	cfg, err := option.NewConfig(opts...)
	if err != nil {
		return nil, err
	}
	p := &Pool{http: cfg.HTTPClient, opts: append([]option.RequestOption(nil), opts...)}
	if p.http == nil {
		p.http = &http.Client{Transport: transport.NewDefaultTransport()}
	}
	return p, nil
}

// Client returns a client using the pool's shared HTTP client, the pool's
// options and then opts (typically the client's credentials, e.g.
// option.WithAPIKey(key)). A pool client may also be made without a
// credential and given one on each call (option.WithAPIKey as a call
// option); a call without any fails with an *apierror.CredentialError.
func (p *Pool) Client(opts ...option.RequestOption) (*Client, error) {
	all := make([]option.RequestOption, 0, len(p.opts)+len(opts)+1)
	all = append(all, p.opts...)
	all = append(all, opts...)
	all = append(all, option.WithHTTPClient(p.http))
	return newClient(true, all)
}

// HTTPClient returns the shared HTTP client.
func (p *Pool) HTTPClient() *http.Client { return p.http }

// Close closes the idle connections of the shared transport. Clients made
// by the pool remain usable (new connections are opened as needed).
func (p *Pool) Close() {
	p.http.CloseIdleConnections()
}
