package core_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/option"
)

// A service package describes itself with a core.Service, builds its client
// with core.New and sends every call through the one call path (here Do).
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "k-1" {
			w.Header().Set("X-Request-Id", "req-1")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthorized","message":"bad key"}}`)
			return
		}
		_, _ = io.WriteString(w, `{"greeting":"hello"}`)
	}))
	defer srv.Close()

	svc := core.Service{
		Name:       "demo",
		EnvAPIKey:  "DEMO_API_KEY",
		EnvBaseURL: "DEMO_URL",
		// Where the credential goes; New refuses a client without one.
		Credentials: &core.Auth{APIKey: &core.Credential{Name: "API key", Header: "X-Api-Key"}},
	}
	c, err := core.New(svc, []option.RequestOption{option.WithBaseURL(srv.URL), option.WithAPIKey("k-1")})
	if err != nil {
		panic(err)
	}
	defer c.Transport.CloseIdleConnections()

	var out struct{ Greeting string }
	err = c.Do(context.Background(), http.MethodGet, "/hello", nil, &out)
	fmt.Println(out.Greeting, err)

	// A per-call option overrides the client's credential for this call only.
	err = c.Do(context.Background(), http.MethodGet, "/hello", nil, &out, option.WithAPIKey("wrong"))
	var apiErr *apierror.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.Message, apiErr.RequestID)
	}
	// Output:
	// hello <nil>
	// 401 unauthorized bad key req-1
}
