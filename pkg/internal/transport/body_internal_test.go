package transport

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Only bodies that cannot block are handed to net/http as they are.
func TestCannotBlock(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	require.NoError(t, err)
	defer f.Close()
	pr, pw, err := os.Pipe()
	require.NoError(t, err)
	defer pr.Close()
	defer pw.Close()
	tests := []struct {
		name string
		body io.ReadCloser
		want bool
	}{
		{"bytes.Reader", io.NopCloser(bytes.NewReader(nil)), true},
		{"strings.Reader", io.NopCloser(strings.NewReader("x")), true},
		{"bytes.Buffer", io.NopCloser(&bytes.Buffer{}), true},
		{"regular file", f, true},
		{"regular file in NopCloser", io.NopCloser(f), true},
		{"os pipe", pr, false},
		{"io pipe", io.NopCloser(func() io.Reader { r, _ := io.Pipe(); return r }()), false},
		{"multi reader", io.NopCloser(io.MultiReader(strings.NewReader("x"))), false},
		{"NopCloser(nil)", io.NopCloser(nil), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, cannotBlock(tc.body))
		})
	}
}
