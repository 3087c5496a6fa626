package vectorvein_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// newStaticServer answers every request with status and body, on loopback.
func newStaticServer(t *testing.T, status int, body string) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}
