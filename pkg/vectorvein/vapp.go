package vectorvein

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// DefaultVAppBaseURL is the site origin VApp links point at (not the API base).
const DefaultVAppBaseURL = "https://vectorvein.com"

// DefaultVAppLinkTimeout is how long a VApp link stays valid unless told otherwise.
const DefaultVAppLinkTimeout = 15 * time.Minute

// VAppURLOptions tunes VAppURL and SignVAppURL. The zero value gives the official SDK's
// defaults: a 15-minute link on https://vectorvein.com, the current time and a random IV.
type VAppURLOptions struct {
	// Timeout is how long the link stays valid; it is sent as whole seconds
	// (fractions are dropped). 0 means DefaultVAppLinkTimeout; negative is an error.
	Timeout time.Duration
	// BaseURL is the site origin, e.g. "https://vectorvein.com" (the default).
	// A trailing slash is removed.
	BaseURL string
	// Now returns the signing time (only whole Unix seconds are used). Nil: time.Now.
	Now func() time.Time
	// Rand supplies the 16-byte IV. Nil: crypto/rand.Reader. Inject a fixed source
	// only in tests: a repeated IV leaks information about the message.
	Rand io.Reader
}

// VAppToken is what a VApp link's token carries.
type VAppToken struct {
	// AppID is the VApp the link opens.
	AppID string
	// AccessKey is the access key that grants the visit.
	AccessKey string
	// IssuedAt is the signing time, in whole seconds.
	IssuedAt time.Time
	// Timeout is how long the token is valid after IssuedAt, in whole seconds.
	Timeout time.Duration
}

// ExpiresAt is the last instant the token is valid.
func (t VAppToken) ExpiresAt() time.Time { return t.IssuedAt.Add(t.Timeout) }

// KeyLengthError reports an API key that cannot be an AES key: VApp tokens are encrypted
// with the API key's bytes, which must be 16, 24 or 32 bytes long.
type KeyLengthError struct {
	Length int // the key's length in bytes
}

// Error says which lengths are allowed.
func (e *KeyLengthError) Error() string {
	return fmt.Sprintf("vectorvein: API key is %d bytes; VApp signing needs an API key of 16, 24 or 32 bytes", e.Length)
}

// Sentinel kinds of TokenError, for errors.Is.
var (
	// ErrTokenInvalid: the token does not decrypt to a VApp token with this API key. Every
	// such failure (not base64, a length that is not an IV plus whole AES blocks, bad
	// PKCS#7 padding, a message that is not "app_id:access_key:seconds:timeout") is this
	// one kind with one message, so that an answer built from it cannot serve as a padding
	// oracle: the scheme is unauthenticated AES-CBC.
	ErrTokenInvalid = errors.New("invalid VApp token")
	// ErrTokenExpired: the token decrypted, but its timeout has passed.
	ErrTokenExpired = errors.New("VApp token expired")
)

// TokenError is returned by VerifyVAppToken and DecryptVAppToken. Kind is ErrTokenInvalid
// or ErrTokenExpired, and errors.Is matches it. Its message depends on Kind only.
//
// A server verifying links should answer every failure, expired or not, with the same
// response (say, one generic 403) and keep the specifics for its own logs: telling the
// visitor which check failed lets anyone decrypt tokens by trial.
type TokenError struct {
	// Kind is ErrTokenInvalid or ErrTokenExpired.
	Kind error
	// Token is the decrypted token, set when Kind is ErrTokenExpired.
	Token *VAppToken
	// detail says which check failed; see Detail.
	detail string
}

// Error names the kind of problem, and nothing more specific.
func (e *TokenError) Error() string { return "vectorvein: " + e.Kind.Error() }

// Detail says which check failed (e.g. "bad padding", "not standard base64") or when an
// expired token expired. It never holds key material, but it is for the verifying
// server's own logs only: never put it in a response to whoever presented the token.
func (e *TokenError) Detail() string { return e.detail }

// Unwrap returns Kind.
func (e *TokenError) Unwrap() error { return e.Kind }

// invalidToken is the one error of every decryption failure; detail is for logs.
func invalidToken(detail string) *TokenError {
	return &TokenError{Kind: ErrTokenInvalid, detail: detail}
}

