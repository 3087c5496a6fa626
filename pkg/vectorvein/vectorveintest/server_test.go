package vectorveintest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

func post(t *testing.T, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestServedUnderAPIBaseAndRoot(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	h := map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}
	for _, base := range []string{srv.APIBaseURL(), srv.URL} {
		code, body := post(t, base+"/workflow/run", `{"wid":"wf-echo","input_fields":[]}`, h)
		require.Equal(t, 200, code)
		require.Contains(t, body, `"rid"`)
	}
	require.Empty(t, srv.Violations())
}

func TestRequestsThatBreakTheSpecAreRejected(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	tests := []struct {
		name   string
		body   string
		header map[string]string
	}{
		{"no version header", `{"wid":"wf-echo"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey}},
		{"wrong version", `{"wid":"wf-echo"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "1"}},
		{"no wid", `{}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}},
		{"bad output scope", `{"wid":"w","output_scope":"some"}`, map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, srv.APIBaseURL()+"/workflow/run", tc.body, tc.header)
			require.Equal(t, 400, code)
			// The spec's error envelope (the `default` response), not the kit's shape.
			var env struct {
				Status *int            `json:"status"`
				Msg    string          `json:"msg"`
				Data   json.RawMessage `json:"data"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &env), body)
			require.NotNil(t, env.Status, body)
			require.Equal(t, 400, *env.Status)
			require.True(t, strings.HasPrefix(env.Msg, "runWorkflow: "), env.Msg)
			require.JSONEq(t, `{}`, string(env.Data))
			require.NotContains(t, body, vectorveintest.APIKey)
		})
	}
	// Only the request violations: the envelopes themselves fit the spec.
	vs := srv.Violations()
	require.Len(t, vs, len(tests))
	for _, v := range vs {
		require.Equal(t, "request", v.Direction)
	}
}

// The VApp page answers a link without key_id or token (or another malformed
// query) with the HTML 400 page its spec documents.
func TestVAppPageBadLinkIsHTML400(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	for _, q := range []string{"?token=x", "?key_id=" + vectorveintest.KeyID, "", "?token=x&key_id=k&extra=1"} {
		t.Run(q, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/public/v-app/" + vectorveintest.DefaultAppID + q)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			require.Contains(t, string(b), "<title>Bad Request</title>")
			require.Contains(t, string(b), "openVApp: query parameter")
		})
	}
	vs := srv.Violations()
	require.Len(t, vs, 4)
	for _, v := range vs {
		require.Equal(t, "request", v.Direction, v.Message)
	}
}

func TestStartOutsideTests(t *testing.T) {
	srv, err := vectorveintest.Start(vectorveintest.WithHTTPStatusMirroring(true))
	require.NoError(t, err)
	defer srv.Close()
	code, body := post(t, srv.APIBaseURL()+"/workflow/check-status", `{"rid":"nope"}`,
		map[string]string{"VECTORVEIN-API-KEY": vectorveintest.APIKey, "VECTORVEIN-API-VERSION": "20240508"})
	require.Equal(t, 404, code)
	require.JSONEq(t, `{"status":404,"msg":"Record not found","data":{}}`, body)
	require.Empty(t, srv.Violations())
}

// TestVAppPageOneForbidden: the VApp page refuses every bad link with the same
// 403 page, so that it tells no bad padding from a malformed or expired token
// (no padding oracle).
func TestVAppPageOneForbidden(t *testing.T) {
	srv := vectorveintest.NewServer(t)
	valid, err := vectorvein.SignVAppToken(vectorveintest.APIKey, vectorvein.VAppToken{
		AppID: vectorveintest.DefaultAppID, AccessKey: "AKx", IssuedAt: time.Now(), Timeout: time.Hour}, nil)
	require.NoError(t, err)
	expired, err := vectorvein.SignVAppToken(vectorveintest.APIKey, vectorvein.VAppToken{
		AppID: vectorveintest.DefaultAppID, AccessKey: "AKx", IssuedAt: time.Unix(1000, 0), Timeout: time.Minute}, nil)
	require.NoError(t, err)
	otherApp, err := vectorvein.SignVAppToken(vectorveintest.APIKey, vectorvein.VAppToken{
		AppID: vectorveintest.SecondAppID, AccessKey: "AKx", IssuedAt: time.Now(), Timeout: time.Hour}, nil)
	require.NoError(t, err)

	// Tamper with the last byte of the next-to-last cipher block (which flips
	// the last plaintext byte, the padding) until both a padding failure and a
	// failure of the message after good padding turn up.
	raw, err := base64.StdEncoding.DecodeString(valid)
	require.NoError(t, err)
	tampered := map[string]string{}
	for v := 1; v < 256; v++ {
		mod := bytes.Clone(raw)
		mod[len(mod)-17] ^= byte(v)
		tok := base64.StdEncoding.EncodeToString(mod)
		_, err := vectorvein.DecryptVAppToken(vectorveintest.APIKey, tok)
		var te *vectorvein.TokenError
		if errors.As(err, &te) {
			tampered[te.Detail()] = tok
		}
	}
	require.Contains(t, tampered, "bad padding")
	require.Greater(t, len(tampered), 1, "some tampered token has good padding and a bad message")

	cases := map[string]url.Values{
		"unknown key_id":     {"token": {valid}, "key_id": {"nope"}},
		"not base64":         {"token": {"%%%"}, "key_id": {vectorveintest.KeyID}},
		"bad length":         {"token": {base64.StdEncoding.EncodeToString(make([]byte, 40))}, "key_id": {vectorveintest.KeyID}},
		"expired":            {"token": {expired}, "key_id": {vectorveintest.KeyID}},
		"for another app":    {"token": {otherApp}, "key_id": {vectorveintest.KeyID}},
		"no such access key": {"token": {valid}, "key_id": {vectorveintest.KeyID}},
	}
	for detail, tok := range tampered {
		cases["tampered: "+detail] = url.Values{"token": {tok}, "key_id": {vectorveintest.KeyID}}
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + "/public/v-app/" + vectorveintest.DefaultAppID + "?" + q.Encode())
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, http.StatusForbidden, resp.StatusCode)
			require.Equal(t, vectorveintest.ForbiddenPage, string(b))
		})
	}
}
