// Package vectorvein is the Go client for the VectorVein (向量脉络) Open API: run workflows
// and wait for them, manage VApp access keys, and sign VApp links.
//
//	client, err := vectorvein.NewClient() // VECTORVEIN_API_KEY, VECTORVEIN_BASE_URL
//	res, err := client.Workflows.RunAndWait(ctx, vectorvein.RunWorkflowRequest{
//		WorkflowID:  "abcde0985736457aa72cc667f17bfc89",
//		InputFields: []vectorvein.InputField{{NodeID: "n1", FieldName: "text", Value: "hi"}},
//	}, vectorvein.WaitOptions{})
//
// The request and response types (RunWorkflowRequest, AccessKey, ...) are generated from
// specs/vectorvein.yaml into models.gen.go; the emulator in package vectorveintest takes
// and returns the same types, so both sides agree on the wire format by construction.
//
// Every reply is a JSON envelope {status, msg, data}; the envelope status, not the HTTP
// status, decides success (200, 201, 202). Failures use the SDK's shared error kinds, so
// one errors.As works for every service:
//   - *apierror.Error: an error envelope (StatusCode is the envelope status, HTTPStatus
//     the HTTP status that carried it), e.g. 401/403 for an API key the server rejects,
//     404 for an unknown run id;
//   - *apierror.CredentialError: no API key configured (at NewClient), or its provider
//     failed;
//   - *apierror.RunError: a workflow run that failed (ID is the run id, Last the
//     *RunResult);
//   - *apierror.TimeoutError: a wait that gave up before the run finished (the run goes
//     on; ID names it);
//   - *apierror.TransportError: no usable reply at all;
//   - *apierror.InputError: input the client rejects before sending (wrapped in an
//     *AccessKeyError for access-key calls, which also wraps their 403/404 replies).
//
// VApp link signing (VAppURL, SignVAppURL) is byte-compatible with the official SDK; its
// own errors are *KeyLengthError and *TokenError.
package vectorvein
