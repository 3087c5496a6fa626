package dial

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// LocalizedText is a display name or description: DIAL sends either a plain
// string or a map from locale to text.
type LocalizedText struct {
	Text    string            // the plain string, if one was sent
	Locales map[string]string // the per-locale texts, if a map was sent
}

// String returns the plain text, else the "en" text, else the text of the
// first locale in sorted order.
func (t LocalizedText) String() string {
	if t.Text != "" || len(t.Locales) == 0 {
		return t.Text
	}
	if v, ok := t.Locales["en"]; ok {
		return v
	}
	keys := make([]string, 0, len(t.Locales))
	for k := range t.Locales {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return t.Locales[keys[0]]
}

// IsZero reports whether no text was sent (for omitempty).
func (t LocalizedText) IsZero() bool { return t.Text == "" && len(t.Locales) == 0 }

// UnmarshalJSON accepts a string, a {locale: text} object or null. Other
// shapes are ignored (and non-string values in the object skipped) rather
// than failing the decoding of a whole listing.
func (t *LocalizedText) UnmarshalJSON(b []byte) error {
	*t = LocalizedText{}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, &t.Text)
	case b[0] == '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		for k, v := range m {
			var s string
			if json.Unmarshal(v, &s) == nil && bytes.HasPrefix(bytes.TrimSpace(v), []byte(`"`)) {
				if t.Locales == nil {
					t.Locales = map[string]string{}
				}
				t.Locales[k] = s
			}
		}
	}
	return nil
}

// MarshalJSON writes the map if one was sent, else the string.
func (t LocalizedText) MarshalJSON() ([]byte, error) {
	if len(t.Locales) > 0 {
		return json.Marshal(t.Locales)
	}
	return json.Marshal(t.Text)
}

// Features says what a deployment supports. Unknown flags are ignored.
type Features struct {
	Rate                          bool     `json:"rate"`
	Tokenize                      bool     `json:"tokenize"`
	TruncatePrompt                bool     `json:"truncate_prompt"`
	Configuration                 bool     `json:"configuration"`
	SystemPrompt                  bool     `json:"system_prompt"`
	Tools                         bool     `json:"tools"`
	Seed                          bool     `json:"seed"`
	URLAttachments                bool     `json:"url_attachments"`
	FolderAttachments             bool     `json:"folder_attachments"`
	AllowResume                   bool     `json:"allow_resume"`
	AccessibleByPerRequestKey     bool     `json:"accessible_by_per_request_key"`
	ContentParts                  bool     `json:"content_parts"`
	Temperature                   bool     `json:"temperature"`
	Cache                         bool     `json:"cache"`
	AutoCaching                   bool     `json:"auto_caching"`
	ParallelToolCalls             bool     `json:"parallel_tool_calls"`
	AssistantAttachmentsInRequest bool     `json:"assistant_attachments_in_request"`
	MCP                           bool     `json:"mcp"`
	ReasoningEfforts              []string `json:"reasoning_efforts,omitempty"`
}

// Deployment is a deployment listing entry. Fields DIAL adds in newer
// versions are ignored; free-form ones are kept as raw JSON.
type Deployment struct {
	ID                   string          `json:"id"`
	Object               string          `json:"object,omitempty"` // "deployment", "model", "application"
	Model                string          `json:"model,omitempty"`
	Application          string          `json:"application,omitempty"`
	DisplayName          LocalizedText   `json:"display_name,omitzero"`
	DisplayVersion       string          `json:"display_version,omitempty"`
	Description          LocalizedText   `json:"description,omitzero"`
	IconURL              string          `json:"icon_url,omitempty"`
	Reference            string          `json:"reference,omitempty"`
	Owner                string          `json:"owner,omitempty"`
	Status               string          `json:"status,omitempty"`
	CreatedAt            int64           `json:"created_at,omitempty"` // epoch seconds
	UpdatedAt            int64           `json:"updated_at,omitempty"` // epoch seconds
	ScaleSettings        *ScaleSettings  `json:"scale_settings,omitempty"`
	Features             *Features       `json:"features,omitempty"`
	InputAttachmentTypes []string        `json:"input_attachment_types,omitempty"`
	MaxInputAttachments  *int            `json:"max_input_attachments,omitempty"`
	Defaults             json.RawMessage `json:"defaults,omitempty"`
	DescriptionKeywords  []string        `json:"description_keywords,omitempty"`
	MaxRetryAttempts     *int            `json:"max_retry_attempts,omitempty"`
}

