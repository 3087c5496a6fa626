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
	"github.com/aiclients/sdk-go/pkg/internal/wirecheck"
	"github.com/aiclients/sdk-go/pkg/option"
)

func loadDialSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, _, err := wirecheck.LoadSpec("dial.yaml")
	require.NoError(t, err)
	return doc
}

// featureFlags returns the boolean properties of the spec's Features schema,
// but for the deprecated ones (names only an intermediate Core wrote).
func featureFlags(t *testing.T) []string {
	t.Helper()
	doc := loadDialSpec(t)
	var flags []string
	for name, p := range doc.Components.Schemas["Features"].Value.Properties {
		if p.Value.Type.Is("boolean") && !p.Value.Deprecated {
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
// decodes; the missing flags read nil (unknown), not false: where newer Core
// writes temperature or parallel_tool_calls, they default to true.
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
	for name, p := range map[string]*bool{
		"content_parts": f.ContentParts, "temperature": f.Temperature, "cache": f.Cache,
		"auto_caching": f.AutoCaching, "parallel_tool_calls": f.ParallelToolCalls,
		"assistant_attachments_in_request": f.AssistantAttachmentsInRequest, "mcp": f.MCP,
		"chat_completion": f.ChatCompletion, "responses_api": f.ResponsesAPI,
		"max_tokens_supported":            f.MaxTokensSupported,
		"max_completion_tokens_supported": f.MaxCompletionTokensSupported,
		"custom_temperature_supported":    f.CustomTemperatureSupported,
	} {
		require.Nil(t, p, "features.%s is not in a Core 0.18 listing: unknown, not false", name)
	}
}

// TestFeaturesFromIntermediateCore: a Core between 0.18 and the 2026 code
// (FeaturesData at commit 1f19354) wrote content_parts_supported,
// temperature_supported and addons_supported; such a listing matches the
// spec and its flags are readable, while the later names stay nil.
func TestFeaturesFromIntermediateCore(t *testing.T) {
	const listing = `{"data": [{"id": "m", "model": "m", "object": "model",
	  "features": {"rate": false, "tokenize": false, "truncate_prompt": false, "configuration": false,
	    "system_prompt": true, "tools": true, "seed": false, "url_attachments": false,
	    "folder_attachments": false, "allow_resume": true, "accessible_by_per_request_key": true,
	    "content_parts_supported": true, "temperature_supported": false, "addons_supported": true}}],
	  "object": "list"}`
	var v any
	require.NoError(t, json.Unmarshal([]byte(listing), &v))
	require.NoError(t, loadDialSpec(t).Components.Schemas["ModelList"].Value.VisitJSON(v))
	var l dial.ModelList
	require.NoError(t, json.Unmarshal([]byte(listing), &l))
	f := l.Data[0].Features
	require.NotNil(t, f)
	require.Equal(t, dial.Ptr(true), f.ContentPartsSupported)
	require.Equal(t, dial.Ptr(false), f.TemperatureSupported)
	require.Equal(t, dial.Ptr(true), f.AddonsSupported)
	require.Nil(t, f.Temperature)
	require.Nil(t, f.ContentParts)
}

// TestFeaturesNewerDefaults: the emulator writes the newer flags with the
// defaults of the newest FeaturesData read (temperature, parallel_tool_calls,
// max_tokens_supported, custom_temperature_supported and chat_completion
// true; the rest false unless the deployment turns them on), and a flag a
// deployment names is true.
func TestFeaturesNewerDefaults(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithDeployments(
		dialtest.Deployment{ID: "m"}, dialtest.Deployment{ID: "c", Features: []string{"cache", "tools"}}))
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	require.NoError(t, err)
	m, err := c.Deployments.Get(context.Background(), "m")
	require.NoError(t, err)
	f := m.Features
	require.NotNil(t, f)
	for name, want := range map[string]struct {
		got  *bool
		want bool
	}{
		"temperature": {f.Temperature, true}, "parallel_tool_calls": {f.ParallelToolCalls, true},
		"max_tokens_supported": {f.MaxTokensSupported, true}, "custom_temperature_supported": {f.CustomTemperatureSupported, true},
		"chat_completion": {f.ChatCompletion, true}, "cache": {f.Cache, false}, "mcp": {f.MCP, false},
		"responses_api": {f.ResponsesAPI, false}, "max_completion_tokens_supported": {f.MaxCompletionTokensSupported, false},
	} {
		require.NotNil(t, want.got, name)
		require.Equal(t, want.want, *want.got, name)
	}
	on, err := c.Deployments.Get(context.Background(), "c")
	require.NoError(t, err)
	require.True(t, *on.Features.Cache)
	require.True(t, on.Features.Tools)
	require.Empty(t, srv.Violations())
}
