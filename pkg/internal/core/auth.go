package core

import (
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Credential says where one kind of credential is sent.
type Credential struct {
	// Name names it in errors, e.g. "API key".
	Name string
	// Header is the request header it goes in, e.g. "Api-Key" or "Authorization".
	Header string
	// Scheme is written before the value, e.g. "Bearer "; "" for none.
	Scheme string
}

// Auth describes how a service authenticates. The core turns it into the
// transport's per-attempt credential step, and checks at New that a
// credential is configured (unless Optional).
type Auth struct {
	// APIKey is where option.WithAPIKey / WithAPIKeyFunc (and the service's
	// API key environment variable) go. nil: API keys are not accepted.
	APIKey *Credential
	// Bearer is where option.WithBearerToken / WithBearerTokenFunc go. nil:
	// bearer tokens are not accepted.
	Bearer *Credential
	// Both reports whether a configuration may send an API key and a bearer
	// token together. nil: never; setting both is then a *CredentialError
	// unless both go in the same header, where the API key wins.
	Both func(cfg *option.Config) bool
	// BothReason explains, in the error for both set, why only one may be.
	BothReason string
	// Header holds headers sent on every attempt (an API version, say).
	Header http.Header
	// Optional lets New succeed without a credential (a pool whose clients
	// each get their own); calls still need one.
	Optional bool
}

// check validates the credentials configured in cfg: one is set, and both
// only where allowed.
func (a *Auth) check(svc Service, cfg *option.Config) error {
	hasKey := cfg.APIKey != nil && a.APIKey != nil
	hasBearer := cfg.BearerToken != nil && a.Bearer != nil
	if hasKey && hasBearer && !a.sameHeader() && (a.Both == nil || !a.Both(cfg)) {
		reason := "set either an API key or a bearer token, not both"
		if a.BothReason != "" {
			reason += " (" + a.BothReason + ")"
		}
		return &apierror.CredentialError{Service: svc.Name, Credential: "credentials", Reason: reason}
	}
	if !hasKey && !hasBearer {
		return &apierror.CredentialError{Service: svc.Name, Credential: a.name(), Reason: "none set; " + a.hint(svc)}
	}
	return nil
}

func (a *Auth) sameHeader() bool {
	return a.APIKey != nil && a.Bearer != nil && strings.EqualFold(a.APIKey.Header, a.Bearer.Header)
}

func (a *Auth) name() string {
	switch {
	case a.APIKey != nil && a.Bearer != nil:
		return "credentials"
	case a.Bearer != nil:
		return a.Bearer.Name
	case a.APIKey != nil:
		return a.APIKey.Name
	}
	return "credentials"
}

// hint says how to configure a credential.
func (a *Auth) hint(svc Service) string {
	var ways []string
	if a.APIKey != nil && svc.EnvAPIKey != "" {
		ways = append(ways, "set "+svc.EnvAPIKey)
	}
	if a.APIKey != nil {
		ways = append(ways, "pass option.WithAPIKey")
	}
	if a.Bearer != nil {
		ways = append(ways, "option.WithBearerToken")
	}
	if len(ways) == 0 {
		return "this service takes no credential"
	}
	if len(ways) == 1 {
		return ways[0]
	}
	return strings.Join(ways[:len(ways)-1], ", ") + " or " + ways[len(ways)-1]
}

// apply is the transport's AuthFunc for a: it reads the credentials on every
// attempt (so providers can refresh them) and sets their headers.
func (a *Auth) apply(svc Service) func(req *http.Request, cfg *option.Config) error {
	return func(req *http.Request, cfg *option.Config) error {
		for k, vs := range a.Header {
			req.Header[k] = append([]string(nil), vs...)
		}
		if err := a.check(svc, cfg); err != nil {
			return err
		}
		sentKey := false
		if cfg.APIKey != nil && a.APIKey != nil {
			if err := set(req, svc.Name, *a.APIKey, cfg.APIKey); err != nil {
				return err
			}
			sentKey = true
		}
		if cfg.BearerToken != nil && a.Bearer != nil && !(sentKey && a.sameHeader()) {
			return set(req, svc.Name, *a.Bearer, cfg.BearerToken)
		}
		return nil
	}
}

func set(req *http.Request, service string, c Credential, get option.CredentialFunc) error {
	v, err := get(req.Context())
	if err != nil {
		if ce, ok := err.(*apierror.CredentialError); ok {
			return ce
		}
		return &apierror.CredentialError{Service: service, Credential: c.Name, Err: err}
	}
	if strings.TrimSpace(v) == "" {
		return &apierror.CredentialError{Service: service, Credential: c.Name, Reason: "empty; the credential provider returned no value"}
	}
	if strings.ContainsAny(v, "\r\n\x00") {
		return &apierror.CredentialError{Service: service, Credential: c.Name, Reason: "contains a line break or NUL, which no HTTP header may carry"}
	}
	req.Header.Set(c.Header, c.Scheme+v)
	return nil
}
