package emulator_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/emulator"
)

func TestFaultJSONAndValidate(t *testing.T) {
	var f emulator.Fault
	require.NoError(t, json.Unmarshal([]byte(`{"method":"GET","status":503,"retry_after":"1","delay":"250ms","trickle":1000}`), &f))
	require.Equal(t, 250*time.Millisecond, f.Delay)
	require.Equal(t, time.Duration(1000), f.Trickle, "an integer is nanoseconds")
	require.NoError(t, f.Validate())

	require.Error(t, json.Unmarshal([]byte(`{"stauts":503}`), &f), "an unknown member is refused")
	require.ErrorContains(t, (&emulator.Fault{Status: 102}).Validate(), "not a final HTTP status")
	require.ErrorContains(t, (&emulator.Fault{Nth: -1}).Validate(), "must not be negative")
}

func TestOptions(t *testing.T) {
	var seen []emulator.Violation
	c := emulator.Apply(emulator.WithAddr("127.0.0.1:0"), emulator.WithValidateResponses(false),
		emulator.WithValidateRequests(false), emulator.WithMaxRecorded(5),
		emulator.WithViolationHook(func(v emulator.Violation) { seen = append(seen, v) }), emulator.WithSeed(-3), nil)
	require.Equal(t, "127.0.0.1:0", c.Addr)
	require.NotNil(t, c.Seed)
	require.Equal(t, int64(-3), *c.Seed)
	require.Nil(t, emulator.Apply().Seed, "no seed unless asked")
	require.NotNil(t, c.ValidateResponses)
	require.False(t, *c.ValidateResponses)
	require.True(t, c.SkipRequestValidation)
	require.Equal(t, 5, c.MaxRecorded)
	c.ViolationHook(emulator.Violation{Direction: "request", Message: "m"})
	require.Len(t, seen, 1)
	require.Equal(t, "request violation: m", seen[0].String())
}
