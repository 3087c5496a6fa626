package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/redact"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// SendFunc sends one request with ctx: a method of the generated client, or
// a closure around a hand-built request and Client.Doer.
type SendFunc func(ctx context.Context) (*http.Response, error)

// Doer is what the generated client sends through (pass it with the
// generated WithHTTPClient option): the request loop of Transport, after the
// path of a GreedyPaths operation has had its "/" restored.
func (c *Client) Doer() interface {
	Do(*http.Request) (*http.Response, error)
} {
	return doer{c}
}

type doer struct{ c *Client }

func (d doer) Do(req *http.Request) (*http.Response, error) {
	if req != nil {
		if err := d.c.rewriteGreedy(req, d.c.Config.BaseURL); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
	}
	return d.c.Transport.Do(req)
}

// Send is the one call path of every service: opts go into ctx (see
// Context), send sends through the request loop (credentials, retries,
// per-call base URL, logging), and the response is checked. A 2xx response
// comes back with its body unread, for streams and downloads; anything else
// is an error, mapped by Service.MapError: an *apierror.Error for a non-2xx
// status (its body read, bounded, and closed), an *apierror.TransportError
// when no response came, an *apierror.CredentialError when no credential
// could be applied.
func (c *Client) Send(ctx context.Context, opts []option.RequestOption, send SendFunc) (*http.Response, error) {
	resp, _, err := c.send(ctx, opts, send)
	return resp, err
}

// send is Send that also returns the collector of the credentials the call
// sent, for scrubbing the errors of decoding the response.
func (c *Client) send(ctx context.Context, opts []option.RequestOption, send SendFunc) (*http.Response, *redact.Collector, error) {
	ctx, err := c.Context(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	ctx, col := redact.WithCollector(ctx)
	resp, err := c.Check(send(ctx))
	c.remember(col)
	if err != nil {
		return nil, col, c.fail(col, resp, err)
	}
	return resp, col, nil
}

// fail is the one step every error of a call passes before it is returned:
// the credentials the call sent (every attempt's, as the transport collected
// them, and those of the response's request chain) are scrubbed out of the
// error and everything it wraps (see redact.ScrubError), then the service's
// MapError builds its typed error from the scrubbed one, which is scrubbed
// again (it may have copied text the first pass could not reach).
func (c *Client) fail(col *redact.Collector, resp *http.Response, err error) error {
	if err == nil {
		return nil
	}
	secrets := col.Secrets()
	if resp != nil && resp.Request != nil {
		for _, s := range redact.RequestSecrets(resp.Request) {
			if !slices.Contains(secrets, s) {
				secrets = append(secrets, s)
			}
		}
	}
	err = redact.ScrubError(err, secrets)
	return redact.ScrubError(c.mapError(err), secrets)
}

// Call is Send followed by decoding: the 2xx body is read, unwrapped by
// Service.Unwrap (when set) and JSON-decoded into out, and closed. out may
// be nil (the body is discarded) or a *[]byte (it receives the raw,
// unwrapped body; see DecodeJSON for the size limit). An empty body, or an
// envelope without data, leaves out unchanged.
//
// A GET or HEAD whose response body is cut mid-way (the connection reset or
// closed early) is sent again, up to the call's MaxRetries times, after the
// usual backoff; the *apierror.TransportError of the last one counts every
// attempt. Other methods are not: the server may have acted on them.
func (c *Client) Call(ctx context.Context, opts []option.RequestOption, send SendFunc, out any) error {
	_, err := c.callRetrying(ctx, opts, send, out)
	return err
}

// callRetrying is Call, also returning the last response (its body closed)
// for error messages.
func (c *Client) callRetrying(ctx context.Context, opts []option.RequestOption, send SendFunc, out any) (*http.Response, error) {
	ctx, err := c.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	cfg := c.CallConfig(ctx)
	attempts := 0
	for retry := 0; ; retry++ {
		resp, err := c.call(ctx, send, out)
		if err == nil {
			return resp, nil // (before te and cut, which escape)
		}
		var te *apierror.TransportError
		var cut *bodyCutError
		if !errors.As(err, &te) || !errors.As(err, &cut) {
			return resp, err
		}
		attempts += te.Attempts
		te.Attempts = attempts
		if (te.Method != http.MethodGet && te.Method != http.MethodHead) || retry >= cfg.MaxRetries || ctx.Err() != nil {
			return resp, err
		}
		wait := transport.Backoff(retry, cfg.RetryBaseDelay, cfg.RetryMaxDelay, cfg.RetryJitter, rand.Float64())
		if transport.Sleep(ctx, wait) != nil {
			return resp, err
		}
	}
}

// call is one round of Call.
func (c *Client) call(ctx context.Context, send SendFunc, out any) (*http.Response, error) {
	resp, col, err := c.send(ctx, nil, send)
	if err != nil {
		return nil, err
	}
	if c.Service.Unwrap == nil {
		return resp, c.fail(col, resp, c.DecodeJSON(resp, nil, out))
	}
	var body []byte
	if err := c.DecodeJSON(resp, nil, &body); err != nil {
		return resp, c.fail(col, resp, err)
	}
	data, err := c.Service.Unwrap(resp, body)
	if err != nil {
		return resp, c.fail(col, resp, err)
	}
	return resp, c.fail(col, resp, c.decodeBytes(resp, data, out))
}

// Execute is Call for a response that decodes into a T, with one check
// more: when T is a struct whose JSON fields include required ones (see
// requiredFields), a body that is empty, null, or an object lacking one of
// them (absent or null) is an *apierror.ResponseError, not a zero T. The
// body is read whole (bounded by MaxBody) before decoding.
func Execute[T any](ctx context.Context, c *Client, opts []option.RequestOption, send SendFunc) (*T, error) {
	var raw []byte
	resp, err := c.callRetrying(ctx, opts, send, &raw)
	if err != nil {
		return nil, err
	}
	var out T
	if err := c.decodeBytes(resp, raw, &out); err != nil {
		return nil, c.ScrubError(c.mapError(err))
	}
	if err := checkRequired(resp, raw, &out); err != nil {
		err.Service = c.Service.Name
		return nil, c.ScrubError(c.mapError(err))
	}
	return &out, nil
}

// SendRequest adapts a hand-built request to a SendFunc: build gets the
// call's ctx and base URL (per-call options applied) and returns the
// request, which is sent through Doer.
func (c *Client) SendRequest(build func(ctx context.Context, baseURL string) (*http.Request, error)) SendFunc {
	return func(ctx context.Context) (*http.Response, error) {
		req, err := build(ctx, c.CallConfig(ctx).BaseURL)
		if err != nil {
			var ie *apierror.InputError
			if errors.As(err, &ie) {
				return nil, err
			}
			return nil, &apierror.InputError{Service: c.Service.Name, Field: "request", Reason: err.Error()}
		}
		return doer{c}.Do(req.WithContext(ctx))
	}
}

func (c *Client) decodeBytes(resp *http.Response, data []byte, out any) error {
	switch dst := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*dst = data
		return nil
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return c.decodeError(resp, err)
	}
	return nil
}

