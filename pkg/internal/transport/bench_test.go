package transport_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/option"
)

// patternBody yields n bytes without allocating them; it is a type net/http
// and the transport know nothing about, as a caller's upload reader is.
type patternBody struct{ n int64 }

func (r *patternBody) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = byte(i)
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// BenchmarkUpload streams a 64 MiB body from a caller's reader to a loopback
// server through the transport, with a cancelable context (as every call
// with a deadline has).
func BenchmarkUpload(b *testing.B) {
	const size = 64 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name          string
		contentLength int64
	}{{"Content-Length", size}, {"chunked", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			tr := newBenchTransport(b)
			defer tr.CloseIdleConnections()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL, &patternBody{n: size})
				if err != nil {
					b.Fatal(err)
				}
				req.ContentLength = tc.contentLength
				resp, err := tr.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.Status)
				}
			}
		})
	}
}

func newBenchTransport(b *testing.B) *transport.Transport {
	b.Helper()
	cfg, err := option.NewConfig(option.WithMaxRetries(0))
	if err != nil {
		b.Fatal(err)
	}
	return transport.New("bench", cfg, nil)
}
