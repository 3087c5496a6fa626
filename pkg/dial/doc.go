// Package dial is a Go client for EPAM AI DIAL Core: deployments, models and
// applications, chat completions (whole or streamed, with DIAL's
// custom_content extensions), and the file storage of the caller's bucket.
//
//	client, err := dial.NewClient() // DIAL_BASE_URL (or DIAL_URL) and DIAL_API_KEY from the environment
//	reply, err := client.Chat.Create(ctx, "gpt-4o", &dial.ChatCompletionRequest{
//		Messages: []dial.Message{dial.UserMessage("2+3=")},
//	})
//
// Every wire type (ChatCompletionRequest, ChatCompletion, Message,
// Deployment, Metadata, …) is generated from specs/dial.yaml into
// models.gen.go; the helpers of this package are functions and methods on them.
//
// Every method takes a context first and accepts option.RequestOption values
// that apply to that call only. Failed API calls return *apierror.Error;
// a missing credential *apierror.CredentialError;
// invalid arguments return *apierror.InputError (or *InvalidURLError for
// storage URLs) before any request is sent.
package dial
