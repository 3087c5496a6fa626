package dragoneye

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The policy fields of a presigned POST are sent in the order the service
// wrote them, each as the text the official SDK sends (Python's str()); the
// generated PresignedPostRequest keeps them as raw JSON for that reason.
func TestPolicyFieldsKeepOrderAndPythonText(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []formField
		wantErr bool
	}{
		{"order kept", `{"z":"1","a":"2","m":"3"}`, []formField{{"z", "1"}, {"a", "2"}, {"m", "3"}}, false},
		{"python text", `{"n":12.50,"t":true,"f":false,"x":null,"o":{"k": [1, 2]}}`,
			[]formField{{"n", "12.50"}, {"t", "True"}, {"f", "False"}, {"x", "None"}, {"o", `{"k":[1,2]}`}}, false},
		{"null", `null`, nil, false},
		{"absent", ``, nil, false},
		{"not an object", `["a"]`, nil, true},
		{"truncated", `{"a":`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := policyFields([]byte(tc.in))
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
