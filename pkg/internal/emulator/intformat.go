package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Bounds of the integer-format check.
const (
	// maxIntCheckDepth bounds how deep the check follows a body and its
	// schema together (objects, arrays and allOf/anyOf/oneOf branches).
	maxIntCheckDepth = 64
	// maxExactNumberText is the longest number text (in decimal or exponent
	// form) the check compares exactly with big.Rat; longer ones keep
	// kin-openapi's verdict.
	maxExactNumberText = 1024
)

// intFormatIssues reports the integers of a JSON request body that kin-openapi
// accepted but that do not fit their schema's `format: int64` or `int32`.
// kin-openapi compares numbers after converting them to float64, where
// 2^63 = 9223372036854775808 is the float of math.MaxInt64, so it accepts it
// as an int64. This re-reads the body with json.Number (exact text) and checks
// every integer whose schema has such a format. It runs only for operations
// whose body schema has one, and only on a buffered body.
func (s *Server) intFormatIssues(r *http.Request, m routeMatch, body bodyInfo) []issue {
	if body.streamed || len(body.data) == 0 || m.op == nil || m.op.RequestBody == nil || m.op.RequestBody.Value == nil {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	if !isJSONMedia(ct) {
		return nil
	}
	mt := m.op.RequestBody.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || !s.spec.hasIntFormats(mt.Schema.Value) {
		return nil
	}
	var exact, approx any
	dec := json.NewDecoder(bytes.NewReader(body.data))
	dec.UseNumber()
	if dec.Decode(&exact) != nil || json.Unmarshal(body.data, &approx) != nil {
		return nil // kin-openapi has reported it already
	}
	return intIssues(mt.Schema.Value, exact, approx, nil, 0)
}

// hasIntFormats reports whether an integer schema with format int64 or int32
// is reachable from sc (through properties, additionalProperties, items and
// allOf/anyOf/oneOf). Answers are cached per schema.
func (cs *compiledSpec) hasIntFormats(sc *openapi3.Schema) bool {
	if v, ok := cs.intFormats.Load(sc); ok {
		return v.(bool) //nolint:forcetypeassert // only bools are stored
	}
	found := reachesIntFormat(sc, map[*openapi3.Schema]bool{})
	cs.intFormats.Store(sc, found)
	return found
}

func reachesIntFormat(sc *openapi3.Schema, seen map[*openapi3.Schema]bool) bool {
	if sc == nil || seen[sc] {
		return false
	}
	seen[sc] = true
	if intBits(sc) != 0 {
		return true
	}
	refs := slices.Concat(sc.AllOf, sc.AnyOf, sc.OneOf)
	refs = append(refs, sc.Items, sc.AdditionalProperties.Schema)
	for _, p := range sc.Properties {
		refs = append(refs, p)
	}
	for _, ref := range refs {
		if ref != nil && reachesIntFormat(ref.Value, seen) {
			return true
		}
	}
	return false
}

// intBits is 64 or 32 for an integer schema with format int64 or int32, else 0.
func intBits(sc *openapi3.Schema) int {
	if sc.Type == nil || !sc.Type.Includes(openapi3.TypeInteger) {
		return 0
	}
	switch sc.Format {
	case "int64":
		return 64
	case "int32":
		return 32
	}
	return 0
}

// intIssues walks exact (decoded with json.Number) and approx (the same body
// decoded with float64, as kin-openapi sees it) together with sc. Of the
// branches of an anyOf/oneOf, only those kin-openapi matches are checked, and
// the value is accepted when one of them accepts it.
func intIssues(sc *openapi3.Schema, exact, approx any, path []string, depth int) []issue {
	if sc == nil || depth > maxIntCheckDepth {
		return nil
	}
	var out []issue
	for _, b := range sc.AllOf {
		if b != nil {
			out = append(out, intIssues(b.Value, exact, approx, path, depth+1)...)
		}
	}
	for _, alts := range []openapi3.SchemaRefs{sc.AnyOf, sc.OneOf} {
		var first []issue
		matched, accepted := false, false
		for _, b := range alts {
			if b == nil || b.Value == nil || b.Value.VisitJSON(approx, openapi3.VisitAsRequest()) != nil {
				continue
			}
			is := intIssues(b.Value, exact, approx, path, depth+1)
			if len(is) == 0 {
				accepted = true
				break
			}
			if !matched {
				first, matched = is, true
			}
		}
		if matched && !accepted {
			out = append(out, first...)
		}
	}
	switch v := exact.(type) {
	case json.Number:
		if bits := intBits(sc); bits != 0 && !fitsInt(string(v), bits) {
			out = append(out, issue{bodyField(path), fmt.Sprintf(
				"integer doesn't match the format %q (value should be between %d and %d)",
				sc.Format, int64(-1)<<(bits-1), uint64(1)<<(bits-1)-1)})
		}
	case map[string]any:
		am, _ := approx.(map[string]any)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var ps *openapi3.Schema
			if p := sc.Properties[k]; p != nil {
				ps = p.Value
			} else if ap := sc.AdditionalProperties.Schema; ap != nil {
				ps = ap.Value
			}
			out = append(out, intIssues(ps, v[k], am[k], append(slices.Clip(path), k), depth+1)...)
		}
	case []any:
		if sc.Items == nil {
			break
		}
		aa, _ := approx.([]any)
		for i, e := range v {
			var ae any
			if i < len(aa) {
				ae = aa[i]
			}
			out = append(out, intIssues(sc.Items.Value, e, ae, append(slices.Clip(path), strconv.Itoa(i)), depth+1)...)
		}
	}
	return out
}

// bodyField names a place in the request body like kin-openapi's errors do:
// "request body /messages/0/seed" (JSON pointer escaping).
func bodyField(path []string) string {
	if len(path) == 0 {
		return "request body"
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = esc.Replace(p)
	}
	return "request body /" + strings.Join(parts, "/")
}

// fitsInt reports whether the JSON number text n is an integer that fits in
// a signed integer of bits bits. A plain integer literal is parsed exactly.
// Other forms (1.0, 9.2e18) already passed kin-openapi's float64 check, which
// is exact except where a value rounds onto ±2^63; only those are compared
// exactly, and only when the text is at most maxExactNumberText long (the
// value being near 2^63, its exponent is then small).
func fitsInt(n string, bits int) bool {
	if isIntLiteral(n) {
		_, err := strconv.ParseInt(n, 10, bits)
		return err == nil
	}
	if bits != 64 || len(n) > maxExactNumberText {
		return true
	}
	f, err := strconv.ParseFloat(n, 64)
	if err != nil || math.Abs(f) != math.Exp2(63) {
		return true
	}
	r, ok := new(big.Rat).SetString(n)
	if !ok || !r.IsInt() {
		return true // kin-openapi's verdict on non-integers stands
	}
	return r.Num().IsInt64()
}

// isIntLiteral reports whether n is -?[0-9]+.
func isIntLiteral(n string) bool {
	n = strings.TrimPrefix(n, "-")
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}
