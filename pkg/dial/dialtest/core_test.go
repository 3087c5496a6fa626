package dialtest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

var keyHeader = map[string]string{"api-key": dialtest.APIKey}

// TestCorePlainTextErrors: DIAL Core's own errors are a bare string without
// a Content-Type (ProxyContext.respond), a missing file an empty 404; the
// spec allows that and the emulator answers so.
func TestCorePlainTextErrors(t *testing.T) {
	srv := dialtest.NewServer(t)
	status, body, h := do(t, "GET", srv.URL+"/openai/deployments", nil, "")
	require.Equal(t, 401, status)
	require.Equal(t, "At least API-KEY or Authorization header must be provided", body)
	require.Empty(t, h.Values("Content-Type"), "DIAL Core sets no Content-Type on its own errors")

	bucket := dialtest.BucketOf(dialtest.DefaultUser)
	status, body, h = do(t, "GET", srv.URL+"/v1/files/"+bucket+"/missing.txt", keyHeader, "")
	require.Equal(t, 404, status)
	require.Empty(t, body)
	require.Empty(t, h.Values("Content-Type"))
	require.Empty(t, srv.Violations())
}
