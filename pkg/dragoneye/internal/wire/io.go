package wire

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// Member names inside a results archive.
const (
	PredictionsMember     = "predictions.parquet"
	FrameTimestampsMember = "frame_timestamps.parquet"
)

// BatchSize is how many rows ReadObjects decodes at a time.
const BatchSize = 128

// ErrNotObjectForward reports a Parquet file that lacks the v2 columns.
var ErrNotObjectForward = errors.New("not the object-forward (v2) schema: no object_id column")

// safely runs f, turning a panic of the Parquet library into an error.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parquet decoder failed: %v", r)
		}
	}()
	return f()
}

// open validates data (see check.go) and opens it with parquet-go.
func open(data []byte) (*parquet.File, error) {
	if err := checkFooter(data); err != nil {
		return nil, err
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)),
		parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true), parquet.ReadBufferSize(64<<10))
	if err != nil {
		return nil, err
	}
	if err := checkPages(data, f); err != nil {
		return nil, err
	}
	return f, nil
}

// ReadObjects decodes predictions.parquet, handing rows to fn in batches.
// The batch, and every slice in its rows, is reused between calls: fn must
// copy what it keeps.
func ReadObjects(data []byte, fn func(batch []Object) error) error {
	return readObjects(data, fn, true)
}

func readObjects(data []byte, fn func(batch []Object) error, fast bool) error {
	return safely(func() error {
		f, err := open(data)
		if err != nil {
			return err
		}
		if _, ok := f.Schema().Lookup("object_id"); !ok {
			return ErrNotObjectForward
		}
		if idx, ok := fastLayout(f.Schema()); ok && fast {
			return readObjectsFast(f, idx, fn)
		}
		return readRows(f, BatchSize, fn)
	})
}

// readRows reads every row of f with parquet-go's reader, handing them to
// fn in batches of up to n (the batch is reused).
func readRows[T any](f *parquet.File, n int, fn func([]T) error) error {
	r := parquet.NewGenericReader[T](f)
	defer r.Close()
	buf := make([]T, n)
	for {
		clear(buf)
		n, err := r.Read(buf)
		if n > 0 {
			if ferr := fn(buf[:n]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("parquet reader made no progress")
		}
	}
}

// ReadFrameTimestamps decodes the timestamp_microseconds column of
// frame_timestamps.parquet, in file order. Null values read as 0.
func ReadFrameTimestamps(data []byte) ([]int64, error) {
	var out []int64
	err := safely(func() error {
		f, err := open(data)
		if err != nil {
			return err
		}
		if _, ok := f.Schema().Lookup("timestamp_microseconds"); !ok {
			return errors.New("frame_timestamps.parquet has no timestamp_microseconds column")
		}
		type tsOnly struct {
			TimestampUs int64 `parquet:"timestamp_microseconds,optional"`
		}
		out = make([]int64, 0, min(f.NumRows(), int64(len(data))))
		return readRows(f, 1024, func(rows []tsOnly) error {
			for _, row := range rows {
				out = append(out, row.TimestampUs)
			}
			return nil
		})
	})
	return out, err
}

func writerOptions() []parquet.WriterOption {
	return []parquet.WriterOption{
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("aiclients-sdk-go dragoneyetest", "2", ""),
	}
}

// WriteObjects writes predictions.parquet in the v2 schema, ZSTD-compressed.
func WriteObjects(w io.Writer, objs []WriteObject) error {
	pw := parquet.NewGenericWriter[WriteObject](w, writerOptions()...)
	if len(objs) > 0 {
		if _, err := pw.Write(objs); err != nil {
			return err
		}
	}
	return pw.Close()
}

// WriteFrames writes frame_timestamps.parquet, ZSTD-compressed.
func WriteFrames(w io.Writer, frames []WriteFrame) error {
	pw := parquet.NewGenericWriter[WriteFrame](w, writerOptions()...)
	if len(frames) > 0 {
		if _, err := pw.Write(frames); err != nil {
			return err
		}
	}
	return pw.Close()
}

// Member is one file of a results archive.
type Member struct {
	Name string
	Data []byte
}

// Archive builds a ZIP whose members are STORED (not deflated), as the
// service serves its results.
func Archive(members ...Member) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.Name, Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(m.Data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
