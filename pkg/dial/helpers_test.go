package dial_test

import "github.com/aiclients/sdk-go/pkg/internal/emulator"

// emulatorFault cuts the connection after n body bytes of responses to path.
func emulatorFault(path string, n int) emulator.Fault {
	return emulator.Fault{Path: path, DropAfter: n}
}
