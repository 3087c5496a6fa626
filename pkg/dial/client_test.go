package dial_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	"github.com/aiclients/sdk-go/pkg/option"
)

// newClient starts an emulator (spec validation on) and a client for it.
func newClient(t *testing.T, srvOpts []dialtest.Option, opts ...option.RequestOption) (*dialtest.Server, *dial.Client) {
	t.Helper()
	srv := dialtest.NewServer(t, srvOpts...)
	all := append([]option.RequestOption{
		option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey),
		option.WithRetryBackoff(1e6, 1e7, 0),
	}, opts...)
	c, err := dial.NewClient(all...)
	require.NoError(t, err)
	t.Cleanup(func() { require.Empty(t, srv.Violations(), "spec violations") })
	return srv, c
}

func TestNewClientConfig(t *testing.T) {
	t.Setenv(dial.EnvBaseURL, "")
	t.Setenv(dial.EnvAPIKey, "")
	tests := []struct {
		name     string
		env      map[string]string
		opts     []option.RequestOption
		wantErr  string
		wantCred bool // a *apierror.CredentialError, else an *apierror.InputError
	}{
		{name: "no base URL", opts: []option.RequestOption{option.WithAPIKey("k")}, wantErr: "base URL"},
		{name: "no credentials", opts: []option.RequestOption{option.WithBaseURL("http://127.0.0.1:1")}, wantErr: "credentials", wantCred: true},
		{name: "both credentials", opts: []option.RequestOption{option.WithBaseURL("http://127.0.0.1:1"), option.WithAPIKey("k"), option.WithBearerToken("t")}, wantErr: "not both", wantCred: true},
		{name: "env", env: map[string]string{dial.EnvBaseURL: "http://127.0.0.1:1", dial.EnvAPIKey: "k"}},
		{name: "bad base URL", opts: []option.RequestOption{option.WithBaseURL("ftp://x"), option.WithAPIKey("k")}, wantErr: "base URL"},
		{name: "bearer", opts: []option.RequestOption{option.WithBaseURL("http://127.0.0.1:1"), option.WithBearerToken("t")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := dial.NewClient(tt.opts...)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.NotNil(t, c.Raw())
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			if tt.wantCred {
				var ce *apierror.CredentialError
				require.ErrorAs(t, err, &ce)
				return
			}
			var ie *apierror.InputError
			require.ErrorAs(t, err, &ie)
		})
	}
}

func TestAuth(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("key-a", "alice"), dialtest.WithBearerToken("jwt-b", "bob"))
	ctx := context.Background()
	var calls atomic.Int32
	tests := []struct {
		name       string
		opts       []option.RequestOption
		wantStatus int
		wantHeader string
	}{
		{name: "api key", opts: []option.RequestOption{option.WithAPIKey("key-a")}, wantHeader: "Api-Key"},
		{name: "bearer", opts: []option.RequestOption{option.WithBearerToken("jwt-b")}, wantHeader: "Authorization"},
		{name: "key provider", opts: []option.RequestOption{option.WithAPIKeyFunc(func(context.Context) (string, error) {
			calls.Add(1)
			return "key-a", nil
		})}, wantHeader: "Api-Key"},
		{name: "unknown key", opts: []option.RequestOption{option.WithAPIKey("nope")}, wantStatus: 401},
		{name: "unknown token", opts: []option.RequestOption{option.WithBearerToken("nope")}, wantStatus: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetRequests()
			c, err := dial.NewClient(append([]option.RequestOption{option.WithBaseURL(srv.URL), option.WithMaxRetries(0)}, tt.opts...)...)
			require.NoError(t, err)
			ds, err := c.Deployments.List(ctx)
			if tt.wantStatus != 0 {
				var ae *apierror.Error
				require.ErrorAs(t, err, &ae)
				require.Equal(t, tt.wantStatus, ae.StatusCode)
				require.NotEmpty(t, ae.Message, "plain-text DIAL error becomes the message")
				require.NotContains(t, err.Error(), "nope", "secret in error")
				return
			}
			require.NoError(t, err)
			require.Len(t, ds, 2)
			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			require.NotEmpty(t, reqs[0].Header.Get(tt.wantHeader))
			other := map[string]string{"Api-Key": "Authorization", "Authorization": "Api-Key"}[tt.wantHeader]
			require.Empty(t, reqs[0].Header.Get(other), "only one credential header is sent")
		})
	}
	require.Equal(t, int32(1), calls.Load())

	// A provider is called on every attempt: it can rotate the key.
	n := 0
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKeyFunc(func(context.Context) (string, error) {
		n++
		if n == 1 {
			return "", errors.New("vault unavailable")
		}
		return "key-a", nil
	}))
	require.NoError(t, err)
	_, err = c.Deployments.List(ctx)
	require.ErrorContains(t, err, "vault unavailable")
	_, err = c.Deployments.List(ctx)
	require.NoError(t, err)
}

