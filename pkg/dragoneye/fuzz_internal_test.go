package dragoneye

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
)

// The fuzz targets below feed arbitrary bodies to one results decoder each
// (one decode per execution keeps each target above 500 execs/s on two
// cores): it must return objects or a *ResultsError, never panic, hang or
// allocate without bound. `go test` runs the seeds; `make fuzz` fuzzes them.
// Inputs over maxFuzzInput are skipped: the seeds are under 16 KiB, and
// larger inputs only slow each execution. Run them with a bounded
// -fuzzminimizetime (make fuzz does): with the default 60s per new input,
// minimizing the seeds' 8 KiB derivatives took nearly all the time and the
// fuzzer reported a few execs/s.

// FuzzDecodeImageResults fuzzes the image results decoder.
func FuzzDecodeImageResults(f *testing.F) {
	addResultsSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		_, err := decodeImageObjects(b, 1<<20)
		checkResultsError(t, err)
	})
}

// FuzzDecodeVideoResults fuzzes the video results decoder (predictions and
// frame timestamps); the timestamps it returns are sorted.
func FuzzDecodeVideoResults(f *testing.F) {
	addResultsSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		_, ts, err := decodeVideoObjects(b, 1<<20)
		checkResultsError(t, err)
		if err == nil && !slices.IsSorted(ts) {
			t.Fatalf("frame timestamps not sorted: %v", ts)
		}
	})
}

// addResultsSeeds adds testdata/polars_video.zip, each of its members and a
// few short bodies.
func addResultsSeeds(f *testing.F) {
	body, err := os.ReadFile("testdata/polars_video.zip")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		f.Fatal(err)
	}
	for _, m := range zr.File {
		rc, err := m.Open()
		if err != nil {
			f.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("PAR1"))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
}

// checkResultsError fails t unless err is nil or a *ResultsError.
func checkResultsError(t *testing.T, err error) {
	t.Helper()
	var re *ResultsError
	if err != nil && !errors.As(err, &re) {
		t.Fatalf("error is %T, want *ResultsError: %v", err, err)
	}
}

// maxFuzzInput bounds the inputs the fuzz targets decode (64 KiB).
const maxFuzzInput = 64 << 10
