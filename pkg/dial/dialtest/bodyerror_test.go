package dialtest_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

// TestUnreadableBodyIs422: DIAL Core answers a deployment call whose body it
// cannot receive with 422 "Failed to receive body" (DeploymentPostController,
// DeploymentFeatureController); the emulator's kit would answer its own 400.
// The body here is chunked with a broken chunk size.
func TestUnreadableBodyIs422(t *testing.T) {
	srv := dialtest.NewServer(t)
	for _, path := range []string{
		"/openai/deployments/gpt-4/chat/completions",
		"/openai/deployments/gpt-4/embeddings",
	} {
		t.Run(path, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			require.NoError(t, err)
			defer conn.Close()
			_, err = conn.Write([]byte("POST " + path + " HTTP/1.1\r\nHost: x\r\nApi-Key: " + dialtest.APIKey +
				"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\nzz\r\n"))
			require.NoError(t, err)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			defer resp.Body.Close()
			b := make([]byte, 100)
			n, _ := resp.Body.Read(b)
			require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, string(b[:n]))
			require.Equal(t, "Failed to receive body", string(b[:n]))
		})
	}
	require.Empty(t, srv.Violations())
}
