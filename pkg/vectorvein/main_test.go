package vectorvein_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (pollers,
// rate-limit timers, emulator servers and their connections included).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
