package dial

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aiclients/sdk-go/gen/dialapi"
)

type lastRequest struct{ req *http.Request }

var errRecorded = errors.New("recorded")

func (d *lastRequest) Do(r *http.Request) (*http.Response, error) {
	d.req = r
	return nil, errRecorded
}

// TestSendChatMatchesGenerated: the chat request built from the cached base
// URL equals the one the generated builder makes.
func TestSendChatMatchesGenerated(t *testing.T) {
	bases := []string{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://u:p@h:1/core/v1/?x=1#f", "http://h/a%2Fb/"}
	ids := []string{"gpt-4o", "a/b", "my app", "x%2Fy", "ü"}
	v1, v2 := "2024-02-01", "a b&c"
	versions := []*string{nil, &v1, &v2}
	for _, base := range bases {
		for _, id := range ids {
			for _, v := range versions {
				d := &lastRequest{}
				raw, err := dialapi.NewClient(base, dialapi.WithHTTPClient(d))
				if err != nil {
					t.Fatal(err)
				}
				c := &Client{raw: raw, chat: newChatBase(raw.Server)}
				if c.chat == nil {
					t.Fatalf("%s: not cached", base)
				}
				params := &dialapi.CreateChatCompletionParams{APIVersion: v}
				body := []byte(`{"messages":[]}`)
				if _, err := raw.CreateChatCompletionWithBody(context.Background(), id, params, "application/json", bytes.NewReader(body), acceptJSON); !errors.Is(err, errRecorded) {
					t.Fatal(err)
				}
				want := d.req
				if _, err := c.sendChat(context.Background(), id, params, body, "application/json"); !errors.Is(err, errRecorded) {
					t.Fatal(err)
				}
				got := d.req
				if got.URL.String() != want.URL.String() || got.URL.Path != want.URL.Path || got.URL.EscapedPath() != want.URL.EscapedPath() || got.Host != want.Host || got.Method != want.Method || got.ContentLength != want.ContentLength {
					t.Errorf("%s %q: got %s %s (host %q), want %s %s (host %q)", base, id, got.Method, got.URL, got.Host, want.Method, want.URL, want.Host)
				}
				if len(got.Header) != len(want.Header) || got.Header.Get("Content-Type") != want.Header.Get("Content-Type") || got.Header.Get("Accept") != want.Header.Get("Accept") {
					t.Errorf("%s %q: header %v, want %v", base, id, got.Header, want.Header)
				}
				if got.GetBody == nil {
					t.Errorf("%s %q: no GetBody", base, id)
				}
			}
		}
	}
	// A base with dot segments or an empty port, and a Server changed through Raw, use the
	// generated builder.
	for _, base := range []string{"http://h/a/../b/", "http://h:/p/"} {
		if newChatBase(base) != nil {
			t.Errorf("%s was cached", base)
		}
	}
	d := &lastRequest{}
	raw, _ := dialapi.NewClient("http://h/", dialapi.WithHTTPClient(d))
	c := &Client{raw: raw, chat: newChatBase(raw.Server)}
	raw.Server = "http://other/"
	_, _ = c.sendChat(context.Background(), "m", nil, nil, "application/json")
	if d.req == nil || d.req.URL.Host != "other" {
		t.Errorf("changed Server ignored: %v", d.req)
	}
}
