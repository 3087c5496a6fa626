package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/aiclients/sdk-go/specs"
)

// GreedyExtension is the parameter extension that lets a path parameter span
// several path segments ("/" included). It must be set to true on the
// parameter's definition, e.g.
//
//	parameters:
//	  - {name: path, in: path, required: true, schema: {type: string}, x-greedy-path: true}
//
// A greedy parameter must fill a whole segment of the template and matches one
// or more request segments.
const GreedyExtension = "x-greedy-path"

// compiledSpec is a loaded, validated document plus its router. It is shared
// (read-only) by every Server started with the same spec.
type compiledSpec struct {
	doc    *openapi3.T
	routes []*routeTemplate
	bases  []string // path prefixes of the spec's servers ("/v1"), longest first

	intFormats sync.Map // *openapi3.Schema -> bool: see hasIntFormats
}

var specCache = struct {
	sync.Mutex
	m map[string]*specEntry
}{m: map[string]*specEntry{}}

type specEntry struct {
	once sync.Once
	spec *compiledSpec
	err  error
}

// loadSpec returns the compiled spec of service (from specs.FS) or of doc when
// doc is not nil. Results are cached per service name / document hash.
func loadSpec(service string, doc []byte) (*compiledSpec, error) {
	key := "service:" + service
	if doc != nil {
		sum := sha256.Sum256(doc)
		key = "doc:" + hex.EncodeToString(sum[:])
	}
	specCache.Lock()
	e := specCache.m[key]
	if e == nil {
		e = &specEntry{}
		specCache.m[key] = e
	}
	specCache.Unlock()
	e.once.Do(func() {
		data := doc
		if data == nil {
			var err error
			data, err = fs.ReadFile(specs.FS, service+".yaml")
			if err != nil {
				e.err = fmt.Errorf("emulator: no spec for service %q: %w", service, err)
				return
			}
		}
		e.spec, e.err = compileSpec(data)
		if e.err != nil {
			e.err = fmt.Errorf("emulator: spec of %q: %w", service, e.err)
		}
	})
	return e.spec, e.err
}

func compileSpec(data []byte) (*compiledSpec, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid: %w", err)
	}
	cs := &compiledSpec{doc: doc}
	if doc.Paths != nil {
		for _, tmpl := range doc.Paths.InMatchingOrder() {
			item := doc.Paths.Value(tmpl)
			rt, err := compileTemplate(tmpl, item)
			if err != nil {
				return nil, err
			}
			cs.routes = append(cs.routes, rt)
		}
	}
	for _, s := range doc.Servers {
		if s == nil || strings.Contains(s.URL, "{") {
			continue
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		if p := strings.TrimRight(u.Path, "/"); p != "" {
			cs.bases = append(cs.bases, p)
		}
	}
	sort.Slice(cs.bases, func(i, j int) bool { return len(cs.bases[i]) > len(cs.bases[j]) })
	return cs, nil
}

// segment kinds, in increasing order of specificity.
const (
	segGreedy = iota
	segParam
	segMixed // a parameter with a literal prefix and/or suffix: "{name}:predict"
	segLiteral
)

type segment struct {
	kind           int
	literal        string // segLiteral
	name           string // parameter name
	prefix, suffix string // segMixed
}

type routeTemplate struct {
	path     string
	item     *openapi3.PathItem
	segments []segment
}

func compileTemplate(tmpl string, item *openapi3.PathItem) (*routeTemplate, error) {
	greedy := map[string]bool{}
	mark := func(ps openapi3.Parameters) {
		for _, p := range ps {
			if p == nil || p.Value == nil || p.Value.In != openapi3.ParameterInPath {
				continue
			}
			if v, ok := p.Value.Extensions[GreedyExtension].(bool); ok && v {
				greedy[p.Value.Name] = true
			}
		}
	}
	if item != nil {
		mark(item.Parameters)
		for _, op := range item.Operations() {
			mark(op.Parameters)
		}
	}
	rt := &routeTemplate{path: tmpl, item: item}
	for _, raw := range splitPath(tmpl) {
		open := strings.IndexByte(raw, '{')
		close := strings.LastIndexByte(raw, '}')
		switch {
		case open < 0:
			rt.segments = append(rt.segments, segment{kind: segLiteral, literal: raw})
		case close < open || strings.Count(raw, "{") != 1:
			return nil, fmt.Errorf("path %q: unsupported segment %q (one parameter per segment)", tmpl, raw)
		case open == 0 && close == len(raw)-1:
			name := raw[1 : len(raw)-1]
			kind := segParam
			if greedy[name] {
				kind = segGreedy
			}
			rt.segments = append(rt.segments, segment{kind: kind, name: name})
		default:
			name := raw[open+1 : close]
			if greedy[name] {
				return nil, fmt.Errorf("path %q: greedy parameter %q must fill a whole segment", tmpl, name)
			}
			rt.segments = append(rt.segments, segment{kind: segMixed, name: name, prefix: raw[:open], suffix: raw[close+1:]})
		}
	}
	return rt, nil
}

