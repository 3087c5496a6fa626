//go:build race

package dial

// raceEnabled: the race detector changes allocation counts (sync.Pool
// drops what it holds), so allocation checks are skipped under it.
const raceEnabled = true
