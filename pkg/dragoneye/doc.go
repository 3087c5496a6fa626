// Package dragoneye is a client for the Dragoneye computer-vision API:
// predict the objects, categories and attributes in an image or a video.
//
// A prediction begins a task, uploads the media to a presigned POST, starts
// the prediction, waits for it and downloads the results, which are Parquet
// files in a ZIP archive; the client decodes them into ImageResult or
// VideoResult. See PredictionService.Image and PredictionService.Video
// (client.Predictions), and PredictionService.Wait for a task id kept from
// earlier.
//
// The JSON wire types (TaskStatus, PredictionTaskBegin, ...) are generated
// from specs/dragoneye.yaml into models.gen.go; the decoded results
// (ImageResult, VideoResult and their parts) are written by hand, since they
// come out of Parquet files, not JSON. Client.Raw gives the generated client
// of every operation and Client.Do reaches any endpoint through the same
// call path.
//
// Errors: a call that failed is an *apierror.Error (inside a *StepError
// naming the prediction step), a task that failed an *apierror.RunError, a
// wait that gave up an *apierror.TimeoutError, a missing API key an
// *apierror.CredentialError, undecodable results a *ResultsError.
//
// Package dragoneyetest holds an in-process emulator of the service for
// tests.
package dragoneye
