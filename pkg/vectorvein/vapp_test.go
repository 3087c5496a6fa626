package vectorvein

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// seqIV returns the IV 00 01 02 … 0f used by the reference vectors.
func seqIV() *bytes.Reader {
	iv := make([]byte, 16)
	for i := range iv {
		iv[i] = byte(i)
	}
	return bytes.NewReader(iv)
}

func fixedClock(sec int64) func() time.Time { return func() time.Time { return time.Unix(sec, 0) } }

// The vectors in the reference (vectorvein.md §3), computed with Python's AES-CBC/PKCS#7
// and urllib.parse.quote.
func TestSignVAppURLReferenceVectors(t *testing.T) {
	tests := []struct {
		name, key, app, access, keyID string
		iv                            []byte
		at                            int64
		token, url                    string
	}{
		{
			name: "aes-256", key: strings.Repeat("x", 32), app: "app123", access: "ak456", keyID: "kid789",
			at:    1700000000,
			token: "AAECAwQFBgcICQoLDA0ODwLlCThuWYPANQTI5eO45hLuiqVointEC7KPba4YR8gX",
			url:   "https://vectorvein.com/public/v-app/app123?token=AAECAwQFBgcICQoLDA0ODwLlCThuWYPANQTI5eO45hLuiqVointEC7KPba4YR8gX&key_id=kid789",
		},
		{
			name: "aes-128 keeps slash", key: "0123456789abcdef", app: "app123", access: "ak456", keyID: "k",
			at:    1700000000,
			token: "AAECAwQFBgcICQoLDA0OD6n06HP/de/8pa3QlaCgrKMXIZRPFmoOrDh9uROA/iPD",
			url:   "https://vectorvein.com/public/v-app/app123?token=AAECAwQFBgcICQoLDA0OD6n06HP/de/8pa3QlaCgrKMXIZRPFmoOrDh9uROA/iPD&key_id=k",
		},
		{
			name: "aes-192", key: "0123456789abcdef01234567", app: "app123", access: "ak456", keyID: "k",
			at:    1700000000,
			token: "AAECAwQFBgcICQoLDA0OD0F0Ui6jJGpoKcV0bKtv4G9rkjOwEmuih9/FC36QQOT2",
			url:   "https://vectorvein.com/public/v-app/app123?token=AAECAwQFBgcICQoLDA0OD0F0Ui6jJGpoKcV0bKtv4G9rkjOwEmuih9/FC36QQOT2&key_id=k",
		},
		{
			name: "plus and equals escaped", key: strings.Repeat("x", 32), app: "a1b2c3d4e5f6", access: "AK-0123456789abcdef", keyID: "kid",
			iv: bytes.Repeat([]byte{2}, 16), at: 1700000000,
			token: "AgICAgICAgICAgICAgICAsJ11pXwrWafQQItpOz9VonkqhqpP+uyBPjNv/IMF0jQ2HtYmQP8CiHpui4hrTDQDA==",
			url:   "https://vectorvein.com/public/v-app/a1b2c3d4e5f6?token=AgICAgICAgICAgICAgICAsJ11pXwrWafQQItpOz9VonkqhqpP%2BuyBPjNv/IMF0jQ2HtYmQP8CiHpui4hrTDQDA%3D%3D&key_id=kid",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iv := seqIV()
			if tc.iv != nil {
				iv = bytes.NewReader(tc.iv)
			}
			tok, err := SignVAppToken(tc.key, VAppToken{AppID: tc.app, AccessKey: tc.access, IssuedAt: time.Unix(tc.at, 0), Timeout: 900 * time.Second}, iv)
			require.NoError(t, err)
			require.Equal(t, tc.token, tok)

			iv = seqIV()
			if tc.iv != nil {
				iv = bytes.NewReader(tc.iv)
			}
			u, err := SignVAppURL(tc.key, tc.app, tc.access, tc.keyID, &VAppURLOptions{Now: fixedClock(tc.at), Rand: iv})
			require.NoError(t, err)
			require.Equal(t, tc.url, u)

			// The other side: the query decodes back to the token, which verifies.
			parsed, err := url.Parse(u)
			require.NoError(t, err)
			require.Equal(t, tc.token, parsed.Query().Get("token"))
			got, err := VerifyVAppToken(tc.key, parsed.Query().Get("token"), time.Unix(tc.at+900, 0))
			require.NoError(t, err)
			require.Equal(t, VAppToken{AppID: tc.app, AccessKey: tc.access, IssuedAt: time.Unix(tc.at, 0), Timeout: 900 * time.Second}, *got)
		})
	}
}

