package core_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/core"
)

// A 2xx response without a Body (hand-built, or from a middleware that
// answered itself through another path) decodes as an empty body instead of
// panicking on a nil Body.
func TestDecodeJSONNilBody(t *testing.T) {
	c := &core.Client{Service: testService()}
	v := map[string]int{"kept": 1}
	require.NotPanics(t, func() {
		require.NoError(t, c.DecodeJSON(&http.Response{StatusCode: 200, Header: http.Header{}}, nil, &v))
	})
	require.Equal(t, map[string]int{"kept": 1}, v)
}
