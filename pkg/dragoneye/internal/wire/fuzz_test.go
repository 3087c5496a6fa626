package wire

import (
	"testing"
)

// The fuzz targets below feed arbitrary bytes to one Parquet reader each
// (one decode per execution keeps each target above 500 execs/s on two
// cores): it must return rows or an error, never panic, hang or allocate
// without bound. The seeds are the members of testdata/polars_video.zip and
// a file from our writer. pkg/dragoneye's FuzzDecode*Results cover the ZIP
// layer too. Inputs over maxFuzzInput are skipped (they only slow each
// execution); run them with a bounded -fuzzminimizetime, as make fuzz does.

// maxFuzzInput bounds the inputs the fuzz targets read (64 KiB).
const maxFuzzInput = 64 << 10

// FuzzReadObjectsFast fuzzes the fast column assembler.
func FuzzReadObjectsFast(f *testing.F) {
	fuzzReadObjects(f, true)
}

// FuzzReadObjectsRows fuzzes parquet-go's row reader path.
func FuzzReadObjectsRows(f *testing.F) {
	fuzzReadObjects(f, false)
}

func fuzzReadObjects(f *testing.F, fast bool) {
	addParquetSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		_ = readObjects(b, func([]Object) error { return nil }, fast)
	})
}

// FuzzReadFrameTimestamps fuzzes the frame timestamps reader.
func FuzzReadFrameTimestamps(f *testing.F) {
	addParquetSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		_, _ = ReadFrameTimestamps(b)
	})
}

func addParquetSeeds(f *testing.F) {
	f.Add(member(f, "../../testdata/polars_video.zip", PredictionsMember))
	f.Add(member(f, "../../testdata/polars_video.zip", FrameTimestampsMember))
	f.Add(sampleFile(f))
	f.Add([]byte("PAR1PAR1"))
}