func TestSignVAppURLOptions(t *testing.T) {
	key := strings.Repeat("k", 32)
	u, err := SignVAppURL(key, "app", "ak", "kid", &VAppURLOptions{
		BaseURL: "http://127.0.0.1:8080/", Timeout: 90*time.Second + 500*time.Millisecond, Now: fixedClock(42),
	})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u, "http://127.0.0.1:8080/public/v-app/app?token="), u)
	parsed, err := url.Parse(u)
	require.NoError(t, err)
	tok, err := DecryptVAppToken(key, parsed.Query().Get("token"))
	require.NoError(t, err)
	require.Equal(t, 90*time.Second, tok.Timeout)
	require.Equal(t, int64(42), tok.IssuedAt.Unix())

	// Defaults: 15 minutes, vectorvein.com, a fresh IV every time.
	u1, err := SignVAppURL(key, "app", "ak", "kid", nil)
	require.NoError(t, err)
	u2, err := SignVAppURL(key, "app", "ak", "kid", nil)
	require.NoError(t, err)
	require.NotEqual(t, u1, u2)
	require.True(t, strings.HasPrefix(u1, DefaultVAppBaseURL+"/public/v-app/app?token="))
	parsed, err = url.Parse(u1)
	require.NoError(t, err)
	tok, err = VerifyVAppToken(key, parsed.Query().Get("token"), time.Now())
	require.NoError(t, err)
	require.Equal(t, DefaultVAppLinkTimeout, tok.Timeout)
}

func TestVAppSigningErrors(t *testing.T) {
	for _, n := range []int{0, 1, 15, 17, 31, 33, 64} {
		_, err := SignVAppURL(strings.Repeat("a", n), "app", "ak", "kid", nil)
		var kl *KeyLengthError
		require.ErrorAs(t, err, &kl, "length %d", n)
		require.Equal(t, n, kl.Length)
		_, err = VerifyVAppToken(strings.Repeat("a", n), "AAAA", time.Now())
		require.ErrorAs(t, err, &kl)
	}
	_, err := SignVAppURL(strings.Repeat("a", 16), "app", "ak", "kid", &VAppURLOptions{Timeout: -time.Second})
	require.Error(t, err)
	_, err = SignVAppURL(strings.Repeat("a", 16), "app", "ak", "kid", &VAppURLOptions{Rand: bytes.NewReader([]byte{1, 2, 3})})
	require.Error(t, err)
	require.NotContains(t, err.Error(), strings.Repeat("a", 16))
}