// splitPath splits "/a/b/" into ["a", "b", ""]; "/" gives [""].
func splitPath(p string) []string {
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// match matches raw (escaped) request segments and returns the unescaped path
// parameters and a specificity score (one entry per template segment).
func (rt *routeTemplate) match(raw []string) (params map[string]string, score []int, ok bool) {
	params = map[string]string{}
	if !matchSegments(rt.segments, raw, params, &score) {
		return nil, nil, false
	}
	return params, score, true
}

func matchSegments(segs []segment, raw []string, params map[string]string, score *[]int) bool {
	if len(segs) == 0 {
		return len(raw) == 0
	}
	if len(raw) == 0 {
		return false
	}
	s := segs[0]
	mark := len(*score)
	*score = append(*score, s.kind)
	switch s.kind {
	case segLiteral:
		if unescape(raw[0]) == s.literal && matchSegments(segs[1:], raw[1:], params, score) {
			return true
		}
	case segParam:
		if raw[0] != "" && matchSegments(segs[1:], raw[1:], params, score) {
			params[s.name] = unescape(raw[0])
			return true
		}
	case segMixed:
		v := unescape(raw[0])
		if len(v) > len(s.prefix)+len(s.suffix) && strings.HasPrefix(v, s.prefix) && strings.HasSuffix(v, s.suffix) &&
			matchSegments(segs[1:], raw[1:], params, score) {
			params[s.name] = v[len(s.prefix) : len(v)-len(s.suffix)]
			return true
		}
	case segGreedy:
		// Take as few segments as possible so later literals still match;
		// the remaining template needs at least len(segs)-1 segments.
		for n := 1; n <= len(raw)-(len(segs)-1); n++ {
			*score = (*score)[:mark+1]
			if matchSegments(segs[1:], raw[n:], params, score) {
				parts := make([]string, n)
				for i, r := range raw[:n] {
					parts[i] = unescape(r)
				}
				v := strings.Join(parts, "/")
				if v == "" {
					continue
				}
				params[s.name] = v
				return true
			}
		}
	}
	*score = (*score)[:mark]
	return false
}

func unescape(s string) string {
	if v, err := url.PathUnescape(s); err == nil {
		return v
	}
	return s
}

// better reports whether score a is more specific than b: compared segment by
// segment, a literal beats a parameter, which beats a greedy parameter; at
// equal prefixes, the longer template wins.
func better(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}

// routeMatch is the result of routing one request.
type routeMatch struct {
	tmpl      *routeTemplate
	method    string
	op        *openapi3.Operation // nil: path known, method not
	params    map[string]string
	allowed   []string
	specified bool // a template matched at all
}

// find routes an escaped request path and method. It prefers the most
// specific template that has the method; if templates match but none has the
// method, op is nil and allowed lists the methods of the best template.
func (cs *compiledSpec) find(method, escapedPath string) routeMatch {
	candidates := []string{escapedPath}
	for _, b := range cs.bases {
		if rest, ok := strings.CutPrefix(escapedPath, b); ok && strings.HasPrefix(rest, "/") {
			candidates = append(candidates, rest)
		}
	}
	for _, p := range candidates {
		if m := cs.findOne(method, p); m.specified {
			return m
		}
	}
	return routeMatch{}
}

func (cs *compiledSpec) findOne(method, escapedPath string) routeMatch {
	raw := splitPath(escapedPath)
	var best, bestAny routeMatch
	var bestScore, bestAnyScore []int
	for _, rt := range cs.routes {
		params, score, ok := rt.match(raw)
		if !ok {
			continue
		}
		if !bestAny.specified || better(score, bestAnyScore) {
			bestAny = routeMatch{tmpl: rt, params: params, specified: true}
			bestAnyScore = score
		}
		op := rt.item.GetOperation(method)
		if op == nil {
			continue
		}
		if best.op == nil || better(score, bestScore) {
			best = routeMatch{tmpl: rt, method: method, op: op, params: params, specified: true}
			bestScore = score
		}
	}
	if best.op != nil {
		return best
	}
	if bestAny.specified {
		for m := range bestAny.tmpl.item.Operations() {
			bestAny.allowed = append(bestAny.allowed, m)
		}
		sort.Strings(bestAny.allowed)
	}
	return bestAny
}
