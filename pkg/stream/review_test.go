package stream

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The BOM check at the start of a stream must not wait for three bytes when
// what has arrived already cannot be a BOM: a first NDJSON line "1\n" (or a
// short SSE line) would otherwise be held back until more data came.
func TestShortFirstLineNotHeldForBOM(t *testing.T) {
	tests := []struct {
		name  string
		first string
		dec   func(io.Reader) Decoder
		want  string
	}{
		{"NDJSON 1-byte line", "1\n", func(r io.Reader) Decoder { return NewNDJSONDecoder(r, 0) }, "1"},
		{"NDJSON after BOM prefix mismatch", "7\r", func(r io.Reader) Decoder { return NewNDJSONDecoder(r, 0) }, "7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pr.Close()
			go func() { _, _ = pw.Write([]byte(tc.first)) }() // then the writer stays silent
			d := tc.dec(pr)
			got := make(chan string, 1)
			go func() {
				if d.Next() {
					got <- string(d.Event().Data)
					return
				}
				got <- "<end>"
			}()
			select {
			case v := <-got:
				require.Equal(t, tc.want, v)
			case <-time.After(2 * time.Second):
				_ = pw.Close()
				<-got
				t.Fatal("the first line was held back waiting for more bytes")
			}
			_ = pw.Close()
		})
	}
}
