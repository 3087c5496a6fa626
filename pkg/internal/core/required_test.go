package core_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// thing is shaped like a generated type: ID and Count are required (no
// omitempty), Note is optional.
type thing struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
	Note  string `json:"note,omitempty"`
}

// loose has no required field.
type loose struct {
	Note string `json:"note,omitempty"`
}

// TestExecuteRequiredFields: a 2xx body that is empty, null, {} or lacks a
// required field is an *apierror.ResponseError naming what is missing, not
// a zero value; a required field present with its zero value is fine; a
// type without required fields accepts any object.
func TestExecuteRequiredFields(t *testing.T) {
	for _, tc := range []struct {
		body    string
		missing []string // nil: no error expected
		reason  bool
	}{
		{body: ``, reason: true},
		{body: `null`, reason: true},
		{body: " \n", reason: true},
		{body: `{}`, missing: []string{"id", "count"}},
		{body: `{"id":"a"}`, missing: []string{"count"}},
		{body: `{"id":null,"count":3}`, missing: []string{"id"}},
		{body: `{"id":"a","count":0}`},
		{body: `{"ID":"","count":0}`},
		{body: `{"id":"a","count":2,"note":"n"}`},
	} {
		t.Run(tc.body, func(t *testing.T) {
			srv := newRecorder(t, http.StatusOK, tc.body)
			c := newCore(t, core.Service{Name: "svc", Credentials: keyAuth}, option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
			got, err := core.Execute[thing](t.Context(), c, nil, get(c, "/things/1"))
			if tc.missing == nil && !tc.reason {
				require.NoError(t, err)
				require.NotNil(t, got)
				return
			}
			require.Nil(t, got)
			var re *apierror.ResponseError
			require.ErrorAs(t, err, &re)
			require.Equal(t, "svc", re.Service)
			require.Equal(t, "GET /things/1", re.Request)
			require.Equal(t, http.StatusOK, re.StatusCode)
			require.Equal(t, tc.missing, re.Missing)
			require.Equal(t, tc.reason, re.Reason != "")
			require.Contains(t, err.Error(), "svc: GET /things/1: unusable 200 response")
		})
	}

	srv := newRecorder(t, http.StatusOK, `{}`)
	c := newCore(t, core.Service{Name: "svc", Credentials: keyAuth}, option.WithBaseURL(srv.URL), option.WithAPIKey("k"))
	l, err := core.Execute[loose](t.Context(), c, nil, get(c, "/loose"))
	require.NoError(t, err)
	require.Equal(t, loose{}, *l)
}

// TestCheckMembers is the same check for a body a service decoded by hand.
func TestCheckMembers(t *testing.T) {
	c := newCore(t, core.Service{Name: "svc", Credentials: keyAuth}, option.WithBaseURL("http://127.0.0.1:1"), option.WithAPIKey("k"))
	var re *apierror.ResponseError
	require.ErrorAs(t, c.CheckMembers("GET /x", nil, &thing{}), &re)
	require.NotEmpty(t, re.Reason)
	require.ErrorAs(t, c.CheckMembers("GET /x", map[string]json.RawMessage{"id": json.RawMessage(`"a"`)}, &thing{}), &re)
	require.Equal(t, []string{"count"}, re.Missing)
	require.NoError(t, c.CheckMembers("GET /x", map[string]json.RawMessage{"id": json.RawMessage(`"a"`), "count": json.RawMessage(`0`)}, &thing{}))
	require.NoError(t, c.CheckMembers("GET /x", nil, &loose{}))
}