func TestDeploymentsModelsApplications(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()

	ds, err := c.Deployments.List(ctx)
	require.NoError(t, err)
	require.Equal(t, "gpt-4", ds[0].ID)
	require.Equal(t, "deployment", ds[0].Object)
	require.Equal(t, "GPT 4", ds[0].DisplayName.String())
	require.True(t, ds[0].Features.Tokenize)
	require.Equal(t, "standard", ds[0].ScaleSettings.ScaleType)

	d, err := c.Deployments.Get(ctx, "gpt-4o")
	require.NoError(t, err)
	require.Equal(t, []string{"image/png", "image/jpeg"}, d.InputAttachmentTypes)

	_, err = c.Deployments.Get(ctx, "missing")
	require.True(t, dial.IsNotFound(err), "%v", err)
	require.ErrorContains(t, err, "Deployment not found: missing")

	ms, err := c.Models.List(ctx)
	require.NoError(t, err)
	require.Equal(t, "model", ms[0].Object)
	m, err := c.Models.Get(ctx, "gpt-4")
	require.NoError(t, err)
	require.Equal(t, int64(8192), m.Limits.MaxPromptTokens)
	require.Equal(t, "0.00003", m.Pricing.Prompt)
	require.True(t, m.Capabilities.ChatCompletion)

	as, err := c.Applications.List(ctx)
	require.NoError(t, err)
	require.Len(t, as, 1)
	require.Equal(t, "echo", as[0].Application)
	a, err := c.Applications.Get(ctx, "echo")
	require.NoError(t, err)
	require.Equal(t, "application", a.Object)
	_, err = c.Applications.Get(ctx, "nope")
	require.True(t, dial.IsNotFound(err))

	for _, id := range []string{"", "  ", "a?b"} {
		srv.ResetRequests()
		_, err := c.Deployments.Get(ctx, id)
		var ie *apierror.InputError
		require.ErrorAs(t, err, &ie, "id %q", id)
		_, err = c.Applications.Get(ctx, id)
		require.ErrorAs(t, err, &ie)
		_, err = c.Models.Get(ctx, id)
		require.ErrorAs(t, err, &ie)
		require.Empty(t, srv.Requests(), "no request for bad input")
	}
}

func TestLocalizedText(t *testing.T) {
	var d dial.Deployment
	require.NoError(t, jsonUnmarshal(`{"id":"x","display_name":{"fr":"Bonjour","en":"Hello"},"description":"plain"}`, &d))
	require.Equal(t, "Hello", d.DisplayName.String())
	require.Equal(t, "plain", d.Description.String())
	require.NoError(t, jsonUnmarshal(`{"id":"x","display_name":{"fr":"Bonjour"},"description":null}`, &d))
	require.Equal(t, "Bonjour", d.DisplayName.String())
	require.True(t, d.Description.IsZero())
}

