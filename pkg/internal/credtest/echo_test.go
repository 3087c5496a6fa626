package credtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
)

// tail is a part of key without "/" or "+": every encoded form of the key
// holds it verbatim, so text without it holds the key in no form.
const tail = "0123456789-secret"

// echoForms are the ways a server may quote the key: as it is,
// JSON-escaped ("\/" or "\u002f"), or URL-encoded.
var echoForms = map[string]string{
	"plain":        key,
	"json \\/":     strings.ReplaceAll(key, "/", `\/`),
	"json \\u002f": strings.ReplaceAll(strings.ReplaceAll(key, "/", `\u002f`), "+", `\u002B`),
	"url-encoded":  url.QueryEscape(key),
}

// requireClean fails when any text holds the key in any form.
func requireClean(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		require.NotContains(t, s, tail)
	}
}

// apiErrorTexts is everything an *apierror.Error in err's chain shows.
func apiErrorTexts(t *testing.T, err error) []string {
	t.Helper()
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	return []string{err.Error(), ae.Error(), ae.Message, ae.Code, ae.RequestID, ae.URL, string(ae.Body), fmt.Sprint(ae.Header)}
}

// debugLogger returns a logger writing every record (Debug included) to buf.
func debugLogger(buf *bytes.Buffer) option.RequestOption {
	return option.WithLogger(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// A 401 that echoes the key in its body (in every form) and in
// X-Request-Id: neither the error (message, body, headers, request id)
// nor the debug log holds it, for every service.
func TestKeyEchoedInAnErrorResponse(t *testing.T) {
	for _, svc := range services {
		for form, echoed := range echoForms {
			t.Run(svc.name+"/"+form, func(t *testing.T) {
				srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("X-Request-Id", "req-"+echoed)
					w.Header().Set("X-Echo", echoed)
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprintf(w, `{"status":401,"msg":"bad key %[1]s","message":"bad key %[1]s","error":{"code":"%[1]s","message":"bad key %[1]s"}}`, echoed)
				})
				var log bytes.Buffer
				err := svc.do(t, srv.srv.URL, debugLogger(&log))
				require.Error(t, err)
				requireClean(t, apiErrorTexts(t, err)...)
				require.NotEmpty(t, log.String())
				requireClean(t, log.String())
			})
		}
	}
}

// inference.sh: a {"success": false} envelope in a 200 that echoes the key.
func TestInfshEnvelopeEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"success":false,"status":403,"error":{"code":"forbidden","message":"key %s refused"}}`, echoed)
			})
			c, err := infsh.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			_, err = c.Tasks.Get(context.Background(), "t1")
			require.Error(t, err)
			requireClean(t, apiErrorTexts(t, err)...)
		})
	}
}

// inference.sh: a 412 whose requirements echo the key.
func TestInfshRequirementsEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusPreconditionFailed)
				fmt.Fprintf(w, `{"errors":[{"type":"secret","key":"%[1]s","message":"set %[1]s"}]}`, echoed)
			})
			c, err := infsh.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			err = c.Do(context.Background(), http.MethodPost, "/apps/run", map[string]string{"app": "a"}, nil)
			var re *infsh.RequirementsError
			require.ErrorAs(t, err, &re)
			require.Len(t, re.Requirements, 1)
			requireClean(t, append(apiErrorTexts(t, err), re.Error(), re.Requirements[0].Key, re.Requirements[0].Message)...)
		})
	}
}

// VectorVein: a failed run's envelope echoing the key in msg, data.error
// and data.error_task.
func TestVectorVeinRunErrorEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"status":500,"msg":"failed %[1]s","data":{"error":"boom %[1]s","error_task":"node %[1]s","rid":"r-1"}}`, echoed)
			})
			c, err := vectorvein.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			_, err = c.Workflows.Status(context.Background(), vectorvein.CheckStatusRequest{RunID: "r-1"})
			var re *apierror.RunError
			require.ErrorAs(t, err, &re)
			require.Contains(t, re.Message, "boom", "the message is kept, only the key goes")
			requireClean(t, append(apiErrorTexts(t, err), re.Error(), re.Message, re.Status, fmt.Sprintf("%+v", re.Last))...)
		})
	}
}

