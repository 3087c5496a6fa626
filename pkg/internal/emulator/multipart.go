package emulator

import (
	"errors"
	"io"
	"iter"
	"mime/multipart"
)

// Parts yields the parts of a multipart body in order; a broken body ends
// the sequence with (nil, err) once. It is how emulators read uploads.
func Parts(mr *multipart.Reader) iter.Seq2[*multipart.Part, error] {
	return func(yield func(*multipart.Part, error) bool) {
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}