// ScaleSettings is a deployment's scale settings.
type ScaleSettings struct {
	ScaleType string `json:"scale_type,omitempty"`
}

// Model is a model listing entry (GET /openai/models).
type Model struct {
	Deployment
	LifecycleStatus string        `json:"lifecycle_status,omitempty"`
	TokenizerModel  string        `json:"tokenizer_model,omitempty"`
	Capabilities    *Capabilities `json:"capabilities,omitempty"`
	Limits          *TokenLimits  `json:"limits,omitempty"`
	Pricing         *Pricing      `json:"pricing,omitempty"`
}

// Capabilities of a model.
type Capabilities struct {
	ScaleTypes     []string `json:"scale_types,omitempty"`
	Completion     bool     `json:"completion"`
	ChatCompletion bool     `json:"chat_completion"`
	Embeddings     bool     `json:"embeddings"`
	FineTune       bool     `json:"fine_tune"`
	Inference      bool     `json:"inference"`
}

// TokenLimits of a model; zero means not reported.
type TokenLimits struct {
	MaxTotalTokens      int64 `json:"max_total_tokens,omitempty"`
	MaxPromptTokens     int64 `json:"max_prompt_tokens,omitempty"`
	MaxCompletionTokens int64 `json:"max_completion_tokens,omitempty"`
}

// Pricing of a model; prices are decimal strings.
type Pricing struct {
	Unit       string `json:"unit,omitempty"`
	Prompt     string `json:"prompt,omitempty"`
	Completion string `json:"completion,omitempty"`
}

// Application is an application listing entry (GET /openai/applications).
type Application struct {
	Deployment
	Function                json.RawMessage `json:"function,omitempty"`
	ViewerURL               string          `json:"viewer_url,omitempty"`
	EditorURL               string          `json:"editor_url,omitempty"`
	ApplicationTypeSchemaID string          `json:"application_type_schema_id,omitempty"`
	ApplicationProperties   json.RawMessage `json:"application_properties,omitempty"`
	Invalid                 *bool           `json:"invalid,omitempty"`
}

type list[T any] struct {
	Data []T `json:"data"`
}

func checkID(field, id string) error {
	if strings.TrimSpace(id) == "" {
		return &apierror.InputError{Service: ServiceName, Field: field, Reason: "must not be empty"}
	}
	if strings.ContainsAny(id, "?#\x00\r\n") {
		return &apierror.InputError{Service: ServiceName, Field: field, Reason: "must not contain ?, #, NUL or line breaks"}
	}
	for _, seg := range strings.Split(id, "/") {
		if seg == "." || seg == ".." {
			return &apierror.InputError{Service: ServiceName, Field: field, Reason: `must not contain "." or ".." segments`}
		}
	}
	return nil
}

// DeploymentsService lists and gets model deployments.
type DeploymentsService struct{ c *Client }

// List returns the deployments (models) the caller may use.
func (s *DeploymentsService) List(ctx context.Context, opts ...option.RequestOption) ([]Deployment, error) {
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out list[Deployment]
	resp, err := s.c.raw.ListDeployments(ctx, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get returns one deployment.
func (s *DeploymentsService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Deployment, error) {
	if err := checkID("deployment id", id); err != nil {
		return nil, err
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out Deployment
	resp, err := s.c.raw.GetDeployment(ctx, id, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ModelsService lists and gets models.
type ModelsService struct{ c *Client }

// List returns the models the caller may use.
func (s *ModelsService) List(ctx context.Context, opts ...option.RequestOption) ([]Model, error) {
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out list[Model]
	resp, err := s.c.raw.ListModels(ctx, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get returns one model.
func (s *ModelsService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Model, error) {
	if err := checkID("model id", id); err != nil {
		return nil, err
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out Model
	resp, err := s.c.raw.GetModel(ctx, id, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ApplicationsService lists and gets applications.
type ApplicationsService struct{ c *Client }

// List returns the applications the caller may use.
func (s *ApplicationsService) List(ctx context.Context, opts ...option.RequestOption) ([]Application, error) {
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out list[Application]
	resp, err := s.c.raw.ListApplications(ctx, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get returns one application. Custom application ids
// ("applications/<bucket>/<path>") may contain "/".
func (s *ApplicationsService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Application, error) {
	if err := checkID("application id", id); err != nil {
		return nil, err
	}
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out Application
	resp, err := s.c.raw.GetApplication(ctx, id, acceptJSON)
	if err := s.c.core.DecodeJSON(resp, err, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func acceptJSON(_ context.Context, req *http.Request) error {
	req.Header.Set("Accept", "application/json")
	return nil
}
