package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/aiclients/sdk-go/pkg/apierror"
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
	ctx, err := c.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	resp, err := c.Check(send(ctx))
	if err != nil {
		return nil, c.mapError(err)
	}
	return resp, nil
}

// Call is Send followed by decoding: the 2xx body is read, unwrapped by
// Service.Unwrap (when set) and JSON-decoded into out, and closed. out may
// be nil (the body is discarded) or a *[]byte (it receives the raw,
// unwrapped body; see DecodeJSON for the size limit). An empty body, or an
// envelope without data, leaves out unchanged.
func (c *Client) Call(ctx context.Context, opts []option.RequestOption, send SendFunc, out any) error {
	_, err := c.call(ctx, opts, send, out)
	return err
}

// call is Call, also returning the response (its body closed) for error
// messages.
func (c *Client) call(ctx context.Context, opts []option.RequestOption, send SendFunc, out any) (*http.Response, error) {
	resp, err := c.Send(ctx, opts, send)
	if err != nil {
		return nil, err
	}
	if c.Service.Unwrap == nil {
		return resp, c.mapError(c.DecodeJSON(resp, nil, out))
	}
	var body []byte
	if err := c.DecodeJSON(resp, nil, &body); err != nil {
		return resp, c.mapError(err)
	}
	data, err := c.Service.Unwrap(resp, body)
	if err != nil {
		return resp, c.mapError(err)
	}
	return resp, c.decodeBytes(resp, data, out)
}

// Execute is Call for a response that decodes into a T, with one check
// more: when T is a struct whose JSON fields include required ones (see
// requiredFields), a body that is empty, null, or an object lacking one of
// them (absent or null) is an *apierror.ResponseError, not a zero T. The
// body is read whole (bounded by MaxBody) before decoding.
func Execute[T any](ctx context.Context, c *Client, opts []option.RequestOption, send SendFunc) (*T, error) {
	var raw []byte
	resp, err := c.call(ctx, opts, send, &raw)
	if err != nil {
		return nil, err
	}
	var out T
	if err := c.decodeBytes(resp, raw, &out); err != nil {
		return nil, err
	}
	if err := checkRequired(resp, raw, &out); err != nil {
		err.Service = c.Service.Name
		return nil, c.mapError(err)
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
		return c.mapError(fmt.Errorf("%s: decoding %s response: %w", c.Service.Name, requestName(resp), err))
	}
	return nil
}

func (c *Client) mapError(err error) error {
	if err == nil || c.Service.MapError == nil {
		return err
	}
	return c.Service.MapError(err)
}
