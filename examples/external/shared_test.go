package sdkuser_test

import (
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// closedURL returns the URL of a loopback port nobody listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	u := "http://" + l.Addr().String()
	require.NoError(t, l.Close())
	return u
}

// as is errors.As for a target type, failing the test when err is not one.
func as[E error](t *testing.T, err error) E {
	t.Helper()
	var target E
	require.Error(t, err)
	require.True(t, errors.As(err, &target), "want %T in the chain of %v", target, err)
	return target
}
