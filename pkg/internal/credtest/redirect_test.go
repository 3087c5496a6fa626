package credtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
)

// key holds "/" and "+", so that its JSON-escaped and URL-encoded forms
// differ from it.
const key = "sk-Ab/cd+ef/0123456789-secret"

// service is one client of the SDK, reached through its escape hatch Do
// (the same call path as every method).
type service struct {
	name string
	// header is where the client sends the key.
	header string
	// doPath sends a GET to path (relative or absolute) with Do.
	doPath func(t *testing.T, base, path string, opts ...option.RequestOption) error
}

// do sends a GET to /start with Do.
func (s service) do(t *testing.T, base string, opts ...option.RequestOption) error {
	return s.doPath(t, base, "/start", opts...)
}

// okBody is a success reply every service accepts (VectorVein wants its
// envelope; the others ignore the extra members).
const okBody = `{"status":200,"msg":"ok","data":{}}`

var services = []service{
	{name: "dial", header: "Api-Key", doPath: func(t *testing.T, base, path string, opts ...option.RequestOption) error {
		c, err := dial.NewClient(append([]option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(key)}, opts...)...)
		require.NoError(t, err)
		return c.Do(context.Background(), http.MethodGet, path, nil, nil)
	}},
	{name: "infsh", header: "Authorization", doPath: func(t *testing.T, base, path string, opts ...option.RequestOption) error {
		c, err := infsh.NewClient(append([]option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(key)}, opts...)...)
		require.NoError(t, err)
		return c.Do(context.Background(), http.MethodGet, path, nil, nil)
	}},
	{name: "vectorvein", header: "Vectorvein-Api-Key", doPath: func(t *testing.T, base, path string, opts ...option.RequestOption) error {
		c, err := vectorvein.NewClient(append([]option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(key)}, opts...)...)
		require.NoError(t, err)
		return c.Do(context.Background(), http.MethodGet, path, nil, nil)
	}},
	{name: "dragoneye", header: "X-Api-Key", doPath: func(t *testing.T, base, path string, opts ...option.RequestOption) error {
		c, err := dragoneye.NewClient(append([]option.RequestOption{option.WithBaseURL(base), option.WithAPIKey(key)}, opts...)...)
		require.NoError(t, err)
		return c.Do(context.Background(), http.MethodGet, path, nil, nil)
	}},
}

// recorder is a loopback server that records the headers of every request
// and answers with handle.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newRecorder(t *testing.T, handle func(w http.ResponseWriter, r *http.Request)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.got = append(rec.got, r.Header.Clone())
		rec.mu.Unlock()
		handle(w, r)
	}))
	// No idle connections stay behind for goleak to find.
	rec.srv.Config.SetKeepAlivesEnabled(false)
	rec.srv.Start()
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]http.Header(nil), r.got...)
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(okBody))
}

// requireNoKey fails when any header value holds the key, in any form.
func requireNoKey(t *testing.T, h http.Header) {
	t.Helper()
	for k, vs := range h {
		for _, v := range vs {
			require.NotContains(t, v, "0123456789-secret", "header %s carries the key", k)
		}
	}
}

// A 307 from the API to another host:port is followed without any
// credential; a 307 to the same host keeps it. Both for the SDK's default
// HTTP client and for one passed with option.WithHTTPClient (whose own
// CheckRedirect still runs).
func TestRedirectToAnotherHostCarriesNoCredential(t *testing.T) {
	for _, svc := range services {
		for _, client := range []string{"default client", "WithHTTPClient"} {
			t.Run(svc.name+"/"+client, func(t *testing.T) {
				other := newRecorder(t, ok)
				api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, other.srv.URL+"/landed", http.StatusTemporaryRedirect)
				})
				var opts []option.RequestOption
				userPolicyRan := false
				if client == "WithHTTPClient" {
					hc := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error {
						userPolicyRan = true
						return nil
					}}
					t.Cleanup(hc.CloseIdleConnections)
					opts = append(opts, option.WithHTTPClient(hc))
				}
				require.NoError(t, svc.do(t, api.srv.URL, opts...))

				require.Len(t, api.headers(), 1)
				require.Contains(t, api.headers()[0].Get(svc.header), key, "the API itself gets the key")
				landed := other.headers()
				require.Len(t, landed, 1, "the redirect is followed")
				require.Empty(t, landed[0].Values(svc.header))
				require.Empty(t, landed[0].Values("Referer"))
				requireNoKey(t, landed[0])
				if client == "WithHTTPClient" {
					require.True(t, userPolicyRan, "the client's own CheckRedirect still decides")
				}
			})
		}
	}
}

func TestRedirectOnTheSameHostKeepsTheCredential(t *testing.T) {
	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			var api *recorder
			api = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/start") {
					http.Redirect(w, r, api.srv.URL+"/moved", http.StatusTemporaryRedirect)
					return
				}
				ok(w, r)
			})
			require.NoError(t, svc.do(t, api.srv.URL))
			got := api.headers()
			require.Len(t, got, 2)
			require.Contains(t, got[1].Get(svc.header), key, "same-host redirect keeps the credential")
		})
	}
}

// A chain API → other host → API carries the key only on the API's hops.
func TestRedirectBackToTheAPIAfterAnotherHost(t *testing.T) {
	svc := services[0]
	var api *recorder
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, api.srv.URL+"/back", http.StatusTemporaryRedirect)
	})
	api = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/start") {
			http.Redirect(w, r, other.srv.URL+"/away", http.StatusTemporaryRedirect)
			return
		}
		ok(w, r)
	})
	require.NoError(t, svc.do(t, api.srv.URL))
	require.Len(t, other.headers(), 1)
	requireNoKey(t, other.headers()[0])
	require.Len(t, api.headers(), 2)
	require.Contains(t, api.headers()[1].Get(svc.header), key)
}

// An absolute URL given to Do is sent as it is, but the credentials go only
// to the base URL's origin: another host:port gets none.
func TestAbsoluteURLOnAnotherHostCarriesNoCredential(t *testing.T) {
	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			other := newRecorder(t, ok)
			api := newRecorder(t, ok)
			err := svc.doPath(t, api.srv.URL, other.srv.URL+"/elsewhere")
			require.NoError(t, err)
			require.Len(t, other.headers(), 1)
			require.Empty(t, other.headers()[0].Values(svc.header))
			requireNoKey(t, other.headers()[0])

			require.NoError(t, svc.doPath(t, api.srv.URL, api.srv.URL+"/same"))
			require.Len(t, api.headers(), 1)
			require.Contains(t, api.headers()[0].Get(svc.header), key)
		})
	}
}

// A 307 keeps the method and body: a POST redirected to another host gets
// its body again, and no credential.
func TestRedirectedPostKeepsItsBodyNotTheKey(t *testing.T) {
	var mu sync.Mutex
	var gotBody string
	other := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		b := new(strings.Builder)
		_, _ = io.Copy(b, r.Body)
		mu.Lock()
		gotBody = r.Method + " " + b.String()
		mu.Unlock()
		ok(w, r)
	})
	api := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.srv.URL+"/landed", http.StatusTemporaryRedirect)
	})
	c, err := dial.NewClient(option.WithBaseURL(api.srv.URL), option.WithAPIKey(key))
	require.NoError(t, err)
	require.NoError(t, c.Do(context.Background(), http.MethodPost, "/start", map[string]string{"a": "b"}, nil))
	mu.Lock()
	require.Equal(t, `POST {"a":"b"}`, gotBody)
	mu.Unlock()
	require.Len(t, other.headers(), 1)
	requireNoKey(t, other.headers()[0])
}