func TestVerifyVAppTokenErrors(t *testing.T) {
	key := strings.Repeat("x", 32)
	sign := func(msg string) string {
		// Build a token over an arbitrary message, to reach the parser's error paths.
		block, err := vappCipher(key)
		require.NoError(t, err)
		pad := aes.BlockSize - len(msg)%aes.BlockSize
		body := append([]byte(msg), bytes.Repeat([]byte{byte(pad)}, pad)...)
		out := make([]byte, 16+len(body))
		copy(out[16:], body)
		for i := 0; i < len(body); i += 16 {
			prev := out[i : i+16]
			blk := out[16+i : 32+i]
			for j := range blk {
				blk[j] ^= prev[j]
			}
			block.Encrypt(blk, blk)
		}
		return base64.StdEncoding.EncodeToString(out)
	}
	good, err := SignVAppToken(key, VAppToken{AppID: "app", AccessKey: "ak", IssuedAt: time.Unix(1000, 0), Timeout: time.Minute}, seqIV())
	require.NoError(t, err)
	zeroIV, err := SignVAppToken(key, VAppToken{AppID: "app", AccessKey: "ak", IssuedAt: time.Unix(1000, 0), Timeout: time.Minute}, bytes.NewReader(make([]byte, 16)))
	require.NoError(t, err)
	require.Equal(t, zeroIV, sign("app:ak:1000:60"), "the test's own encryptor agrees with SignVAppToken")

	tests := []struct {
		name  string
		key   string
		token string
		now   time.Time
		kind  error
	}{
		{"not base64", key, "%%%", time.Unix(1000, 0), ErrTokenInvalid},
		{"url-safe base64", key, strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-_", time.Unix(1000, 0), ErrTokenInvalid},
		{"too short", key, base64.StdEncoding.EncodeToString(make([]byte, 16)), time.Unix(1000, 0), ErrTokenInvalid},
		{"not whole blocks", key, base64.StdEncoding.EncodeToString(make([]byte, 40)), time.Unix(1000, 0), ErrTokenInvalid},
		{"wrong key", strings.Repeat("y", 32), good, time.Unix(1000, 0), ErrTokenInvalid},
		{"expired", key, good, time.Unix(1061, 0), ErrTokenExpired},
		{"three parts", key, sign("app:1000:60"), time.Unix(1000, 0), ErrTokenInvalid},
		{"no colon", key, sign("garbage"), time.Unix(1000, 0), ErrTokenInvalid},
		{"bad timestamp", key, sign("app:ak:x:60"), time.Unix(1000, 0), ErrTokenInvalid},
		{"bad timeout", key, sign("app:ak:1000:-1"), time.Unix(1000, 0), ErrTokenInvalid},
		{"huge timeout", key, sign("app:ak:1000:99999999999999999"), time.Unix(1000, 0), ErrTokenInvalid},
	}
	// One message for every token that does not decrypt (no padding oracle), the
	// specifics only in Detail, for logs.
	details := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyVAppToken(tc.key, tc.token, tc.now)
			var te *TokenError
			require.ErrorAs(t, err, &te)
			require.ErrorIs(t, err, tc.kind)
			require.NotContains(t, err.Error(), tc.key)
			require.NotContains(t, te.Detail(), tc.key)
			require.NotEmpty(t, te.Detail())
			if tc.kind == ErrTokenInvalid {
				require.Equal(t, "vectorvein: invalid VApp token", err.Error())
				require.NotErrorIs(t, err, ErrTokenExpired)
				details[te.Detail()] = true
			}
		})
	}
	require.Contains(t, details, "bad padding")
	require.Contains(t, details, "not standard base64")

	// Still valid on the last second; the access key may contain colons.
	tok, err := VerifyVAppToken(key, good, time.Unix(1060, 0))
	require.NoError(t, err)
	require.Equal(t, "ak", tok.AccessKey)
	tok, err = VerifyVAppToken(key, sign("app:a:b:c:1000:60"), time.Unix(1000, 0))
	require.NoError(t, err)
	require.Equal(t, "app", tok.AppID)
	require.Equal(t, "a:b:c", tok.AccessKey)

	// An expired token still says what it was.
	_, err = VerifyVAppToken(key, good, time.Unix(5000, 0))
	var te *TokenError
	require.True(t, errors.As(err, &te))
	require.Equal(t, "app", te.Token.AppID)
}

// Round trip over random inputs: whatever is signed verifies to the same parts, and the
// URL form decodes back to the token.
func TestVAppTokenPaddingIsOneKind(t *testing.T) {
	// Flip each value of the IV's last byte: the last plaintext byte of a one-block
	// token runs through all 256 values, so some give valid padding and a bad message,
	// most bad padding. The caller sees one error whatever happened.
	key := strings.Repeat("k", 16)
	tok, err := SignVAppToken(key, VAppToken{AppID: "a", AccessKey: "b", IssuedAt: time.Unix(1, 0)}, seqIV())
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(tok)
	require.NoError(t, err)
	require.Len(t, raw, 32, "a one-block token")
	kinds := map[string]int{}
	for v := range 256 {
		mod := bytes.Clone(raw)
		mod[15] ^= byte(v)
		_, err := DecryptVAppToken(key, base64.StdEncoding.EncodeToString(mod))
		if v == 0 {
			require.NoError(t, err)
			continue
		}
		var te *TokenError
		require.ErrorAs(t, err, &te)
		require.Equal(t, ErrTokenInvalid, te.Kind)
		kinds[err.Error()]++
		if te.Detail() != "bad padding" {
			kinds["detail: not padding"]++
		}
	}
	require.Len(t, kinds, 2, "one message; both padding and message failures occurred: %v", kinds)
}