func vappCipher(apiKey string) (cipher.Block, error) {
	switch len(apiKey) {
	case 16, 24, 32:
	default:
		return nil, &KeyLengthError{Length: len(apiKey)}
	}
	return aes.NewCipher([]byte(apiKey))
}

// SignVAppToken encrypts t with the API key exactly like the official SDK's
// generate_vapp_url: AES-CBC keyed by the API key's bytes, PKCS#7 padding, the random IV
// prepended, standard base64 with padding. IssuedAt is truncated to seconds and Timeout to
// whole seconds. The result is the raw token; VAppURL also escapes it for the URL.
func SignVAppToken(apiKey string, t VAppToken, random io.Reader) (string, error) {
	block, err := vappCipher(apiKey)
	if err != nil {
		return "", err
	}
	if t.Timeout < 0 {
		return "", inputErr("VApp link timeout", fmt.Sprintf("must not be negative, got %s", t.Timeout))
	}
	if random == nil {
		random = rand.Reader
	}
	msg := t.AppID + ":" + t.AccessKey + ":" + strconv.FormatInt(t.IssuedAt.Unix(), 10) + ":" +
		strconv.FormatInt(int64(t.Timeout/time.Second), 10)
	padLen := aes.BlockSize - len(msg)%aes.BlockSize // always 1..16: PKCS#7 always pads
	raw := make([]byte, aes.BlockSize+len(msg)+padLen)
	if _, err := io.ReadFull(random, raw[:aes.BlockSize]); err != nil {
		return "", fmt.Errorf("vectorvein: reading the VApp token IV: %w", err)
	}
	body := raw[aes.BlockSize:]
	copy(body, msg)
	for i := len(msg); i < len(body); i++ {
		body[i] = byte(padLen)
	}
	cipher.NewCBCEncrypter(block, raw[:aes.BlockSize]).CryptBlocks(body, body)
	return base64.StdEncoding.EncodeToString(raw), nil
}

// DecryptVAppToken is the server side of a VApp link: it decodes and decrypts token (as
// found in the link's query, already URL-decoded) with the API key and returns its parts.
// It does not check expiry; VerifyVAppToken does. Every failure to decrypt is a
// *TokenError of kind ErrTokenInvalid with the same message.
func DecryptVAppToken(apiKey, token string) (*VAppToken, error) {
	block, err := vappCipher(apiKey)
	if err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil, invalidToken("not standard base64")
	}
	if len(raw) < 2*aes.BlockSize || len(raw)%aes.BlockSize != 0 {
		return nil, invalidToken(fmt.Sprintf("%d bytes is not an IV plus whole AES blocks", len(raw)))
	}
	body := bytes.Clone(raw[aes.BlockSize:])
	cipher.NewCBCDecrypter(block, raw[:aes.BlockSize]).CryptBlocks(body, body)
	n, ok := pkcs7Pad(body)
	if !ok {
		return nil, invalidToken("bad padding")
	}
	return parseVAppMessage(string(body[:len(body)-n]))
}

// pkcs7Pad returns the length of the PKCS#7 padding that ends body (whole AES blocks),
// and whether it is valid. It takes the same time whatever the padding's bytes are.
func pkcs7Pad(body []byte) (int, bool) {
	last := body[len(body)-aes.BlockSize:]
	n := int(last[aes.BlockSize-1])
	good := subtle.ConstantTimeLessOrEq(1, n) & subtle.ConstantTimeLessOrEq(n, aes.BlockSize)
	for i := range aes.BlockSize {
		// inPad is 1 for the last n bytes of the block.
		inPad := subtle.ConstantTimeLessOrEq(aes.BlockSize-i, n)
		same := subtle.ConstantTimeByteEq(last[i], byte(n))
		good &= same | (inPad ^ 1)
	}
	return n, good == 1
}

