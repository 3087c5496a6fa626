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
// `go test` runs the seeds. Note: any test binary that links parquet-go
// fuzzes slowly (a trivial target runs at ~70 execs/s on this machine, from
// coverage instrumentation), so `go test -fuzz` needs a long -fuzztime here;
// TestDecodeMutatedBodies covers random damage deterministically.
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
		_, _, _ = decodeVideoObjects(b, 1<<20)
		_, _ = decodeImageObjects(b, 1<<20)
	})
}
