package vectorvein_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// startEmulator runs the in-memory emulator and a client pointed at it.
func startEmulator() (*vectorveintest.Server, *vectorvein.Client) {
	srv, err := vectorveintest.Start(vectorveintest.WithWorkflows(vectorveintest.Workflow{
		ID: "summarise", Polls: 2,
		Outputs: []vectorveintest.Output{{Type: "text", Title: "Summary", Value: "Short and sweet."}},
	}))
	if err != nil {
		panic(err)
	}
	client, err := vectorvein.NewClient(
		option.WithAPIKey(vectorveintest.APIKey),
		option.WithBaseURL(srv.APIBaseURL()),
	)
	if err != nil {
		panic(err)
	}
	return srv, client
}

func ExampleNewClient() {
	// Reads VECTORVEIN_API_KEY and VECTORVEIN_BASE_URL unless options say otherwise.
	client, err := vectorvein.NewClient(
		option.WithAPIKey("0123456789abcdef0123456789abcdef"),
		vectorvein.WithRateLimit(vectorvein.ServiceRateLimit, time.Minute),
	)
	if err != nil {
		panic(err)
	}
	fmt.Println(client.BaseURL())
	// Output: https://vectorvein.com/api/v1/open-api
}

func ExampleWorkflowService_RunAndWait() {
	srv, client := startEmulator()
	defer srv.Close()

	res, err := client.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{
		WorkflowID:  "summarise",
		InputFields: []vectorvein.InputField{{NodeID: "input", FieldName: "text", Value: "A long text..."}},
	}, vectorvein.WaitOptions{
		Interval: 10 * time.Millisecond, // 5 s by default
		Timeout:  time.Minute,
		Progress: func(check int, st *vectorvein.RunResult) { fmt.Println("check", check, st.Message) },
	})
	var timeout *apierror.TimeoutError
	var failed *apierror.RunError
	switch {
	case errors.As(err, &timeout):
		fmt.Println("still running; resume with Wait on", timeout.ID)
	case errors.As(err, &failed):
		fmt.Println("failed:", failed.Message)
	case err != nil:
		fmt.Println("error:", err)
	default:
		for _, out := range res.Outputs {
			fmt.Printf("%s: %v\n", out.Title, out.Value)
		}
	}
	// Output:
	// check 1 QUEUED
	// check 2 RUNNING
	// check 3 FINISHED
	// Summary: Short and sweet.
}

func ExampleWorkflowService_Run() {
	srv, client := startEmulator()
	defer srv.Close()
	ctx := context.Background()

	// Fire and forget: keep the run id, check later.
	rid, err := client.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: vectorveintest.EchoWorkflowID,
		InputFields: []vectorvein.InputField{{NodeID: "n1", FieldName: "greeting", Value: "hello"}}})
	if err != nil {
		panic(err)
	}
	st, err := client.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Done(), st.Outputs[0].Value)
	// Output: true hello
}

func ExampleWorkflowService_Stop() {
	srv, client := startEmulator()
	defer srv.Close()
	ctx := context.Background()

	rid, err := client.Workflows.Run(ctx, vectorvein.RunWorkflowRequest{WorkflowID: "summarise"})
	if err != nil {
		panic(err)
	}
	if err := client.Workflows.Stop(ctx, vectorvein.StopRunRequest{RunID: rid}); err != nil {
		panic(err)
	}
	_, err = client.Workflows.Status(ctx, vectorvein.CheckStatusRequest{RunID: rid})
	var failed *apierror.RunError
	fmt.Println(errors.As(err, &failed), failed.Message)
	// Output: true stopped by user
}

func ExampleWithKeyType() {
	// A VApp key: the workflow id is the VApp id, and status checks must name it.
	client, err := vectorvein.NewClient(
		option.WithAPIKey("0123456789abcdef0123456789abcdef"),
		vectorvein.WithKeyType(vectorvein.KeyTypeVApp),
	)
	if err != nil {
		panic(err)
	}
	_, err = client.Workflows.Status(context.Background(), vectorvein.CheckStatusRequest{RunID: "rid"})
	fmt.Println(err)
	// Output: vectorvein: invalid workflow id: must be set (to the VApp id) with a VApp key
}

func ExampleClient_Do() {
	srv, client := startEmulator()
	defer srv.Close()

	// Any operation through the same call path: the envelope's data lands in out.
	var page vectorvein.AccessKeyPage
	err := client.Do(context.Background(), http.MethodPost, "vapp/access-key/list",
		vectorvein.ListAccessKeysRequest{Page: 1, PageSize: 5}, &page)
	if err != nil {
		panic(err)
	}
	fmt.Println(page.Page, page.PageSize, page.Total)
	// Output: 1 5 0
}

func ExampleAccessKeyService_All() {
	srv, client := startEmulator()
	defer srv.Close()
	ctx := context.Background()

	if _, err := client.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{
		Type: vectorvein.AccessKeyOneTime, Count: 25, AppID: vectorveintest.DefaultAppID,
	}); err != nil {
		panic(err)
	}
	n := 0
	for key, err := range client.AccessKeys.All(ctx, vectorvein.ListAccessKeysRequest{PageSize: 10}) {
		if err != nil {
			panic(err)
		}
		_ = key.AccessKey
		n++
	}
	fmt.Println(n, "keys")
	// Output: 25 keys
}

func ExampleClient_VAppURL() {
	srv, client := startEmulator()
	defer srv.Close()
	ctx := context.Background()

	keys, err := client.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{
		Type: vectorvein.AccessKeyMultiple, AppID: vectorveintest.DefaultAppID, MaxUseCount: 10,
	})
	if err != nil {
		panic(err)
	}
	// key id names the API key the server decrypts the token with.
	link, err := client.VAppURL(vectorveintest.DefaultAppID, keys[0].AccessKey, vectorveintest.KeyID,
		&vectorvein.VAppURLOptions{Timeout: 10 * time.Minute})
	if err != nil {
		panic(err)
	}
	resp, err := http.Get(link)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(strings.HasPrefix(link, srv.URL+"/public/v-app/app-demo?token="), resp.StatusCode)
	// Output: true 200
}

func ExampleSignVAppURL() {
	// A fixed clock and IV make the link reproducible; real links use a random IV.
	link, err := vectorvein.SignVAppURL(strings.Repeat("x", 32), "app123", "ak456", "kid789", &vectorvein.VAppURLOptions{
		Now:  func() time.Time { return time.Unix(1700000000, 0) },
		Rand: bytes.NewReader([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(link)
	// Output: https://vectorvein.com/public/v-app/app123?token=AAECAwQFBgcICQoLDA0ODwLlCThuWYPANQTI5eO45hLuiqVointEC7KPba4YR8gX&key_id=kid789
}

func ExampleVerifyVAppToken() {
	// The server side of a link: the token from the query, the API key named by key_id.
	token := "AAECAwQFBgcICQoLDA0ODwLlCThuWYPANQTI5eO45hLuiqVointEC7KPba4YR8gX"
	tok, err := vectorvein.VerifyVAppToken(strings.Repeat("x", 32), token, time.Unix(1700000100, 0))
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.AppID, tok.AccessKey, tok.Timeout)

	_, err = vectorvein.VerifyVAppToken(strings.Repeat("x", 32), token, time.Unix(1700001000, 0))
	fmt.Println(errors.Is(err, vectorvein.ErrTokenExpired))
	// Output:
	// app123 ak456 15m0s
	// true
}
