package emulator

import (
	"testing"

	pub "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/stretchr/testify/require"
)

func draw(r *Random) []uint64 {
	out := make([]uint64, 4)
	for i := range out {
		out[i] = r.Uint64()
	}
	b := make([]byte, 13) // not a multiple of 8
	r.Read(b)
	return append(out, uint64(b[0])<<56|uint64(b[12]))
}

func TestRandomSeeded(t *testing.T) {
	seven, seven2, eight := int64(7), int64(7), int64(8)
	a, b, c := NewRandom(&seven), NewRandom(&seven2), NewRandom(&eight)
	require.True(t, a.Seeded())
	first := draw(a)
	require.Equal(t, first, draw(b), "same seed, same values")
	require.NotEqual(t, first, draw(c), "another seed, other values")

	u1, u2 := NewRandom(nil), NewRandom(nil)
	require.False(t, u1.Seeded())
	require.NotEqual(t, draw(u1), draw(u2), "without a seed every source differs")
	require.NotNil(t, RandomOf(nil))
}

func TestWithSeedReachesTheServer(t *testing.T) {
	values := func(opts ...Option) []uint64 {
		s, err := Start(t, "dial", nil, opts...)
		require.NoError(t, err)
		return draw(RandomOf(s))
	}
	seeded := values(Public(pub.WithSeed(42)))
	require.Equal(t, seeded, values(WithSeed(42)), "the public and the kit option agree")
	require.Equal(t, seeded, values(Public(pub.WithSeed(42))))
	require.NotEqual(t, seeded, values())
	s, err := Start(t, "dial", nil)
	require.NoError(t, err)
	require.False(t, RandomOf(s).Seeded())
}
