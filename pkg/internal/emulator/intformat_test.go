package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// intSpec has integers with format int64 and int32 in every place the check
// follows: properties, items, additionalProperties, allOf and oneOf.
var intSpec = []byte(`openapi: 3.0.3
info: {title: ints, version: "1"}
paths:
  /ints:
    post:
      operationId: ints
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                seed: {type: integer, format: int64}
                small: {type: integer, format: int32}
                plain: {type: integer}
                list: {type: array, items: {type: integer, format: int64}}
                map: {type: object, additionalProperties: {type: integer, format: int64}}
                either:
                  oneOf:
                    - {type: integer, format: int64}
                    - {type: string}
                nested:
                  allOf:
                    - $ref: '#/components/schemas/Nested'
      responses:
        "200": {description: ok}
  /noints:
    post:
      operationId: noints
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                n: {type: number}
      responses:
        "200": {description: ok}
components:
  schemas:
    Nested:
      type: object
      properties:
        id: {type: integer, format: int64}
`)

// kin-openapi checks integer formats after converting to float64, where 2^63
// is the float of math.MaxInt64: it accepted 9223372036854775808 as an int64.
// The kit compares the exact text.
func TestIntegerFormatsExact(t *testing.T) {
	ft := &fakeTB{}
	defer ft.runCleanups()
	s, err := Start(ft, "ints", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}), WithSpec(intSpec))
	require.NoError(t, err)
	c := client(t)
	tests := []struct {
		name, body string
		field      string // "" = accepted
	}{
		{"max int64", `{"seed":9223372036854775807}`, ""},
		{"min int64", `{"seed":-9223372036854775808}`, ""},
		{"2^63", `{"seed":9223372036854775808}`, "request body /seed"},
		{"below min int64", `{"seed":-9223372036854775809}`, "request body /seed"},
		{"far past int64", `{"seed":9223372036854775809000}`, "request body /seed"},
		{"2^63 in decimal form", `{"seed":9223372036854775808.0}`, "request body /seed"},
		{"2^63 in exponent form", `{"seed":9.223372036854775808e18}`, "request body /seed"},
		{"max int64 in exponent form", `{"seed":9.223372036854775807e18}`, ""},
		{"max int32", `{"small":2147483647}`, ""},
		{"past int32", `{"small":2147483648}`, "request body /small"},
		{"no format is unbounded", `{"plain":9223372036854775808}`, ""},
		{"array item", `{"list":[1,9223372036854775808]}`, "request body /list/1"},
		{"additional property", `{"map":{"a/b":9223372036854775808}}`, "request body /map/a~1b"},
		{"oneOf integer branch", `{"either":9223372036854775808}`, "request body /either"},
		{"oneOf string branch", `{"either":"x"}`, ""},
		{"allOf ref", `{"nested":{"id":9223372036854775808}}`, "request body /nested/id"},
		{"allOf ref ok", `{"nested":{"id":-1}}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.ResetViolations()
			resp, body := do(t, c, "POST", s.URL+"/ints", "application/json", tc.body)
			if tc.field == "" {
				require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
				require.Empty(t, s.Violations())
				return
			}
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(body))
			typ, msg := errorMessage(t, body)
			require.Equal(t, "spec_violation", typ)
			require.Contains(t, msg, "ints: "+tc.field+": ")
			require.Contains(t, msg, "format")
			vs := s.Violations()
			require.Len(t, vs, 1)
			require.Equal(t, tc.field, vs[0].Field)
		})
	}

	// A body schema without formatted integers is not re-read.
	resp, body := do(t, c, "POST", s.URL+"/noints", "application/json", `{"n":9223372036854775808}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Empty(t, ft.errors())
}

func TestFitsInt(t *testing.T) {
	tests := []struct {
		n    string
		bits int
		want bool
	}{
		{"0", 64, true},
		{"-0", 64, true},
		{"9223372036854775807", 64, true},
		{"9223372036854775808", 64, false},
		{"-9223372036854775808", 64, true},
		{"-9223372036854775809", 64, false},
		{"92233720368547758070", 64, false},
		{"2147483647", 32, true},
		{"-2147483648", 32, true},
		{"2147483648", 32, false},
		{"-9223372036854775809.0", 64, false},
		{"9223372036854775807.0", 64, true},
		{"0.9223372036854775808e19", 64, false},
		{"1.5", 64, true},    // not an integer: kin-openapi's verdict stands
		{"1e-999", 64, true}, // never compared exactly (not near 2^63)
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, fitsInt(tc.n, tc.bits), "%s as int%d", tc.n, tc.bits)
	}
}
