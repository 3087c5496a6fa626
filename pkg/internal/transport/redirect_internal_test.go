package transport

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://api.example/v1", "https://api.example/v2?x=1", true},
		{"https://api.example/v1", "https://API.example:443/v2", true},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b", true},
		{"https://api.example/v1", "http://api.example/v1", false},           // downgrade
		{"https://api.example:8443/v1", "http://api.example:8443/v1", false}, // downgrade, same port
		{"http://api.example/v1", "https://api.example/v1", false},
		{"http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", false},
		{"https://api.example/v1", "https://files.api.example/v1", false},
		{"https://api.example/v1", "https://api.example.evil/v1", false},
	}
	for _, tc := range tests {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		require.Equal(t, tc.want, sameOrigin(a, b), "%s → %s", tc.a, tc.b)
	}
}

// An https→http redirect to the same host and port loses every credential
// header: the ones the credential step set (whatever their names) and any
// whose name looks like a credential.
func TestCheckRedirectDowngradeDropsCredentials(t *testing.T) {
	first, err := http.NewRequestWithContext(&credHeaders{Context: context.Background(), names: []string{"X-Odd-Name"}},
		http.MethodGet, "https://api.example:8443/v1/x", nil)
	require.NoError(t, err)
	next, err := http.NewRequest(http.MethodGet, "http://api.example:8443/v1/y", nil)
	require.NoError(t, err)
	next.Header = http.Header{
		"X-Odd-Name": {"secret-1"}, "Api-Key": {"secret-2"}, "Vectorvein-Api-Key": {"secret-3"},
		"X-Api-Key": {"secret-4"}, "Authorization": {"Bearer secret-5"}, "Referer": {"https://api.example:8443/v1/x"},
		"Accept": {"application/json"},
	}
	require.NoError(t, checkRedirect(nil)(next, []*http.Request{first}))
	require.Equal(t, http.Header{"Accept": {"application/json"}}, next.Header)
}

func TestCheckRedirectLimit(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "http://h/x", nil)
	require.NoError(t, err)
	via := make([]*http.Request, maxRedirects)
	for i := range via {
		via[i] = req
	}
	require.ErrorContains(t, checkRedirect(nil)(req, via), "stopped after 10 redirects")
}