func TestPKCS7Pad(t *testing.T) {
	block := func(tail ...byte) []byte {
		b := bytes.Repeat([]byte{'x'}, aes.BlockSize-len(tail))
		return append(b, tail...)
	}
	for _, tc := range []struct {
		body []byte
		n    int
		ok   bool
	}{
		{block(1), 1, true},
		{block(2, 2), 2, true},
		{block(1, 2), 0, false},
		{block(0), 0, false},
		{block(17), 0, false},
		{bytes.Repeat([]byte{16}, 16), 16, true},
		{append(bytes.Repeat([]byte{15}, 15), 16), 0, false},
		{append(block(), bytes.Repeat([]byte{16}, 16)...), 16, true},
	} {
		n, ok := pkcs7Pad(tc.body)
		require.Equal(t, tc.ok, ok, "%v", tc.body)
		if ok {
			require.Equal(t, tc.n, n)
		}
	}
}

func TestVAppRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ019-_.~/+= %&?#中文é")
	randStr := func(maxLen int, colon bool) string {
		n := r.IntN(maxLen + 1)
		var b strings.Builder
		for range n {
			c := alphabet[r.IntN(len(alphabet))]
			b.WriteRune(c)
		}
		if colon && r.IntN(4) == 0 {
			b.WriteString(":x")
		}
		return b.String()
	}
	for i := range 500 {
		key := make([]byte, []int{16, 24, 32}[i%3])
		for j := range key {
			key[j] = byte(32 + r.IntN(95))
		}
		in := VAppToken{
			AppID:     strings.ReplaceAll(randStr(20, false), ":", ""),
			AccessKey: randStr(40, true),
			IssuedAt:  time.Unix(r.Int64N(1<<40), 0),
			Timeout:   time.Duration(r.IntN(100000)) * time.Second,
		}
		u, err := SignVAppURL(string(key), in.AppID, in.AccessKey, "kid", &VAppURLOptions{
			Timeout: in.Timeout, Now: func() time.Time { return in.IssuedAt },
		})
		if in.Timeout == 0 {
			in.Timeout = DefaultVAppLinkTimeout
		}
		require.NoError(t, err)
		q := u[strings.Index(u, "?token=")+len("?token=") : strings.LastIndex(u, "&key_id=")]
		tokStr, err := url.QueryUnescape(q)
		require.NoError(t, err)
		require.NotContains(t, q, "+")
		got, err := VerifyVAppToken(string(key), tokStr, in.IssuedAt)
		require.NoError(t, err, "case %d", i)
		require.Equal(t, in, *got, "case %d", i)
	}
}

func TestPyQuote(t *testing.T) {
	tests := map[string]string{
		"a+b/c=d~_.-": "a%2Bb/c%3Dd~_.-",
		"":            "",
		"AZaz09":      "AZaz09",
		" ?&#%":       "%20%3F%26%23%25",
		"é":           "%C3%A9",
	}
	for in, want := range tests {
		require.Equal(t, want, pyQuote(in), in)
	}
}

func BenchmarkSignVAppURL(b *testing.B) {
	key := strings.Repeat("x", 32)
	for b.Loop() {
		if _, err := SignVAppURL(key, "app123", "AK-0123456789abcdef", "kid", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyVAppToken(b *testing.B) {
	key := strings.Repeat("x", 32)
	tok, err := SignVAppToken(key, VAppToken{AppID: "app123", AccessKey: "AK-0123456789abcdef", IssuedAt: time.Unix(1700000000, 0), Timeout: time.Hour}, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Unix(1700000001, 0)
	for b.Loop() {
		if _, err := VerifyVAppToken(key, tok, now); err != nil {
			b.Fatal(err)
		}
	}
}

// A negative link timeout is bad input like any other: an
// *apierror.InputError naming the field, not an untyped error.
func TestVAppNegativeTimeoutIsInputError(t *testing.T) {
	_, err := SignVAppURL("0123456789abcdef0123456789abcdef", "app", "ak", "kid", &VAppURLOptions{Timeout: -time.Second})
	var ie *apierror.InputError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "VApp link timeout", ie.Field)
	require.Contains(t, err.Error(), "must not be negative")
}
