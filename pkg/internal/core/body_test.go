package core_test

import (
	"errors"
	"io"
	"math"
	"net/http"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
)

// countingReader yields n bytes ('x') without allocating them and counts
// what was read; n < 0 never ends.
type countingReader struct {
	n, read int64
	closed  bool
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n >= 0 && r.read >= r.n {
		return 0, io.EOF
	}
	if r.n >= 0 {
		p = p[:min(int64(len(p)), r.n-r.read)]
	}
	for i := range p {
		p[i] = 'x'
	}
	r.read += int64(len(p))
	return len(p), nil
}

func (r *countingReader) Close() error { r.closed = true; return nil }

// DecodeJSON into a *[]byte reads at most the client's MaxBody (default
// DefaultMaxBody, 64 MiB) and answers a typed error naming the way out
// beyond it; it used to read any body whole, an endless one forever.
func TestDecodeJSONRawBytesBounded(t *testing.T) {
	tests := []struct {
		name          string
		maxBody       int64
		size          int64 // body length; -1 endless
		contentLength int64 // -1 unknown
		wantLen       int
		wantErr       bool
		maxRead       int64 // the most of the body that may be read
	}{
		{"default limit, Content-Length over it: nothing read", 0, -1, core.DefaultMaxBody + 1, 0, true, 0},
		{"unknown length, endless", 1 << 10, -1, -1, 0, true, 1<<10 + 1},
		{"unknown length, one byte over", 1 << 10, 1<<10 + 1, -1, 0, true, 1<<10 + 1},
		{"exactly the limit", 1 << 10, 1 << 10, -1, 1 << 10, false, 1 << 10},
		{"exactly the limit, Content-Length", 1 << 10, 1 << 10, 1 << 10, 1 << 10, false, 1 << 10},
		{"small", 0, 5, 5, 5, false, 5},
		{"unknown length, past the first buffer", 0, 3000, -1, 3000, false, 3000},
		{"Content-Length larger than what came", 0, 5, 1 << 20, 5, false, 5},
		{"Content-Length over the first buffer", 0, 3<<20 + 7, 3<<20 + 7, 3<<20 + 7, false, 3<<20 + 7},
		{"no limit (MaxInt64), unknown length", math.MaxInt64, 5, -1, 5, false, 5},
		{"no limit (MaxInt64), Content-Length", math.MaxInt64, 5, 5, 5, false, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &core.Client{Service: testService(), MaxBody: tc.maxBody}
			body := &countingReader{n: tc.size}
			resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: body, ContentLength: tc.contentLength}
			var got []byte
			err := c.DecodeJSON(resp, nil, &got)
			require.True(t, body.closed, "body closed")
			require.LessOrEqual(t, body.read, tc.maxRead)
			if !tc.wantErr {
				require.NoError(t, err)
				require.Len(t, got, tc.wantLen)
				return
			}
			require.Nil(t, got)
			var tooLarge *apierror.BodyTooLargeError
			require.True(t, errors.As(err, &tooLarge), "%T %v", err, err)
			limit := tc.maxBody
			if limit == 0 {
				limit = core.DefaultMaxBody
			}
			require.Equal(t, limit, tooLarge.Limit)
			require.Equal(t, "dial", tooLarge.Service)
			require.Contains(t, err.Error(), "dial: response body larger than")
			require.Contains(t, err.Error(), "Raw()")
		})
	}
	require.EqualValues(t, 64<<20, core.DefaultMaxBody)
}

// A body that announces 60 MiB (under the limit) and sends 5 bytes costs at
// most 1 MiB of buffer, not 60: the announced length is trusted for at most
// 1 MiB before the bytes arrive.
func TestDecodeJSONRawBytesDeclaredLengthNotTrusted(t *testing.T) {
	c := &core.Client{Service: testService()}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 10 {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: &countingReader{n: 5}, ContentLength: 60 << 20}
		var got []byte
		require.NoError(t, c.DecodeJSON(resp, nil, &got))
		require.Equal(t, "xxxxx", string(got))
	}
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(11<<20), "10 bodies of 5 bytes, each announcing 60 MiB")
}

// A 2xx response without a Body (hand-built, or from a middleware that
// answered itself through another path) decodes as an empty body instead of
// panicking on a nil Body.
func TestDecodeJSONNilBody(t *testing.T) {
	c := &core.Client{Service: testService()}
	v := map[string]int{"kept": 1}
	require.NotPanics(t, func() {
		require.NoError(t, c.DecodeJSON(&http.Response{StatusCode: 200, Header: http.Header{}}, nil, &v))
	})
	require.Equal(t, map[string]int{"kept": 1}, v)
}
