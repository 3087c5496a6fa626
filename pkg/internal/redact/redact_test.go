package redact_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/internal/redact"
)

func TestSensitiveHeader(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true}, {"authorization", true}, {"Proxy-Authorization", true},
		{"Cookie", true}, {"Set-Cookie", true}, {"api-key", true}, {"X-Api-Key", true},
		{"VECTORVEIN-API-KEY", true}, {"X-Auth-Token", true}, {"X-Client-Secret", true},
		{"X-Amz-Signature", true}, {"X-Session-Id", true},
		{"Content-Type", false}, {"X-Request-Id", false}, {"User-Agent", false},
		{"Retry-After", false}, {"", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, redact.SensitiveHeader(tc.name))
		})
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{
		"Authorization": {"Bearer sk-abcdef"},
		"Api-Key":       {"k1", "k2"},
		"Content-Type":  {"application/json"},
	}
	got := redact.Header(h)
	require.Equal(t, []string{redact.Placeholder}, got["Authorization"])
	require.Equal(t, []string{redact.Placeholder, redact.Placeholder}, got["Api-Key"])
	require.Equal(t, []string{"application/json"}, got["Content-Type"])
	require.Equal(t, "Bearer sk-abcdef", h.Get("Authorization"), "the input is not modified")
	got["Content-Type"][0] = "changed"
	require.Equal(t, "application/json", h.Get("Content-Type"), "values are copied")
	require.Nil(t, redact.Header(nil))
}

func TestURL(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://h/p?a=1", "https://h/p?a=1"},
		{"https://user:pw@h/p", "https://h/p"},
		{"https://h/p?api_key=s3cret&model=m", "https://h/p?api_key=REDACTED&model=m"},
		{"https://h/p?token=a&token=b&x=1", "https://h/p?token=REDACTED&token=REDACTED&x=1"},
		{"https://h/p?X-Amz-Signature=abc&X-Amz-Credential=c&sig=z", "https://h/p?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&sig=REDACTED"},
		{"https://h/p#frag", "https://h/p"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			u, err := url.Parse(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, redact.URL(u))
			require.Equal(t, tc.want, redact.URLString(tc.in))
		})
	}
	require.Empty(t, redact.URL(nil))
	require.Empty(t, redact.URLString(""))
	require.Equal(t, redact.Placeholder, redact.URLString("http://[::1"))
}

func TestSecretsAndScrub(t *testing.T) {
	h := http.Header{
		"Authorization": {"Bearer tok-123456"},
		"Api-Key":       {"key-abcdef"},
		"X-Short-Key":   {"abc"}, // too short to scrub safely
		"Content-Type":  {"application/json"},
	}
	secrets := redact.Secrets(h)
	require.ElementsMatch(t, []string{"Bearer tok-123456", "tok-123456", "key-abcdef"}, secrets)
	u, _ := url.Parse("https://u:password1@h/?api_key=qkey-999&model=m")
	secrets = append(secrets, redact.QuerySecrets(u)...)

	msg := "bad key key-abcdef or tok-123456 or qkey-999 or password1 for model m"
	require.Equal(t, "bad key REDACTED or REDACTED or REDACTED or REDACTED for model m", redact.Scrub(msg, secrets))
	b := []byte("nothing here")
	require.Equal(t, &b[0], &redact.ScrubBytes(b, secrets)[0], "unchanged input is returned as is")
	require.Equal(t, "x REDACTED", string(redact.ScrubBytes([]byte("x key-abcdef"), secrets)))
	require.Nil(t, redact.QuerySecrets(nil))
}

// Scrub replaces longer secrets first even when the list is not sorted (as
// when header and query secrets are joined): a shorter secret that is a
// prefix of a longer one must not leave the longer one's tail behind.
func TestScrubLongestFirstAcrossJoinedLists(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer abcdef"}}
	u, _ := url.Parse("https://h/?token=abcdef-and-more")
	secrets := append(redact.Secrets(h), redact.QuerySecrets(u)...)
	require.Equal(t, "echo REDACTED", redact.Scrub("echo abcdef-and-more", secrets))
	require.Equal(t, "echo REDACTED", string(redact.ScrubBytes([]byte("echo abcdef-and-more"), secrets)))
}

// A query secret is also found in its URL-escaped form (a VApp token holds
// "+", "/" and "="), as a server echoing the request URL would print it.
func TestQuerySecretsEscapedForm(t *testing.T) {
	u, err := url.Parse("https://h/public/v-app/a?token=" + url.QueryEscape("ab+cd/ef==") + "&key_id=k")
	require.NoError(t, err)
	secrets := redact.QuerySecrets(u)
	require.Contains(t, secrets, "ab+cd/ef==")
	msg := "bad token " + u.RawQuery
	require.NotContains(t, redact.Scrub(msg, secrets), "ab")
}
