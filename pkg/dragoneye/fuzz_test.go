package dragoneye_test

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
)

// TestDecodeMutatedBodies is a deterministic slice of the fuzz target:
// random byte damage to a real archive and to a bare Parquet file (sizes
// overwritten with huge values included) must give errors, never a panic,
// a hang or a huge allocation.
func TestDecodeMutatedBodies(t *testing.T) {
	objs, frames := sampleVideo()
	body, err := dragoneyetest.EncodeVideoResults(objs, frames)
	require.NoError(t, err)
	pred := predictionsOnly(t, body)
	r := rand.New(rand.NewSource(2))
	for i := range 300 {
		src := pred
		if i%2 == 0 {
			src = body
		}
		b := append([]byte(nil), src...)
		for range 1 + r.Intn(6) {
			switch r.Intn(3) {
			case 0:
				b[r.Intn(len(b))] = byte(r.Intn(256))
			case 1:
				b[r.Intn(len(b))] = 0xff
			default:
				copy(b[r.Intn(len(b)-4):], []byte{0xff, 0xff, 0xff, 0x7f})
			}
		}
		_, _, _ = dragoneye.DecodeVideoObjects(b)
		_, _ = dragoneye.DecodeImageObjects(b)
	}
}
