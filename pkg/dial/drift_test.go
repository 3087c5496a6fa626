package dial_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/specs"
)

// TestWrapperTypesMatchSpec guards the hand-written wrapper types against
// drift from specs/dial.yaml: every property of the listed schemas (and of
// the object schemas nested in them) must have a field with that JSON name,
// unless it is listed in handled with the reason.
func TestWrapperTypesMatchSpec(t *testing.T) {
	data, err := specs.FS.ReadFile("dial.yaml")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)

	roots := map[string]reflect.Type{
		"ErrorDetails":           reflect.TypeFor[dial.ErrorDetails](),
		"Deployment":             reflect.TypeFor[dial.Deployment](),
		"Model":                  reflect.TypeFor[dial.Model](),
		"Application":            reflect.TypeFor[dial.Application](),
		"Features":               reflect.TypeFor[dial.Features](),
		"ChatCompletionRequest":  reflect.TypeFor[dial.ChatCompletionRequest](),
		"Message":                reflect.TypeFor[dial.Message](),
		"ResponseMessage":        reflect.TypeFor[dial.Message](),
		"ChatCompletionResponse": reflect.TypeFor[dial.ChatCompletion](),
		"ChatCompletionChunk":    reflect.TypeFor[dial.ChatCompletionChunk](),
		"Bucket":                 reflect.TypeFor[dial.Bucket](),
		"ResourceMetadata":       reflect.TypeFor[dial.Metadata](),
		"TokenizeInput":          reflect.TypeFor[dial.TokenizeInput](),
		"TokenizeOutputs": reflect.TypeFor[struct {
			Outputs []dial.TokenizeOutput `json:"outputs"`
		}](),
		"TruncatePromptOutputs": reflect.TypeFor[struct {
			Outputs []dial.TruncatePromptOutput `json:"outputs"`
		}](),
	}
	// Properties written or read by custom code rather than a tagged field,
	// keyed by Go type and JSON name.
	handled := map[string]string{
		"ChatCompletionRequest.stream": "set by Create/Stream (chatBody)",
		"Message.content":              "Content/Parts, by Message.MarshalJSON/UnmarshalJSON",
	}
	var missing, extra []string
	described := map[reflect.Type]map[string]bool{} // Go type -> properties of the schemas it stands for
	type visit struct {
		s   *openapi3.Schema
		typ reflect.Type
	}
	seen := map[visit]bool{}
	var walk func(name string, s *openapi3.Schema, typ reflect.Type)
	walk = func(name string, s *openapi3.Schema, typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if seen[visit{s, typ}] || typ.Kind() != reflect.Struct {
			return
		}
		seen[visit{s, typ}] = true
		fields := jsonFields(typ)
		props := properties(s)
		if described[typ] == nil {
			described[typ] = map[string]bool{}
		}
		for prop := range props {
			described[typ][prop] = true
		}
		for prop, ps := range props {
			where := name + "." + prop
			f, ok := fields[prop]
			if !ok {
				if handled[typ.Name()+"."+prop] == "" {
					missing = append(missing, where+" (Go "+typ.Name()+")")
				}
				continue
			}
			sub := ps
			if sub.Items != nil && sub.Items.Value != nil {
				sub = sub.Items.Value
			}
			if len(properties(sub)) > 0 {
				walk(where, sub, f.Type)
			}
		}
	}
	for name, typ := range roots {
		sr := doc.Components.Schemas[name]
		require.NotNil(t, sr, name)
		walk(name, sr.Value, typ)
	}
	for typ, props := range described {
		for name := range jsonFields(typ) {
			if !props[name] {
				extra = append(extra, typ.Name()+"."+name)
			}
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "spec properties without a wrapper field")
	sort.Strings(extra)
	require.Empty(t, extra, "wrapper fields the spec does not describe")
}

// properties merges a schema's own properties with those of its allOf parts.
func properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	for _, part := range s.AllOf {
		for k, v := range properties(part.Value) {
			out[k] = v
		}
	}
	for k, v := range s.Properties {
		out[k] = v.Value
	}
	return out
}

// jsonFields maps JSON names to fields, following embedded structs.
func jsonFields(typ reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(typ) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}