func TestErrorShapes(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(0))
	ctx := context.Background()
	srv.SetResponder(func(r dialtest.Request) dialtest.Reply {
		return dialtest.Reply{Error: &dialtest.Error{Status: 400, Type: "invalid_request_error", Code: "context_length_exceeded", Message: "too long"}}
	})
	_, err := c.Chat.Create(ctx, "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("hi")}})
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 400, ae.StatusCode)
	require.Equal(t, "context_length_exceeded", ae.Code)
	require.Equal(t, "too long", ae.Message)
	det, ok := dial.Details(err)
	require.True(t, ok)
	require.Equal(t, "invalid_request_error", det.Type)

	srv.SetResponder(func(r dialtest.Request) dialtest.Reply {
		return dialtest.Reply{Error: &dialtest.Error{Status: 500, Message: "boom"}}
	})
	_, err = c.Chat.Create(ctx, "gpt-4", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("hi")}})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "runtime_error", ae.Code, "numeric code falls back to type")

	tests := []struct {
		body, code, msg string
	}{
		{`{"error":{"message":"m","type":"t","code":"c"}}`, "c", "m"},
		{`{"error":{"message":"m","type":"t","code":429}}`, "t", "m"},
		{`{"error":{"message":"m","code":"429"}}`, "429", "m"},
		{"At least API-KEY or Authorization header must be provided", "", "At least API-KEY or Authorization header must be provided"},
		{"", "", ""},
		{"\x00\xff", "", ""},
		{"{broken", "", ""},
	}
	for _, tt := range tests {
		code, msg := dial.ParseError([]byte(tt.body))
		require.Equal(t, tt.code, code, tt.body)
		require.Equal(t, tt.msg, msg, tt.body)
	}
}

func TestPerCallOptions(t *testing.T) {
	a, c := newClient(t, nil)
	b := dialtest.NewServer(t, dialtest.WithDeployments(dialtest.Deployment{ID: "only-on-b"}))
	ctx := context.Background()
	ds, err := c.Deployments.List(ctx, option.WithBaseURL(b.URL))
	require.NoError(t, err)
	require.Equal(t, "only-on-b", ds[0].ID)
	require.Empty(t, a.Requests())
	var resp *http.Response
	_, err = c.Deployments.List(ctx, option.WithHeader("X-Trace", "t-1"), option.WithResponseInto(&resp))
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "t-1", a.Requests()[0].Header.Get("X-Trace"))
	require.Empty(t, b.Violations())
}

func TestPerRequestKey(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithPerRequestKey("prk-1", "alice", "my-app"), dialtest.WithBearerToken("jwt-alice", "alice"))
	ctx := context.Background()
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("prk-1"), option.WithBearerToken("jwt-alice"), dial.WithPerRequestKey())
	require.NoError(t, err)
	b, err := c.Bucket(ctx)
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("alice"), b.Bucket)
	require.Equal(t, dialtest.BucketOf("alice")+"/appdata/my-app", b.AppData)
	h, err := b.AppDataHome()
	require.NoError(t, err)
	require.Equal(t, "files/"+dialtest.BucketOf("alice")+"/appdata/my-app/", h.String())
	r := srv.Requests()[0]
	require.Equal(t, "prk-1", r.Header.Get("Api-Key"))
	require.Equal(t, "Bearer jwt-alice", r.Header.Get("Authorization"))
	require.Empty(t, r.Header.Get("X-Aiclients-Dial-Per-Request-Key"))

	_, err = (&dial.Bucket{Bucket: "x"}).AppDataHome()
	require.Error(t, err)
	require.Empty(t, srv.Violations())
}

// TestLocalizedTextTolerant: a display name or description of an unexpected
// shape (a number, a map with non-string values) used to fail the decoding
// of the whole listing; it is kept where possible and otherwise ignored.
func TestLocalizedTextTolerant(t *testing.T) {
	var ds struct {
		Data []dial.Deployment `json:"data"`
	}
	require.NoError(t, jsonUnmarshal(`{"data":[
	 {"id":"a","display_name":{"en":"A","fr":5,"de":null},"description":7},
	 {"id":"b","display_name":true,"description":["x"]},
	 {"id":"c","display_name":"C"}]}`, &ds))
	require.Len(t, ds.Data, 3)
	require.Equal(t, "A", ds.Data[0].DisplayName.String())
	require.Equal(t, map[string]string{"en": "A"}, ds.Data[0].DisplayName.Locales)
	require.True(t, ds.Data[0].Description.IsZero())
	require.True(t, ds.Data[1].DisplayName.IsZero())
	require.Equal(t, "C", ds.Data[2].DisplayName.String())
}
