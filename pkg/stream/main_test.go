package stream

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (idle
// timers, pipe writers, HTTP servers and connections included).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
