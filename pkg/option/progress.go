package option

import "time"

// Progress is one report of a file transfer's progress, given to the
// ProgressFunc of WithProgress.
type Progress struct {
	// Name is the file's name as the call sends it ("" when it has none).
	Name string
	// Bytes is how many bytes of the file's content this attempt has
	// transferred so far: handed to the connection for an upload, read by
	// the caller for a download. Request framing (multipart headers, policy
	// fields) is not counted, so Bytes ends at Total.
	Bytes int64
	// Total is the content's size in bytes, or -1 when it is unknown (a DIAL
	// upload from a reader of unknown size, a download without a
	// Content-Length).
	Total int64
	// Attempt is 1 for the first attempt. A retry that sends the body again
	// starts over: Attempt grows by one and Bytes restarts from 0.
	Attempt int
	// Done is set on the last report of an attempt: its content was
	// transferred to the end (Bytes == Total when Total is known).
	Done bool
}

// ProgressFunc receives progress reports. Reports of one call are never
// made concurrently, and are made from the goroutine that moves the bytes,
// so the function should return quickly.
type ProgressFunc func(Progress)

// ProgressInterval is the least time between two reports of one attempt;
// the report that ends an attempt (Done) is always made.
const ProgressInterval = 100 * time.Millisecond

// WithProgress reports the progress of the file content a call transfers:
// DIAL Files.Upload and Files.Download (as the returned Download is read),
// inference.sh Files.Upload and Files.UploadFile (and the files of a
// RunParams input, one after the other, each with its own Name), and the
// media upload of Dragoneye Predictions.Image and Predictions.Video. Other
// calls ignore it.
//
// f is called at most once per ProgressInterval while bytes move, and always
// once more, with Done set, when the content has been transferred to its
// end, also for empty content (one report: Bytes 0, Done). Each report
// carries the attempt's running count, not an increment. A transfer that
// fails or is abandoned midway ends without a Done report. A retried upload
// restarts the count (see Progress.Attempt). nil turns reporting off.
func WithProgress(f ProgressFunc) RequestOption {
	return func(c *Config) error {
		c.Progress = f
		return nil
	}
}
