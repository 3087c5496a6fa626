package infsh_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// TestErrorTextAndJSONForms: the 412 error lists every requirement; a
// status is written as its number; a task read from the API is written
// back with every member the spec describes (a status name read as its
// number), one made by hand with the fields set; zero times are left out.
func TestErrorTextAndJSONForms(t *testing.T) {
	re := &infsh.RequirementsError{Requirements: []infsh.Requirement{
		{Type: "secret", Key: "OPENAI_API_KEY", Message: "Missing secret"}, {Type: "scope", Key: "apps:execute"}}}
	require.Equal(t, "infsh: requirements not met: secret OPENAI_API_KEY (Missing secret); scope apps:execute", re.Error())

	b, err := json.Marshal(infsh.StatusCompleted)
	require.NoError(t, err)
	require.Equal(t, "10", string(b))

	in := `{"id":"t1","status":"completed","output":{"x":1},"extra":[1,2]}`
	var task infsh.Task
	require.NoError(t, json.Unmarshal([]byte(in), &task))
	require.Equal(t, infsh.StatusCompleted, task.Status)
	b, err = json.Marshal(&task)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"t1","status":10,"output":{"x":1}}`, string(b))

	b, err = json.Marshal(&infsh.Task{ID: "t2", Status: infsh.StatusFailed, Error: "boom", SessionID: "s"})
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"t2","status":11,"error":"boom","session_id":"s"}`, string(b))
}
