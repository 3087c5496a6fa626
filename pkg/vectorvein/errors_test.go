package vectorvein_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/poll"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func TestErrorTexts(t *testing.T) {
	api := &apierror.Error{Service: "vectorvein", StatusCode: 500, Message: "FAILED"}
	tests := []struct {
		err  error
		want string
	}{
		{&vectorvein.APIKeyError{Reason: "no API key"}, "vectorvein: API key error: no API key"},
		{&vectorvein.WorkflowError{RunID: "r1", Message: "FAILED", Detail: "boom", Task: "n7", Err: api},
			"vectorvein: workflow run r1 failed: FAILED: boom (task n7)"},
		{&vectorvein.WorkflowError{}, "vectorvein: workflow run failed"},
		{&vectorvein.AccessKeyError{Reason: "invalid type"}, "vectorvein: access key error: invalid type"},
		{&vectorvein.RequestError{Reason: "reply is not JSON"}, "vectorvein: reply is not JSON"},
		{&vectorvein.TimeoutError{RunID: "r2", Err: &poll.TimeoutError{Attempts: 2, Err: context.DeadlineExceeded}},
			"vectorvein: workflow run r2 did not finish in time: poll: gave up after 2 checks in 0s: context deadline exceeded"},
		{&vectorvein.KeyLengthError{Length: 5}, "vectorvein: API key is 5 bytes; VApp signing needs an API key of 16, 24 or 32 bytes"},
		{&vectorvein.TokenError{Kind: vectorvein.ErrTokenBadPadding}, "vectorvein: bad padding in VApp token"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.err.Error())
	}
	var we *vectorvein.WorkflowError
	require.Nil(t, (&vectorvein.WorkflowError{}).Unwrap())
	wrapped := error(&vectorvein.WorkflowError{Err: api})
	require.ErrorAs(t, wrapped, &we)
	var ae *apierror.Error
	require.ErrorAs(t, wrapped, &ae)
	require.Equal(t, 0, (&vectorvein.APIKeyError{}).StatusCode())
}

func TestCredentialProviderFailure(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	boom := errors.New("vault sealed")
	c := newClient(t, srv, option.WithAPIKeyFunc(func(context.Context) (string, error) { return "", boom }))
	_, err := c.AccessKeys.GetAll(context.Background())
	var ke *vectorvein.APIKeyError
	require.ErrorAs(t, err, &ke)
	require.ErrorIs(t, err, boom)
	_, err = c.VAppURL("a", "b", "c", nil)
	require.ErrorAs(t, err, &ke)

	empty := newClient(t, srv, option.WithAPIKeyFunc(func(context.Context) (string, error) { return " ", nil }))
	_, err = empty.AccessKeys.GetAll(context.Background())
	require.ErrorAs(t, err, &ke)
	require.Empty(t, srv.Requests(), "nothing is sent without a key")
}
