package dialtest_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*.golden.json from the emulator's answers")

// TestListingGolden pins the JSON of the listing and error answers field by
// field: a deployment, a model and an application, each fully configured and
// bare (so fields that must stay absent are checked too), and the JSON error
// reply. The golden files were captured from the emulator before its
// listings moved from maps to the generated types; a field lost, added or
// changed in value fails here.
func TestListingGolden(t *testing.T) {
	srv := dialtest.NewServer(t,
		dialtest.WithDeployments(
			dialtest.Deployment{ID: "full", DisplayName: "Full", Description: "All fields",
				Features: []string{"tokenize", "tools", "content_parts"}, InputAttachmentTypes: []string{"image/png"},
				MaxPromptTokens: 1000, MaxCompletionTokens: 200},
			dialtest.Deployment{ID: "bare"},
		),
		dialtest.WithApplications(
			dialtest.Application{ID: "app-full", DisplayName: "App", Description: "An app",
				Features: []string{"rate"}, InputAttachmentTypes: []string{"*/*"}},
			dialtest.Application{ID: "app-bare"},
		))
	h := map[string]string{"api-key": dialtest.APIKey, "Content-Type": "application/json"}
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"deployment-full", "GET", "/openai/deployments/full", "", 200},
		{"deployment-bare", "GET", "/openai/deployments/bare", "", 200},
		{"model-full", "GET", "/openai/models/full", "", 200},
		{"model-bare", "GET", "/openai/models/bare", "", 200},
		{"application-full", "GET", "/openai/applications/app-full", "", 200},
		{"application-bare", "GET", "/openai/applications/app-bare", "", 200},
		{"models", "GET", "/openai/models", "", 200},
		{"error-not-found", "POST", "/openai/deployments/nope/chat/completions", `{"messages":[{"role":"user","content":"hi"}]}`, 404},
		{"error-no-messages", "POST", "/openai/deployments/full/chat/completions", `{"messages":[]}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, _ := do(t, tt.method, srv.URL+tt.path, h, tt.body)
			require.Equal(t, tt.status, status, body)
			file := filepath.Join("testdata", tt.name+".golden.json")
			if *updateGolden {
				require.NoError(t, os.WriteFile(file, []byte(body+"\n"), 0o644))
			}
			want, err := os.ReadFile(file)
			require.NoError(t, err)
			compareFields(t, "", decode(t, want), decode(t, []byte(body)))
		})
	}
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), string(b))
	return v
}

// compareFields walks want and got together and reports each field that is
// missing, extra or different, by its path.
func compareFields(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: want an object, got %#v", path, got)
			return
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, inWant := w[k]
			gv, inGot := g[k]
			switch {
			case !inGot:
				t.Errorf("%s.%s: missing (want %#v)", path, k, wv)
			case !inWant:
				t.Errorf("%s.%s: unexpected (got %#v)", path, k, gv)
			default:
				compareFields(t, path+"."+k, wv, gv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: want %#v, got %#v", path, want, got)
			return
		}
		for i := range w {
			compareFields(t, path+"["+strconv.Itoa(i)+"]", w[i], g[i])
		}
	default:
		if want != got {
			t.Errorf("%s: want %#v, got %#v", path, want, got)
		}
	}
}
