package vectorveintest_test

import (
	"context"
	"fmt"

	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
	"github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest"
)

// Start serves the emulator outside a test (in a test, use NewServer(t),
// which also fails the test on a spec violation). Scripted workflows decide
// how runs behave; the real client talks to it unchanged.
func ExampleStart() {
	srv, err := vectorveintest.Start(vectorveintest.WithWorkflows(vectorveintest.Workflow{
		ID:      "translate",
		Outputs: []vectorveintest.Output{{Type: "text", Title: "fr", Value: "bonjour"}},
	}))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client, err := vectorvein.NewClient(option.WithAPIKey(vectorveintest.APIKey), option.WithBaseURL(srv.URL))
	if err != nil {
		panic(err)
	}
	res, err := client.Workflows.RunAndWait(context.Background(), vectorvein.RunWorkflowRequest{WorkflowID: "translate"}, vectorvein.WaitOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Outputs[0].Value, len(srv.Violations()))
	// Output: bonjour 0
}
