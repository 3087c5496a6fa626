package dial

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// LocalizedString is a display name or description (specs/dial.yaml
// LocalizedText, generated as the alias LocalizedText): DIAL sends either a
// plain string or a map from locale to text, a union the generator cannot
// express.
type LocalizedString struct {
	Text    string            // the plain string, if one was sent
	Locales map[string]string // the per-locale texts, if a map was sent
}

// String returns the plain text, else the "en" text, else the text of the
// first locale in sorted order.
func (t LocalizedString) String() string {
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
func (t LocalizedString) IsZero() bool { return t.Text == "" && len(t.Locales) == 0 }

// UnmarshalJSON accepts a string, a {locale: text} object or null. Other
// shapes are ignored (and non-string values in the object skipped) rather
// than failing the decoding of a whole listing.
func (t *LocalizedString) UnmarshalJSON(b []byte) error {
	*t = LocalizedString{}
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
func (t LocalizedString) MarshalJSON() ([]byte, error) {
	if len(t.Locales) > 0 {
		return json.Marshal(t.Locales)
	}
	return json.Marshal(t.Text)
}

func checkID(field, id string) error {
	if strings.TrimSpace(id) == "" {
		return &apierror.InputError{Service: ServiceName, Field: field, Reason: "must not be empty"}
	}
	if strings.ContainsAny(id, "?#\x00\r\n") {
		return &apierror.InputError{Service: ServiceName, Field: field, Reason: "must not contain ?, #, NUL or line breaks"}
	}
	for seg := range strings.SplitSeq(id, "/") {
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
	out, err := core.Execute[DeploymentList](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.ListDeployments(ctx, nil, acceptJSON)
	})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get returns one deployment.
func (s *DeploymentsService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Deployment, error) {
	if err := checkID("deployment id", id); err != nil {
		return nil, err
	}
	return core.Execute[Deployment](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetDeployment(ctx, id, nil, acceptJSON)
	})
}

// ModelsService lists and gets models.
type ModelsService struct{ c *Client }

// List returns the models the caller may use.
func (s *ModelsService) List(ctx context.Context, opts ...option.RequestOption) ([]Model, error) {
	out, err := core.Execute[ModelList](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.ListModels(ctx, nil, acceptJSON)
	})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// Get returns one model.
func (s *ModelsService) Get(ctx context.Context, id string, opts ...option.RequestOption) (*Model, error) {
	if err := checkID("model id", id); err != nil {
		return nil, err
	}
	return core.Execute[Model](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetModel(ctx, id, nil, acceptJSON)
	})
}

// ApplicationsService lists and gets applications.
type ApplicationsService struct{ c *Client }

// List returns the applications the caller may use.
func (s *ApplicationsService) List(ctx context.Context, opts ...option.RequestOption) ([]Application, error) {
	out, err := core.Execute[ApplicationList](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.ListApplications(ctx, nil, acceptJSON)
	})
	if err != nil {
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
	return core.Execute[Application](ctx, s.c.core, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.GetApplication(ctx, id, nil, acceptJSON)
	})
}
