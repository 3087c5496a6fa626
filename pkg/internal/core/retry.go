package core

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/specs"
)

// The values of the x-retry extension of a spec operation. An operation
// without it is retrySafe.
const (
	// retrySafe: retried on every retryable failure (408, 429, 5xx,
	// connection errors).
	retrySafe = "safe"
	// retryUnsafe: the operation creates work; retried only when the request
	// surely never reached the server, unless the call opts in with
	// option.WithRetryUnsafe.
	retryUnsafe = "unsafe"
	// retryUnsafeUnlessPrecondition: retryUnsafe, except when the request
	// carries If-Match or If-None-Match (a repeat then cannot act twice).
	retryUnsafeUnlessPrecondition = "unsafe-unless-precondition"
)

// knownRetry reports whether v is a value of x-retry this SDK knows.
func knownRetry(v string) bool {
	return v == retrySafe || v == retryUnsafe || v == retryUnsafeUnlessPrecondition
}

// specOp is one operation of a spec with an x-retry extension.
type specOp struct {
	Method string // upper case: "POST"
	Path   string // the path template: "/apps/run"
	Retry  string // the extension's value
}

// specRetries caches, per spec file, the operations with x-retry: each
// embedded spec is read once per process.
var specRetries sync.Map // file name -> *specEntry

type specEntry struct {
	once sync.Once
	ops  []specOp
	err  error
}

// retryOps returns the operations of specs.FS's file name that carry x-retry.
func retryOps(name string) ([]specOp, error) {
	v, _ := specRetries.LoadOrStore(name, &specEntry{})
	e := v.(*specEntry)
	e.once.Do(func() {
		src, err := specs.FS.ReadFile(name)
		if err != nil {
			e.err = fmt.Errorf("reading spec %s: %w", name, err)
			return
		}
		e.ops = scanRetries(src)
	})
	return e.ops, e.err
}

var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

// scanRetries finds x-retry in the operations of an OpenAPI document written
// the way the specs of this repository are: block YAML indented by two
// spaces, "paths:" at the top level, path items at indent 2, operations at 4,
// their members at 6. It is a scanner, not a YAML parser (the core carries no
// YAML dependency); a test compares its result with a full OpenAPI parser on
// every spec.
func scanRetries(src []byte) []specOp {
	var (
		ops          []specOp
		inPaths      bool
		path, method string
		block        = -1 // inside a block scalar whose key is at this indent
	)
	for _, raw := range strings.Split(string(src), "\n") {
		line := strings.TrimRight(raw, " \t\r")
		text := strings.TrimLeft(line, " ")
		indent := len(line) - len(text)
		if text == "" || text[0] == '#' {
			continue
		}
		if block >= 0 {
			if indent > block {
				continue
			}
			block = -1
		}
		key, val, ok := strings.Cut(text, ":")
		if !ok || strings.HasPrefix(text, "- ") {
			continue
		}
		key, val = unquote(strings.TrimSpace(key)), strings.TrimSpace(val)
		if strings.HasPrefix(val, "|") || strings.HasPrefix(val, ">") {
			block = indent
		}
		switch {
		case indent == 0:
			inPaths = key == "paths"
		case !inPaths:
		case indent == 2:
			path, method = key, ""
		case indent == 4:
			method = ""
			if httpMethods[key] {
				method = strings.ToUpper(key)
			}
		case indent == 6 && key == "x-retry" && method != "":
			if i := strings.Index(val, " #"); i >= 0 {
				val = strings.TrimSpace(val[:i])
			}
			ops = append(ops, specOp{Method: method, Path: path, Retry: unquote(val)})
		}
	}
	return ops
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// retryRule is one operation's x-retry, matched against request paths.
type retryRule struct {
	method string
	segs   []string // the template's segments; "{...}" matches one segment
	greedy bool     // the last parameter takes the rest of the path (GreedyPaths)
	retry  string
}

// retryRules builds svc's rules from its spec; nil when svc names no spec.
func retryRules(svc Service) ([]retryRule, error) {
	if svc.Spec == "" {
		return nil, nil
	}
	ops, err := retryOps(svc.Spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", svc.Name, err)
	}
	rules := make([]retryRule, 0, len(ops))
	for _, op := range ops {
		r := retryRule{method: op.Method, segs: strings.Split(strings.TrimPrefix(op.Path, "/"), "/"), retry: op.Retry}
		last := r.segs[len(r.segs)-1]
		for _, g := range svc.GreedyPaths {
			if strings.HasPrefix(op.Path, g.Prefix) && isParam(last) {
				r.greedy = true
			}
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// match reports whether the path segments (relative to the base URL) are an
// instance of the rule's template.
func (r *retryRule) match(segs []string) bool {
	n := len(r.segs)
	if len(segs) < n || len(segs) > n && !r.greedy {
		return false
	}
	for i, s := range r.segs {
		if isParam(s) {
			if segs[i] == "" && !(r.greedy && i == n-1) {
				return false
			}
			continue
		}
		if segs[i] != s {
			return false
		}
	}
	return true
}

// retryPolicy is the transport's PolicyFunc: it finds the operation of req
// among the rules (by method and path below the call's or the client's base
// URL) and returns its policy. An unknown x-retry value counts as unsafe.
func (c *Client) retryPolicy(req *http.Request) transport.RetryPolicy {
	if len(c.retries) == 0 || req.URL == nil {
		return transport.RetrySafe
	}
	rel, ok := c.relativePath(req)
	if !ok {
		return transport.RetrySafe
	}
	var buf [16]string // segments on the stack for the usual short path
	segs := buf[:0]
	for s := range strings.SplitSeq(strings.TrimPrefix(rel, "/"), "/") {
		segs = append(segs, s)
	}
	for i := range c.retries {
		r := &c.retries[i]
		if r.method != req.Method || !r.match(segs) {
			continue
		}
		switch r.retry {
		case retrySafe:
			return transport.RetrySafe
		case retryUnsafeUnlessPrecondition:
			if req.Header.Get("If-Match") != "" || req.Header.Get("If-None-Match") != "" {
				return transport.RetrySafe
			}
		}
		return transport.RetryUnsafe
	}
	return transport.RetrySafe
}

// relativePath returns req's escaped path below the base URL it was built
// against: the call's (per-call option.WithBaseURL) or the client's.
func (c *Client) relativePath(req *http.Request) (string, bool) {
	p := req.URL.EscapedPath()
	bases := []string{c.Config.BaseURL}
	if cfg, ok := option.FromContext(req.Context()); ok && cfg.BaseURL != c.Config.BaseURL {
		bases = append([]string{cfg.BaseURL}, bases...)
	}
	for _, b := range bases {
		u, err := transport.ParseBase(b)
		if err != nil || !strings.EqualFold(u.Host, req.URL.Host) {
			continue
		}
		bp := strings.TrimSuffix(u.EscapedPath(), "/")
		if rel, ok := strings.CutPrefix(p, bp); ok && (rel == "" || rel[0] == '/') {
			return rel, true
		}
	}
	return "", false
}
