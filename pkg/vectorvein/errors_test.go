package vectorvein_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func TestErrorTexts(t *testing.T) {
	api := &apierror.Error{Service: "vectorvein", StatusCode: 404, HTTPStatus: 200, Message: "Access key does not exist"}
	tests := []struct {
		err  error
		want string
	}{
		{&vectorvein.AccessKeyError{Reason: "invalid type"}, "vectorvein: access key error: invalid type"},
		// Said once: neither the service name nor the reason repeats.
		{&vectorvein.AccessKeyError{Err: &apierror.InputError{Service: "vectorvein", Field: "access key type", Reason: `must be "O", "M" or "L"`}},
			`vectorvein: access key error: invalid access key type: must be "O", "M" or "L"`},
		{&vectorvein.AccessKeyError{Reason: "access key does not exist", Err: api},
			"vectorvein: access key error: HTTP 200 with error status 404: Access key does not exist"},
		{&vectorvein.AccessKeyError{Reason: "no permission to create access keys", Err: api},
			"vectorvein: access key error: no permission to create access keys: HTTP 200 with error status 404: Access key does not exist"},
		{&vectorvein.KeyLengthError{Length: 5}, "vectorvein: API key is 5 bytes; VApp signing needs an API key of 16, 24 or 32 bytes"},
		{&vectorvein.TokenError{Kind: vectorvein.ErrTokenInvalid}, "vectorvein: invalid VApp token"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.err.Error())
	}
	var ae *apierror.Error
	wrapped := error(&vectorvein.AccessKeyError{Err: api})
	require.ErrorAs(t, wrapped, &ae)
	require.Equal(t, 404, (&vectorvein.AccessKeyError{Err: api}).StatusCode())
	require.Equal(t, 0, (&vectorvein.AccessKeyError{}).StatusCode())
}

// A client-side rejection of an access-key call says what is wrong once (it used to read
// "access key error: invalid access key type: …: vectorvein: invalid access key type: …").
func TestAccessKeyInputErrorSaidOnce(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c := newClient(t, srv)
	_, err := c.AccessKeys.Create(context.Background(), vectorvein.CreateAccessKeysRequest{Type: "X"})
	require.Equal(t, `vectorvein: access key error: invalid access key type: must be "O", "M" or "L"`, err.Error())
	require.Equal(t, 1, strings.Count(err.Error(), "invalid access key type"))
}

func TestCredentialProviderFailure(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	boom := errors.New("vault sealed")
	c := newClient(t, srv, option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", boom }))
	_, err := c.AccessKeys.GetAll(context.Background())
	var ce *apierror.CredentialError
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, boom)
	_, err = c.VAppURL("a", "b", "c", nil)
	require.ErrorAs(t, err, &ce)
	require.ErrorIs(t, err, boom)

	empty := newClient(t, srv, option.WithAPIKeyFunc(func(context.Context) (string, error) { return " ", nil }))
	_, err = empty.AccessKeys.GetAll(context.Background())
	require.ErrorAs(t, err, &ce)
	require.Empty(t, srv.Requests(), "nothing is sent without a key")
}
