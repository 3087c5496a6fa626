// Package dragoneye is a client for the Dragoneye computer-vision API:
// predict the objects, categories and attributes in an image or a video.
//
// A prediction begins a task, uploads the media to a presigned POST, starts
// the prediction, waits for it and downloads the results, which are Parquet
// files in a ZIP archive; the client decodes them into ImageResult or
// VideoResult. See Client.PredictImage and Client.PredictVideo.
//
// Package dragoneyetest holds an in-process emulator of the service for
// tests.
package dragoneye
