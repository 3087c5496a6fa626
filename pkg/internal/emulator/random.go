package emulator

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"sync"
)

// Random is the source of the values an emulator makes up (ids, and
// anything else that would differ from one run to the next). Seeded with
// WithSeed (public: emulator.WithSeed, cmd/emulator -seed), the same
// sequence of calls gives the same values in every run, so the ids a test
// sees are reproducible as long as its requests arrive in the same order.
// Without a seed it is seeded from crypto/rand. Safe for concurrent use.
type Random struct {
	mu     sync.Mutex
	r      *rand.Rand
	seeded bool
}

// NewRandom returns a Random seeded with *seed, or from crypto/rand when
// seed is nil.
func NewRandom(seed *int64) *Random {
	var s1, s2 uint64
	if seed != nil {
		// Two different words from one seed (PCG wants 128 bits).
		s1, s2 = uint64(*seed), uint64(*seed)^0x9e3779b97f4a7c15
	} else {
		var b [16]byte
		_, _ = crand.Read(b[:]) // never fails (crypto/rand documents it)
		s1, s2 = binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	}
	return &Random{r: rand.New(rand.NewPCG(s1, s2)), seeded: seed != nil}
}

// Seeded reports whether the source was given a seed.
func (r *Random) Seeded() bool { return r.seeded }

// Uint64 returns the next pseudo-random number.
func (r *Random) Uint64() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Uint64()
}

// Read fills p with pseudo-random bytes.
func (r *Random) Read(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 0; i < len(p); i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.r.Uint64())
		copy(p[i:], w[:])
	}
}

// unseeded serves RandomOf(nil).
var unseeded = NewRandom(nil)

// RandomOf returns the Random of s (seeded by WithSeed), or an unseeded one
// when s is nil. It is a function rather than a method so that it does not
// join the API of the service emulators, which embed *Server.
func RandomOf(s *Server) *Random {
	if s == nil || s.random == nil {
		return unseeded
	}
	return s.random
}
