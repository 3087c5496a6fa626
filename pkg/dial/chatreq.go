package dial

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/aiclients/sdk-go/gen/dialapi"
)

// chatBase is the base URL of the chat requests, parsed once: the generated
// dialapi.NewCreateChatCompletionRequestWithBody parses the server URL,
// resolves the operation path against it, re-parses the query and then the
// whole URL again on every call (about 19 allocations of a create call).
type chatBase struct {
	server  string   // raw.Server when parsed; another value falls back
	url     *url.URL // server parsed
	escaped string   // url.EscapedPath()
	last    atomic.Pointer[chatPath]
}

// chatPath is the path of one deployment's chat requests.
type chatPath struct{ deployment, path, rawPath string }

// path returns the path and raw path of deployment's chat requests,
// reusing the last one built when the deployment is the same.
func (b *chatBase) path(deployment string) (string, string) {
	if p := b.last.Load(); p != nil && p.deployment == deployment {
		return p.path, p.rawPath
	}
	const op, tail = "openai/deployments/", "/chat/completions"
	p := &chatPath{deployment: deployment, path: b.url.Path + op + deployment + tail}
	if esc := url.PathEscape(deployment); esc != deployment || b.escaped != b.url.Path {
		p.rawPath = b.escaped + op + esc + tail
	}
	b.last.Store(p)
	return p.path, p.rawPath
}

func newChatBase(server string) *chatBase {
	u, err := url.Parse(server)
	if err != nil || u.Opaque != "" || !strings.HasSuffix(u.Path, "/") || strings.HasSuffix(u.Host, ":") {
		return nil // the generated builder decides (and reports) these
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return nil // resolving removes dot segments: the generated builder
		}
	}
	return &chatBase{server: server, url: u, escaped: u.EscapedPath()}
}

// sendChat sends one chat request: the request the generated
// CreateChatCompletionWithBody builds (same URL, query and headers), built
// from the parsed base URL. Should the raw client's Server have been changed
// since NewClient, the generated builder is used.
func (c *Client) sendChat(ctx context.Context, deployment string, params *dialapi.CreateChatCompletionParams, body []byte, accept string) (*http.Response, error) {
	b := c.chat
	if b == nil || b.server != c.raw.Server {
		return c.raw.CreateChatCompletionWithBody(ctx, deployment, params, "application/json", bytes.NewReader(body), func(_ context.Context, req *http.Request) error {
			req.Header.Set("Accept", accept)
			return nil
		})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	// The resolution of "./openai/deployments/{id}/chat/completions"
	// against a base whose path ends with "/" (checkID rejects "." and ".."
	// segments; url.PathEscape escapes "/"): the base's path with the
	// operation path appended, the base's query and fragment dropped.
	u := req.URL
	*u = *b.url
	u.RawQuery, u.Fragment, u.RawFragment, u.ForceQuery = "", "", "", false
	u.Path, u.RawPath = b.path(deployment)
	if params != nil && params.APIVersion != nil {
		u.RawQuery = "api-version=" + url.QueryEscape(*params.APIVersion)
	}
	req.Host = u.Host
	// The two headers share one backing array (capacity-limited, so an
	// append to one cannot write into the other).
	vs := []string{"application/json", accept}
	req.Header["Content-Type"] = vs[0:1:1]
	req.Header["Accept"] = vs[1:2:2]
	return c.raw.Client.Do(req)
}
