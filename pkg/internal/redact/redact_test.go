package redact_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
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

func TestScrubEncodedForms(t *testing.T) {
	const sec = "sk-Ab/cd+ef gh\"ij\\kl"
	secrets := []string{sec}
	tests := map[string]string{
		"plain":            "key " + sec + " end",
		"json \\/":         `key sk-Ab\/cd+ef gh\"ij\\kl end`,
		"json \\u002f":     `key sk-Ab\u002fcd\u002Bef\u0020gh\u0022ij\u005ckl end`,
		"percent":          "key sk-Ab%2Fcd%2Bef%20gh%22ij%5Ckl end",
		"percent lower":    "key sk-Ab%2fcd%2bef+gh%22ij%5ckl end",
		"mixed":            `key sk-Ab%2Fcd\u002bef+gh\"ij%5ckl end`,
		"twice":            "key " + sec + "," + `sk-Ab\/cd+ef gh\"ij\\kl end`,
		"at the very end":  "key " + `sk-Ab\/cd+ef gh\"ij\\kl`,
		"url.QueryEscape":  "key " + url.QueryEscape(sec) + " end",
		"url.PathEscape":   "key " + url.PathEscape(sec) + " end",
		"json.Marshal-ish": `key sk-Ab/cd+ef gh\"ij\\kl end`,
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			got := redact.Scrub(text, secrets)
			require.NotContains(t, got, "ij")
			require.True(t, strings.HasPrefix(got, "key "+redact.Placeholder), got)
		})
	}
	// Near misses are left alone.
	for _, text := range []string{`sk-Ab\/cd+ef gh\"ij\\k`, "sk-Ab%2Gcd", `sk-Ab\u00`, "plain text", `\`, "%", "+"} {
		require.Equal(t, text, redact.Scrub(text, secrets))
	}
}

func TestScrubHeader(t *testing.T) {
	h := http.Header{"X-Request-Id": {"req-sk-secret\\/value"}, "Api-Key": {"x"}, "Content-Type": {"application/json"}}
	got := redact.ScrubHeader(h, []string{"sk-secret/value"})
	require.Equal(t, []string{"req-" + redact.Placeholder}, got["X-Request-Id"])
	require.Equal(t, []string{redact.Placeholder}, got["Api-Key"])
	require.Equal(t, []string{"application/json"}, got["Content-Type"])
	require.Equal(t, []string{"req-sk-secret\\/value"}, h["X-Request-Id"], "the input is not changed")
}

type textErr struct{ text string }

func (e *textErr) Error() string                 { return e.text }
func (e *textErr) ScrubSecrets(secrets []string) { e.text = redact.Scrub(e.text, secrets) }

func TestScrubError(t *testing.T) {
	secrets := []string{"secret-value-1"}
	typed := &textErr{text: "typed secret-value-1"}
	err := fmt.Errorf("outer secret-value-1: %w", errors.Join(typed, io.EOF))
	got := redact.ScrubError(err, secrets)
	require.NotContains(t, got.Error(), "secret-value-1")
	require.Equal(t, "typed "+redact.Placeholder, typed.text, "scrubbed in place along the chain")
	require.ErrorIs(t, got, io.EOF)
	var te *textErr
	require.ErrorAs(t, got, &te)
	clean := errors.New("nothing here")
	require.Same(t, clean, redact.ScrubError(clean, secrets))
	require.NoError(t, redact.ScrubError(nil, secrets))
}

func TestCollectorAndRequestSecrets(t *testing.T) {
	ctx, col := redact.WithCollector(context.Background())
	redact.Collect(ctx, http.Header{"Authorization": {"Bearer token-abcdef"}}, nil)
	redact.Collect(ctx, http.Header{"Api-Key": {"key-123456"}}, nil)
	redact.Collect(context.Background(), http.Header{"Api-Key": {"elsewhere-1"}}, nil) // no collector: ignored
	require.ElementsMatch(t, []string{"Bearer token-abcdef", "token-abcdef", "key-123456"}, col.Secrets())
	require.Nil(t, (*redact.Collector)(nil).Secrets())

	first, _ := http.NewRequest(http.MethodGet, "http://a/x", nil)
	first.Header.Set("X-Api-Key", "first-hop-key")
	second, _ := http.NewRequest(http.MethodGet, "http://b/y", nil)
	second.Response = &http.Response{Request: first}
	require.Equal(t, []string{"first-hop-key"}, redact.RequestSecrets(second))
}

// BenchmarkScrubJSONBody scrubs a 64 KiB JSON error body full of escapes
// (the worst common case: every "\\" and "%" is a candidate) for two secrets.
func BenchmarkScrubJSONBody(b *testing.B) {
	body := strings.Repeat(`{"msg":"path a\/b\/c %2F \u00e9 done","n":1},`, 64<<10/44)
	secrets := []string{"Bearer sk-Ab/cd+ef/0123456789", "sk-Ab/cd+ef/0123456789"}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_ = redact.Scrub(body, secrets)
	}
}

// FuzzScrub: any text and secret; Scrub never panics, and the secret never
// survives in plain form (unless Placeholder itself spells it).
func FuzzScrub(f *testing.F) {
	f.Add(`key sk-Ab\/cd%2B\u0065f end`, "sk-Ab/cd+ef")
	f.Add(`\\\\\\\\\\`, `\\\\\\`)
	f.Add("%%%+++", "% +")
	f.Add("D0000000000", "D00000") // "REDACTED" + "00000" spelled the secret again
	f.Add("xREDACTEDx", "EDACTE")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if secret == "" {
			return
		}
		got := redact.Scrub(text, []string{secret})
		if strings.Contains(got, secret) {
			t.Fatalf("secret %q survives in %q (from %q)", secret, got, text)
		}
	})
}

// TestScrubPlaceholderNeverSpellsTheSecret: where "REDACTED" next to the
// text around it would spell the secret again, another placeholder is used.
func TestScrubPlaceholderNeverSpellsTheSecret(t *testing.T) {
	for _, tc := range []struct{ text, secret, want string }{
		{"D0000000000", "D00000", "[REDACTED]00000"},                           // begins with the end of "REDACTED"
		{"ABCDEABCDER", "ABCDER", "ABCDE[REDACTED]"},                           // ends with its start
		{"key=ABCDEF ok", "ABCDEF", "key=REDACTED ok"},                         // the usual case
		{"a REDACTED b", "EDACTE", "a R!!!!!!!!D b"},                           // inside every bracketed form too
		{"D]abcd]abcd", "D]abcd", "<REDACTED>]abcd"},                           // overlaps "[REDACTED]" too
		{"D]{REDACTED}<]{REDACTED}<", "D]{REDACTED}<", "!!!!!!!!]{REDACTED}<"}, // overlaps every bracketed form
	} {
		got := redact.Scrub(tc.text, []string{tc.secret})
		if got != tc.want || strings.Contains(got, tc.secret) {
			t.Errorf("Scrub(%q, %q) = %q, want %q", tc.text, tc.secret, got, tc.want)
		}
	}
}

// TestSensitiveHeaderAllocs: every call checks every header of its request,
// so the check must not allocate for ordinary names.
func TestSensitiveHeaderAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		if redact.SensitiveHeader("Content-Type") || !redact.SensitiveHeader("X-Api-Key") || !redact.SensitiveHeader(" Authorization ") {
			t.Fatal("wrong answer")
		}
	}); n != 0 {
		t.Errorf("SensitiveHeader: %v allocations per run, want 0", n)
	}
}

// TestCollectorRange: Range yields what Collect gathered from the headers
// and the query, each once, and nothing for a nil Collector.
func TestCollectorRange(t *testing.T) {
	ctx, col := redact.WithCollector(context.Background())
	u, _ := url.Parse("http://h/?api_key=query-secret-1234")
	redact.Collect(ctx, http.Header{"Authorization": {"Bearer token-secret-5678"}, "Accept": {"application/json"}}, u)
	redact.Collect(ctx, http.Header{"Authorization": {"Bearer token-secret-5678"}}, nil)
	var got []string
	col.Range(func(s string) { got = append(got, s) })
	slices.Sort(got)
	want := slices.Clone(col.Secrets())
	slices.Sort(want)
	if !slices.Equal(got, want) || !slices.Contains(got, "token-secret-5678") || !slices.Contains(got, "query-secret-1234") {
		t.Errorf("Range gave %q, Secrets %q", got, want)
	}
	var none *redact.Collector
	none.Range(func(s string) { t.Errorf("nil collector gave %q", s) })
}
