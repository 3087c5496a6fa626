package wire

import (
	"testing"
)

// FuzzReadParquet feeds arbitrary bytes to the Parquet readers (the fast
// column assembler, parquet-go's row reader and the frame reader): they must
// return rows or an error, never panic, hang or allocate without bound. The
// seeds are the members of testdata/polars_video.zip and a file from our
// writer. pkg/dragoneye's FuzzDecodeResults covers the ZIP layer too.
// Inputs over 64 KiB are skipped (they only slow each execution); run it
// with a bounded -fuzzminimizetime, as make fuzz does.
func FuzzReadParquet(f *testing.F) {
	f.Add(member(f, "../../testdata/polars_video.zip", PredictionsMember))
	f.Add(member(f, "../../testdata/polars_video.zip", FrameTimestampsMember))
	f.Add(sampleFile(f))
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		_ = readObjects(b, func([]Object) error { return nil }, true)
		_ = readObjects(b, func([]Object) error { return nil }, false)
		_, _ = ReadFrameTimestamps(b)
	})
}
