package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// tourVectorVein runs a workflow and waits for it with progress, creates a VApp access
// key, signs a VApp link and opens it, all against the in-process VectorVein emulator.
func tourVectorVein(ctx context.Context, w io.Writer) error {
	srv, err := vectorveintest.Start(vectorveintest.WithWorkflows(vectorveintest.Workflow{
		ID:    "tour-summary",
		Polls: 2, // two "running" answers before it finishes
		Outputs: []vectorveintest.Output{
			{Type: "text", Title: "Summary", Value: "VectorVein runs workflows; this one summarised your text."},
		},
	}))
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(w, "emulator: %s\n", srv.URL)

	client, err := vectorvein.NewClient(
		option.WithAPIKey(vectorveintest.APIKey),
		option.WithBaseURL(srv.APIBaseURL()),
		vectorvein.WithRateLimit(vectorvein.ServiceRateLimit, time.Minute),
	)
	if err != nil {
		return err
	}

	// 1. Run a workflow and wait, printing each status check.
	res, err := client.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{
		WorkflowID:  "tour-summary",
		InputFields: []vectorvein.InputField{{NodeID: "input-node", FieldName: "text", Value: "A long article ..."}},
	}, vectorvein.WaitOptions{
		Interval: 100 * time.Millisecond, // the real service is polled every 5 s (the default)
		Timeout:  30 * time.Second,
		Progress: func(check int, st *vectorvein.RunResult) {
			fmt.Fprintf(w, "  check %d: %d %s\n", check, st.Status, st.Message)
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run %s finished:\n", res.RunID)
	for _, out := range res.Outputs {
		fmt.Fprintf(w, "  [%s] %s: %v\n", out.Type, out.Title, out.Value)
	}

	// 2. Create an access key for a VApp.
	keys, err := client.AccessKeys.Create(ctx, vectorvein.CreateAccessKeysRequest{
		Type: vectorvein.AccessKeyMultiple, AppID: vectorveintest.DefaultAppID, MaxUseCount: 5, Description: "tour",
	})
	if err != nil {
		return err
	}
	key := keys[0]
	fmt.Fprintf(w, "access key %s: type %s, status %s, scope %s\n", key.AccessKey, key.AccessKeyType, key.Status, key.AccessScope)

	// 3. Sign a VApp link (AES-CBC with the API key, as the official SDK) and open it.
	link, err := client.VAppURL(vectorveintest.DefaultAppID, key.AccessKey, vectorveintest.KeyID,
		&vectorvein.VAppURLOptions{Timeout: 10 * time.Minute})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "signed link: %s\n", link)
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	tok, err := vectorvein.VerifyVAppToken(vectorveintest.APIKey, u.Query().Get("token"), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "token carries app %s, key %s, valid until %s\n", tok.AppID, tok.AccessKey, tok.ExpiresAt().UTC().Format(time.RFC3339))

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	fmt.Fprintf(w, "opening the link: HTTP %d\n", resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the emulator refused the signed link: HTTP %d", resp.StatusCode)
	}
	after, err := client.AccessKeys.Get(ctx, []string{key.AccessKey})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "access key used %d time(s)\n", after[0].UseCount)
	if v := srv.Violations(); len(v) > 0 {
		return fmt.Errorf("spec violations: %v", v)
	}
	return nil
}
