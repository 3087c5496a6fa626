package vectorvein_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// Credits JSON cannot carry are rejected like negative ones: an
// *AccessKeyError wrapping an *apierror.InputError that names the field (a
// NaN used to surface as a bare InputError about json.Marshal).
func TestAccessKeyCreditsMustBeFinite(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"create NaN": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", MaxCredits: math.NaN()})
			return err
		},
		"create +Inf": func() error {
			_, err := c.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{Type: "L", MaxCredits: math.Inf(1)})
			return err
		},
		"update NaN": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", MaxCredits: math.NaN()})
		},
		"update negative credits": func() error {
			return c.AccessKeys.Update(ctx, vectorvein.UpdateAccessKeysRequest{AccessKey: "k", MaxCredits: -1})
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := call()
			var ake *vectorvein.AccessKeyError
			require.ErrorAs(t, err, &ake)
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
			require.Equal(t, "max credits", ie.Field)
		})
	}
	require.Empty(t, srv.Requests(), "client-side checks send nothing")
}

// A negative link timeout is bad input like any other: an
// *apierror.InputError naming the field, not an untyped error.
func TestVAppNegativeTimeoutIsInputError(t *testing.T) {
	_, err := vectorvein.SignVAppURL(vectorveintest.APIKey, "app", "ak", "kid", &vectorvein.VAppURLOptions{Timeout: -time.Second})
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "VApp link timeout", ie.Field)
	require.Contains(t, err.Error(), "must not be negative")
}
