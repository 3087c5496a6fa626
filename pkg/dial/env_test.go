package dial_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// TestEnvBaseURL: DIAL_BASE_URL is read, DIAL_URL is the alias used when
// DIAL_BASE_URL is unset.
func TestEnvBaseURL(t *testing.T) {
	t.Setenv(dial.EnvAPIKey, "k")
	t.Setenv(dial.EnvBaseURL, "")
	t.Setenv(dial.EnvBaseURLAlias, "http://127.0.0.1:1/alias")
	c, err := dial.NewClient()
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/alias", c.BaseURL())

	t.Setenv(dial.EnvBaseURL, "http://127.0.0.1:1/main")
	c, err = dial.NewClient()
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:1/main", c.BaseURL(), "DIAL_BASE_URL wins")

	t.Setenv(dial.EnvBaseURL, "")
	t.Setenv(dial.EnvBaseURLAlias, "")
	_, err = dial.NewClient()
	require.ErrorContains(t, err, "DIAL_BASE_URL")
}
