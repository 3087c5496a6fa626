package dial_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/upload/progresstest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// slowReader yields data in chunks of 16 KiB, sleeping between them, so an
// upload lasts long enough for several progress reports.
type slowReader struct {
	r     io.Reader
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	return s.r.Read(p[:min(len(p), 16<<10)])
}

// TestUploadProgress: the reports of an upload add up to the content's size
// (known or not), empty content gives one report, and a slow upload gets
// several reports at a bounded rate.
func TestUploadProgress(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, tc := range []struct {
		name  string
		body  func() io.Reader
		size  int64
		total int64
		many  bool
	}{
		{"known size", func() io.Reader { return bytes.NewReader(data) }, int64(len(data)), int64(len(data)), false},
		{"unknown size", func() io.Reader { return io.MultiReader(bytes.NewReader(data)) }, int64(len(data)), -1, false},
		{"empty", func() io.Reader { return strings.NewReader("") }, 0, 0, false},
		{"slow", func() io.Reader {
			return &slowReader{r: bytes.NewReader(data[:20*16<<10]), pause: 15 * time.Millisecond}
		}, 20 * 16 << 10, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := progresstest.New()
			_, err := c.Files.Upload(ctx, "p/"+tc.name+".bin", tc.body(), nil, rec.Option())
			require.NoError(t, err)
			rec.Check(t, tc.name+".bin", tc.size, tc.total)
			if tc.many {
				require.Greater(t, len(rec.Reports()), 1, "a 300 ms upload reports before its end")
			}
			stored, _, ok := srv.File(dialtest.DefaultUser, "p/"+tc.name+".bin")
			require.True(t, ok)
			require.Len(t, stored, int(tc.size))
		})
	}
}

// TestUploadProgressRestartsOnRetry: a retried upload reports its second
// attempt from 0, and that attempt ends the reports.
func TestUploadProgressRestartsOnRetry(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(2))
	ctx := context.Background()
	_, err := c.Home(ctx)
	require.NoError(t, err)
	srv.InjectFault(emulator.Fault{Method: "PUT", Nth: 1, Status: 503})
	rec := progresstest.New()
	_, err = c.Files.Upload(ctx, "p/retry.txt", strings.NewReader("retried content"), nil, option.WithRetryUnsafe(), rec.Option())
	require.NoError(t, err)
	rec.Check(t, "retry.txt", 15, 15)
	got := rec.Reports()
	require.Equal(t, 2, got[len(got)-1].Attempt)
}

// TestDownloadProgress: reading a download reports its bytes up to the
// Content-Length; an empty file gives one report.
func TestDownloadProgress(t *testing.T) {
	_, c := newClient(t, nil)
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 300_000)
	for name, content := range map[string][]byte{"big.bin": data, "empty.bin": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Files.Upload(ctx, "d/"+name, bytes.NewReader(content), nil)
			require.NoError(t, err)
			rec := progresstest.New()
			d, err := c.Files.Download(ctx, "d/"+name, nil, rec.Option())
			require.NoError(t, err)
			got, err := d.Bytes()
			require.NoError(t, err)
			require.Equal(t, len(content), len(got))
			rec.Check(t, name, int64(len(content)), d.ContentLength)
		})
	}
}