// parseVAppMessage splits "app_id:access_key:seconds:timeout". The last two parts are
// integers; the app id is everything before the first colon, the access key the rest.
func parseVAppMessage(msg string) (*VAppToken, error) {
	bad := func(detail string) (*VAppToken, error) {
		return nil, invalidToken(detail)
	}
	i := strings.LastIndexByte(msg, ':')
	if i < 0 {
		return bad("want app_id:access_key:seconds:timeout")
	}
	timeout, err := strconv.ParseInt(msg[i+1:], 10, 64)
	if err != nil || timeout < 0 || timeout > int64(1<<62/time.Second) {
		return bad("timeout is not a non-negative integer")
	}
	msg = msg[:i]
	i = strings.LastIndexByte(msg, ':')
	if i < 0 {
		return bad("want app_id:access_key:seconds:timeout")
	}
	secs, err := strconv.ParseInt(msg[i+1:], 10, 64)
	if err != nil {
		return bad("timestamp is not an integer")
	}
	app, key, ok := strings.Cut(msg[:i], ":")
	if !ok {
		return bad("want app_id:access_key:seconds:timeout")
	}
	return &VAppToken{AppID: app, AccessKey: key, IssuedAt: time.Unix(secs, 0), Timeout: time.Duration(timeout) * time.Second}, nil
}

// VerifyVAppToken decrypts token with the API key and checks that it has not expired at
// now (it is valid while now <= IssuedAt + Timeout). A token that does not decrypt gives a
// *TokenError of kind ErrTokenInvalid, whatever was wrong with it; an expired one a
// *TokenError of kind ErrTokenExpired that still carries the decrypted parts. Answer both
// alike to the visitor (see TokenError).
func VerifyVAppToken(apiKey, token string, now time.Time) (*VAppToken, error) {
	t, err := DecryptVAppToken(apiKey, token)
	if err != nil {
		return nil, err
	}
	if now.After(t.ExpiresAt()) {
		return nil, &TokenError{Kind: ErrTokenExpired, Token: t, detail: "expired at " + t.ExpiresAt().UTC().Format(time.RFC3339)}
	}
	return t, nil
}

// SignVAppURL builds a signed VApp link with the given API key, byte for byte like the
// official SDK's generate_vapp_url:
// {base}/public/v-app/{app_id}?token={quote(token)}&key_id={key_id}. app_id and key_id
// are inserted as given (the SDK does not escape them either).
func SignVAppURL(apiKey, appID, accessKey, keyID string, opts *VAppURLOptions) (string, error) {
	var o VAppURLOptions
	if opts != nil {
		o = *opts
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultVAppLinkTimeout
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultVAppBaseURL
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	token, err := SignVAppToken(apiKey, VAppToken{AppID: appID, AccessKey: accessKey, IssuedAt: now(), Timeout: o.Timeout}, o.Rand)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(o.BaseURL, "/") + "/public/v-app/" + appID + "?token=" + pyQuote(token) + "&key_id=" + keyID, nil
}

// pyQuote escapes s like Python's urllib.parse.quote(s) with its default safe="/":
// ASCII letters, digits, "_.-~" and "/" stay, every other byte becomes %XX (upper case).
func pyQuote(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// VAppURL signs a link that opens the VApp appID with the access key accessKey; keyID
// names this client's API key on the server (the key that decrypts the token). The token
// is encrypted with the client's API key, which must be 16, 24 or 32 bytes (else
// *KeyLengthError). The link is byte-compatible with the official SDK's
// generate_vapp_url. Unless opts.BaseURL says otherwise, the link points at the origin of
// the client's base URL when it ends in /api/v1/open-api (so https://vectorvein.com by
// default), else at DefaultVAppBaseURL. No request is sent. A failing API key provider
// gives an *apierror.CredentialError.
func (c *Client) VAppURL(appID, accessKey, keyID string, opts *VAppURLOptions) (string, error) {
	var o VAppURLOptions
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultVAppBaseURL
		if origin, ok := strings.CutSuffix(strings.TrimSuffix(c.core.Config.BaseURL, "/"), apiPathSuffix); ok && origin != "" {
			o.BaseURL = origin
		}
	}
	key, err := c.core.Config.APIKey(context.Background())
	if err != nil {
		var ce *apierror.CredentialError
		if errors.As(err, &ce) {
			return "", err
		}
		return "", &apierror.CredentialError{Service: ServiceName, Credential: "API key", Err: err}
	}
	return SignVAppURL(key, appID, accessKey, keyID, &o)
}