// decodeError is the error of a 2xx body that is not the JSON the operation
// promises (malformed, HTML, the wrong shape): an *apierror.ResponseError
// wrapping the decoder's error, whose text names no value of the body.
func (c *Client) decodeError(resp *http.Response, err error) error {
	e := &apierror.ResponseError{Service: c.Service.Name, Request: requestName(resp), Reason: "decoding the body: " + err.Error(), Err: err}
	if resp != nil {
		e.StatusCode = resp.StatusCode
	}
	return e
}

func (c *Client) mapError(err error) error {
	if err == nil || c.Service.MapError == nil {
		return err
	}
	return c.Service.MapError(err)
}

// maxRemembered bounds how many recently sent credentials a Client keeps
// for ScrubError.
const maxRemembered = 16

// remember keeps the credentials a call sent (the most recent
// maxRemembered), for ScrubError.
func (c *Client) remember(col *redact.Collector) {
	c.secretsMu.Lock()
	defer c.secretsMu.Unlock()
	// Straight from the collector (in the order collected): a sorted copy
	// per call cost three allocations.
	col.Range(func(s string) {
		if i := slices.Index(c.recent, s); i >= 0 {
			c.recent = slices.Delete(c.recent, i, i+1)
		}
		c.recent = append(c.recent, s)
	})
	if n := len(c.recent) - maxRemembered; n > 0 {
		c.recent = slices.Delete(c.recent, 0, n)
	}
}

// ScrubError is the scrubbing step of Call for an error a service package
// builds from server text outside a call (the final state of a task it
// polled, the answer of a presigned upload target): the credentials the
// client's calls sent recently are scrubbed out of err and its chain (see
// redact.ScrubError). A nil err gives nil.
func (c *Client) ScrubError(err error) error {
	if err == nil {
		return nil
	}
	c.secretsMu.Lock()
	secrets := slices.Clone(c.recent)
	c.secretsMu.Unlock()
	return redact.ScrubError(err, secrets)
}
