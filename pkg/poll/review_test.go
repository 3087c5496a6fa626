package poll

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A nil context is bad input: a clear error, not a panic inside
// context.WithTimeout or on ctx.Done().
func TestUntilNilContext(t *testing.T) {
	for _, p := range []Policy{{Immediate: true}, {Timeout: time.Second, Immediate: true}} {
		calls := 0
		require.NotPanics(t, func() {
			//lint:ignore SA1012 the nil context is the point of the test
			_, err := Until(nil, p, func(context.Context) (int, bool, error) { //nolint:staticcheck
				calls++
				return 1, true, nil
			}, nil)
			require.ErrorContains(t, err, "nil context")
		})
		require.Zero(t, calls)
	}
}
