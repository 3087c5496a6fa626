package vectorvein

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecryptVAppToken: any token, any key length, never a panic; a token that decrypts
// signs back to a token that decrypts to the same parts.
func FuzzDecryptVAppToken(f *testing.F) {
	f.Add(strings.Repeat("x", 32), "AAECAwQFBgcICQoLDA0ODwLlCThuWYPANQTI5eO45hLuiqVointEC7KPba4YR8gX")
	f.Add("0123456789abcdef", "AAECAwQFBgcICQoLDA0OD6n06HP/de/8pa3QlaCgrKMXIZRPFmoOrDh9uROA/iPD")
	f.Add("short", "%%%")
	f.Add(strings.Repeat("k", 24), "")
	f.Fuzz(func(t *testing.T, key, token string) {
		tok, err := DecryptVAppToken(key, token)
		if err != nil {
			return
		}
		again, err := SignVAppToken(key, *tok, nil)
		if err != nil {
			t.Fatalf("re-signing a decrypted token: %v", err)
		}
		back, err := VerifyVAppToken(key, again, tok.IssuedAt)
		if err != nil || *back != *tok {
			t.Fatalf("round trip: %v %+v %+v", err, back, tok)
		}
	})
}

// FuzzUnwrapEnvelope: any reply body, never a panic; a success envelope gives data (or
// the whole envelope), anything else an error that runFailed can read.
func FuzzUnwrapEnvelope(f *testing.F) {
	for _, s := range []string{`{"status":200,"msg":"","data":{"rid":"r"}}`, `{"status":"x"}`, `[]`, `null`, `not json`,
		`{"status":500,"msg":5,"data":{"error":1}}`, `{"status":200,"rid":7,"data":[]}`, `{"status":500,"data":"x"}`} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, whole bool) {
		req := httptest.NewRequest(http.MethodPost, "http://h/workflow/check-status", nil)
		if whole {
			req = req.WithContext(wholeEnvelope(req.Context()))
		}
		resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Request: req}
		data, err := unwrapEnvelope(resp, body)
		if err != nil {
			_ = runFailed("r", err).Error()
			_ = mapError(err)
		} else {
			_ = isArray(data)
		}
		_, _ = parseEnvelopeError(body)
	})
}

func TestPyQuoteMatchesForAllBytes(t *testing.T) {
	// Python: quote(bytes([b])) keeps A-Z a-z 0-9 _ . - ~ / and escapes everything else.
	for b := 0; b < 256; b++ {
		s := string([]byte{byte(b)})
		got := pyQuote(s)
		keep := strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/", rune(b)) && b < 128
		if keep && got != s || !keep && len(got) != 3 {
			t.Fatalf("byte %#x: %q", b, got)
		}
	}
}
