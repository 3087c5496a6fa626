package dialtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/specs"
)

func loadDialSpec(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := specs.FS.ReadFile("dial.yaml")
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(data)
	require.NoError(t, err)
	return doc
}

// featureFlags returns the boolean properties of the spec's Features schema.
func featureFlags(t *testing.T) []string {
	t.Helper()
	doc := loadDialSpec(t)
	var flags []string
	for name, p := range doc.Components.Schemas["Features"].Value.Properties {
		if p.Value.Type.Is("boolean") {
			flags = append(flags, name)
		}
	}
	require.Contains(t, flags, "mcp")
	return flags
}

// TestFeaturesAlwaysWritten: DIAL Core writes every Features flag it knows,
// false included (FeaturesData.java: primitive booleans under
// @JsonInclude(NON_NULL)); so does the emulator, in every listing, for each
// boolean flag of the spec (cache, auto_caching, mcp and
// assistant_attachments_in_request were dropped when false before).
func TestFeaturesAlwaysWritten(t *testing.T) {
	srv := dialtest.NewServer(t,
		dialtest.WithDeployments(dialtest.Deployment{ID: "m"}),
		dialtest.WithApplications(dialtest.Application{ID: "a"}))
	flags := featureFlags(t)
	for _, path := range []string{"/openai/deployments/m", "/openai/models/m", "/openai/applications/a"} {
		status, body, _ := do(t, "GET", srv.URL+path, keyHeader, "")
		require.Equal(t, http.StatusOK, status, body)
		var entry struct {
			Features map[string]any `json:"features"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &entry))
		for _, f := range flags {
			require.Contains(t, entry.Features, f, "%s: features.%s", path, f)
			require.IsType(t, false, entry.Features[f], "%s: features.%s", path, f)
		}
	}
	require.Empty(t, srv.Violations())
}

// TestFeaturesFromOlderCore: a listing from Core 0.18, whose FeaturesData
// knows none of the newer flags, matches the spec (no flag is required) and
// decodes; the missing flags read false.
func TestFeaturesFromOlderCore(t *testing.T) {
	// The features object of a model as Core 0.18 writes it (FeaturesData at
	// tag 0.18.0: eleven flags).
	const core018 = `{"data": [{"id": "m", "model": "m", "object": "model",
	  "features": {"rate": false, "tokenize": true, "truncate_prompt": false, "configuration": false,
	    "system_prompt": true, "tools": true, "seed": false, "url_attachments": false,
	    "folder_attachments": false, "allow_resume": true, "accessible_by_per_request_key": true}}],
	  "object": "list"}`
	var listing any
	require.NoError(t, json.Unmarshal([]byte(core018), &listing))
	require.NoError(t, loadDialSpec(t).Components.Schemas["ModelList"].Value.VisitJSON(listing))

	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(core018))
	}))
	t.Cleanup(ts.Close)
	c, err := dial.NewClient(option.WithBaseURL(ts.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	ms, err := c.Models.List(context.Background())
	require.NoError(t, err)
	require.Len(t, ms, 1)
	f := ms[0].Features
	require.NotNil(t, f)
	require.True(t, f.Tokenize)
	require.True(t, f.Tools)
	require.False(t, f.Cache)
	require.False(t, f.AutoCaching)
	require.False(t, f.MCP)
	require.False(t, f.AssistantAttachmentsInRequest)
}
