package dial_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/option"
)

// fixedServer answers every request with 200 and body.
func fixedServer(t *testing.T, body string) *dial.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	return c
}

// TestGetRejectsEmptyBodies: a 200 whose body is empty, null or {} is not a
// deployment, model or application (the spec requires "id"): each Get
// returns an *apierror.ResponseError, never a zero value.
func TestGetRejectsEmptyBodies(t *testing.T) {
	ctx := context.Background()
	for _, body := range []string{``, `null`, `{}`, `{"id":null}`} {
		c := fixedServer(t, body)
		gets := map[string]func() (any, error){
			"deployment":  func() (any, error) { return c.Deployments.Get(ctx, "gpt") },
			"model":       func() (any, error) { return c.Models.Get(ctx, "gpt") },
			"application": func() (any, error) { return c.Applications.Get(ctx, "app") },
		}
		for name, get := range gets {
			got, err := get()
			var re *apierror.ResponseError
			require.ErrorAs(t, err, &re, "%s, body %q", name, body)
			require.Equal(t, dial.ServiceName, re.Service)
			require.Contains(t, err.Error(), "unusable 200 response")
			require.Nil(t, got)
		}
	}
	c := fixedServer(t, `{"id":"gpt"}`)
	d, err := c.Deployments.Get(ctx, "gpt")
	require.NoError(t, err)
	require.Equal(t, "gpt", d.ID)
}

// TestListStopsOnEmptyPages: a server that answers empty pages, each with a
// fresh next token, is asked MaxEmptyPages times and the listing ends with
// an *apierror.ResponseError (before the fix it was asked for ever).
func TestListStopsOnEmptyPages(t *testing.T) {
	var pages atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := pages.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"bucket":"b1","url":"files/b1/d/","nodeType":"FOLDER","resourceType":"FILE","items":[],"nextToken":"t%d"}`, n)
	}))
	defer srv.Close()
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"), option.WithMaxRetries(0))
	require.NoError(t, err)
	items, errs := 0, 0
	var last error
	for _, err := range c.Files.List(context.Background(), "files/b1/d/", nil) {
		if err != nil {
			last = err
			errs++
			continue
		}
		items++
		break
	}
	require.Equal(t, 0, items)
	require.Equal(t, 1, errs)
	var re *apierror.ResponseError
	require.ErrorAs(t, last, &re)
	require.Contains(t, last.Error(), "empty")
	require.Equal(t, int64(dial.MaxEmptyPages), pages.Load())
}

// createOnlyServer stores the first upload it reads whole, then answers
// that attempt with firstStatus (or drops the connection when firstStatus is
// 0); any later upload with If-None-Match: * gets 412, as DIAL does.
func createOnlyServer(t *testing.T, firstStatus int, stored bool) (*dial.Client, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		if n == 1 && !stored {
			switch firstStatus {
			case 0:
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
			default:
				w.WriteHeader(firstStatus)
			}
			return
		}
		if r.Header.Get("If-None-Match") == "*" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusPreconditionFailed)
			_, _ = io.WriteString(w, `{"error":{"message":"File already exists"}}`)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("k"),
		option.WithRetryBackoff(time.Millisecond, time.Millisecond, 0))
	require.NoError(t, err)
	return c, &calls
}

// TestCreateOnlyUploadRetryIsUncertain: a create-only upload whose first
// attempt was stored but answered 502 (or had its connection dropped) is
// retried and meets 412; that is reported as an *UploadUncertainError
// (errors.Is ErrUploadUncertain, IsETagMismatch false), not as "the file
// already existed". A 412 on the first attempt still is IsETagMismatch.
func TestCreateOnlyUploadRetryIsUncertain(t *testing.T) {
	ctx := context.Background()
	for _, first := range []int{http.StatusBadGateway, 0} {
		c, calls := createOnlyServer(t, first, false)
		_, err := c.Files.Upload(ctx, "files/b1/a.txt", bytes.NewReader([]byte("hello")), &dial.UploadParams{IfNoneMatch: true})
		require.Equal(t, int32(2), calls.Load(), "first status %d", first)
		var ue *dial.UploadUncertainError
		require.ErrorAs(t, err, &ue, "first status %d", first)
		require.ErrorIs(t, err, dial.ErrUploadUncertain)
		require.False(t, dial.IsETagMismatch(err))
		require.Equal(t, 2, ue.Attempts)
		var ae *apierror.Error
		require.ErrorAs(t, err, &ae)
		require.Equal(t, http.StatusPreconditionFailed, ae.StatusCode)
		require.Contains(t, err.Error(), "Metadata")
	}

	c, calls := createOnlyServer(t, 0, true)
	_, err := c.Files.Upload(ctx, "files/b1/a.txt", bytes.NewReader([]byte("hello")), &dial.UploadParams{IfNoneMatch: true})
	require.Equal(t, int32(1), calls.Load())
	require.True(t, dial.IsETagMismatch(err))
	require.NotErrorIs(t, err, dial.ErrUploadUncertain)
}