// DIAL: display_message of an error body echoing the key.
func TestDialDetailsEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error":{"message":"bad %[1]s","display_message":"Your key %[1]s is wrong","code":"400"}}`, echoed)
			})
			c, err := dial.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			err = c.Do(context.Background(), http.MethodGet, "/v1/deployments/x", nil, nil)
			d, ok := dial.Details(err)
			require.True(t, ok)
			require.Contains(t, d.DisplayMessage, "Your key")
			requireClean(t, append(apiErrorTexts(t, err), d.DisplayMessage, d.Message)...)
		})
	}
}

// DIAL: an {"error": …} event in a chat stream echoing the key.
func TestDialStreamErrorEventEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("X-Request-Id", echoed)
				fmt.Fprintf(w, "data: {\"error\":{\"message\":\"bad %[1]s\",\"display_message\":\"key %[1]s\"}}\n\n", echoed)
			})
			c, err := dial.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			s, err := c.Chat.Stream(context.Background(), "gpt", &dial.ChatCompletionRequest{Messages: []dial.Message{dial.UserMessage("hi")}})
			require.NoError(t, err)
			var streamErr error
			for _, err := range s.All() {
				if err != nil {
					streamErr = err
				}
			}
			d, ok := dial.Details(streamErr)
			require.True(t, ok)
			requireClean(t, append(apiErrorTexts(t, streamErr), d.DisplayMessage)...)
		})
	}
}

// DIAL: a bucket id that echoes the key is refused without quoting it.
func TestDialBucketEchoingTheKey(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"bucket":"%s"}`, strings.ReplaceAll(key, "/", `\/`))
	})
	c, err := dial.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
	require.NoError(t, err)
	_, err = c.Bucket(context.Background())
	require.Error(t, err)
	requireClean(t, err.Error())
	require.False(t, errors.Is(err, context.Canceled))
}

// inference.sh: a task that ends failed with an error text echoing the key
// gives a RunError without it (built outside a call, from the task's state).
func TestInfshFailedTaskEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"id":"t-1","status":11,"error":"auth with %s failed"}`, echoed)
			})
			c, err := infsh.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			_, err = c.Tasks.Run(context.Background(), infsh.RunParams{App: "ns/app@1"}, infsh.WaitOptions{})
			var re *apierror.RunError
			require.ErrorAs(t, err, &re)
			require.Contains(t, re.Message, "failed")
			requireClean(t, err.Error(), re.Message)
		})
	}
}

// Dragoneye: a prediction whose failed status echoes the key gives a
// RunError without it (built from the polled status, outside a call).
func TestDragoneyeFailedStatusEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"prediction_task_uuid":"p-1","prediction_type":"image","status":"failed_key_%s"}`, echoed)
			})
			c, err := dragoneye.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			_, err = c.Predictions.Wait(context.Background(), "p-1", dragoneye.WaitOptions{})
			var re *apierror.RunError
			require.ErrorAs(t, err, &re)
			require.Contains(t, re.Status, "failed_key_")
			requireClean(t, err.Error(), re.Status)
		})
	}
}

// inference.sh: the presigned upload target (the API's choice of host)
// answers an error quoting the key: the error does not hold it.
func TestInfshUploadTargetEchoingTheKey(t *testing.T) {
	for form, echoed := range echoForms {
		t.Run(form, func(t *testing.T) {
			var srv *recorder
			srv = newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.Method == http.MethodPut {
					w.Header().Set("X-Request-Id", echoed)
					w.WriteHeader(http.StatusForbidden)
					fmt.Fprintf(w, `{"message":"signature for %s does not match"}`, echoed)
					return
				}
				fmt.Fprintf(w, `[{"id":"f-1","uri":"inf://f-1","upload_url":"%s/upload"}]`, srv.srv.URL)
			})
			c, err := infsh.NewClient(option.WithBaseURL(srv.srv.URL), option.WithAPIKey(key))
			require.NoError(t, err)
			_, err = c.Files.Upload(context.Background(), strings.NewReader("data"), infsh.UploadOptions{Filename: "a.txt"})
			require.Error(t, err)
			texts := apiErrorTexts(t, err)
			require.Contains(t, texts[2], "does not match")
			requireClean(t, texts...)
			for _, h := range srv.headers()[1:] {
				requireNoKey(t, h) // the target never got the key itself
			}
		})
	}
}
