package specs

import (
	"context"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// TestNullableHasType checks the form of "any JSON value, or null" the specs use: OpenAPI
// 3.0 has no null type, and `nullable` without `type` is rejected by Redocly's and
// Spectral's example validators (ajv), so every nullable schema has a type, and a schema
// that admits any value or null is an anyOf with a null-only branch
// (`{type: object, nullable: true, enum: [null]}`). kin-openapi, the emulators'
// validator, must accept null in every such schema.
func TestNullableHasType(t *testing.T) {
	for _, name := range Services {
		t.Run(name, func(t *testing.T) {
			data, err := FS.ReadFile(name + ".yaml")
			require.NoError(t, err)
			doc, err := openapi3.NewLoader().LoadFromData(data)
			require.NoError(t, err)
			require.NoError(t, doc.Validate(context.Background()))
			seen := map[*openapi3.Schema]bool{}
			var walk func(path string, s *openapi3.SchemaRef)
			walk = func(path string, s *openapi3.SchemaRef) {
				if s == nil || s.Value == nil || seen[s.Value] {
					return
				}
				v := s.Value
				seen[v] = true
				if v.Nullable {
					require.NotNil(t, v.Type, "%s: nullable without type", path)
				}
				for _, b := range v.AnyOf {
					if b.Value != nil && b.Value.Nullable && len(b.Value.Enum) == 1 && b.Value.Enum[0] == nil {
						require.NoError(t, v.VisitJSON(nil), "%s: null refused", path)
					}
				}
				for k, p := range v.Properties {
					walk(path+"."+k, p)
				}
				for i, xs := range [][]*openapi3.SchemaRef{v.AnyOf, v.OneOf, v.AllOf} {
					for j, x := range xs {
						walk(path+"/"+[]string{"anyOf", "oneOf", "allOf"}[i]+"/"+string(rune('0'+j)), x)
					}
				}
				walk(path+"[]", v.Items)
				walk(path+"{}", v.AdditionalProperties.Schema)
			}
			for k, s := range doc.Components.Schemas {
				walk(k, s)
			}
			require.NotEmpty(t, seen)
		})
	}
}
