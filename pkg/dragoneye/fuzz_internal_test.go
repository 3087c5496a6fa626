package dragoneye

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"testing"
)

// FuzzDecodeResults feeds arbitrary bodies to both decoders: they must
// return objects or an error, never panic, hang or allocate without bound.
// `go test` runs the seeds; `make fuzz` fuzzes it. Inputs over maxFuzzInput
// are skipped: the seeds are under 16 KiB, and larger inputs only slow each
// execution. Run it with a bounded -fuzzminimizetime (make fuzz does): with
// the default 60s per new input, minimizing the seeds' 8 KiB derivatives
// took nearly all the time and the fuzzer reported a few execs/s.
func FuzzDecodeResults(f *testing.F) {
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
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxFuzzInput {
			return
		}
		_, _, _ = decodeVideoObjects(b, 1<<20)
		_, _ = decodeImageObjects(b, 1<<20)
	})
}

// maxFuzzInput bounds the inputs the fuzz targets decode (64 KiB).
const maxFuzzInput = 64 << 10
