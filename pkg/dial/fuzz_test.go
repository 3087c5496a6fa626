package dial_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dial"
)

// FuzzParseFileURL: any input is either rejected or round-trips through
// String, and a valid URL never hides "..", empty segments or "%2F".
func FuzzParseFileURL(f *testing.F) {
	for _, s := range []string{"files/b/a.txt", "files/b/", "files/b/a%20b/", "files/b/%2e%2e/x", "files/b/50% off", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := dial.ParseFileURL(s)
		if err != nil {
			return
		}
		again, err := dial.ParseFileURL(u.String())
		if err != nil || again.String() != u.String() || again.Path() != u.Path() {
			t.Fatalf("%q: not idempotent: %q (%v)", s, u.String(), err)
		}
		for _, seg := range strings.Split(strings.TrimSuffix(u.Path(), "/"), "/") {
			if u.Path() != "" && (seg == "" || seg == "." || seg == "..") {
				t.Fatalf("%q: bad segment in %q", s, u.Path())
			}
		}
		if strings.Contains(strings.ToUpper(u.String()), "%2F") {
			t.Fatalf("%q: encoded slash in %q", s, u.String())
		}
	})
}

// FuzzParseError never panics on arbitrary bodies.
func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"error":{"message":"m","code":1}}`))
	f.Add([]byte("plain"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = dial.ParseError(b)
	})
}

// FuzzAccumulator never panics on arbitrary chunks.
func FuzzAccumulator(f *testing.F) {
	f.Add([]byte(`{"id":"1","choices":[{"index":3,"delta":{"content":"x","tool_calls":[{"index":-1}],"custom_content":{"stages":[{"index":2,"attachments":[{"index":9}]}]}}}],"statistics":{"usage_per_model":[{"index":1}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c dial.ChatCompletionChunk
		if json.Unmarshal(b, &c) != nil {
			return
		}
		var acc dial.ChatCompletionAccumulator
		acc.Add(c)
		acc.Add(c)
		_ = acc.Completion()
	})
}

// FuzzChatStream feeds arbitrary bytes to the chat stream decoder: it never
// panics, always ends, and either ends cleanly after [DONE] or with an
// error.
func FuzzChatStream(f *testing.F) {
	f.Add("data: {\"id\":\"1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
	f.Add("data: {\"error\":{\"message\":\"boom\",\"code\":500}}\n\n")
	f.Add("data: {\"error\":null,\"choices\":[{\"index\":-7,\"delta\":{\"tool_calls\":[{\"index\":99}]}}]}\n\n")
	f.Add(": heartbeat\n\nevent: x\ndata: {\ndata: }\n\n")
	f.Add("data: [DONE]\n\ndata: garbage\n\n")
	f.Add("data: {\"error\":\"text\"}\n\n")
	f.Fuzz(func(t *testing.T, body string) {
		n := 0
		for _, err := range dial.NewChatStreamForTest(body).All() {
			n++
			if err != nil || n > len(body)+1 {
				break
			}
		}
		_, _ = dial.Accumulate(dial.NewChatStreamForTest(body))
	})
}
