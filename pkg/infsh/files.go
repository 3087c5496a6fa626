package infsh

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"sync"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/upload"
	"github.com/aiclients/sdk-go/pkg/option"
)

// UploadOptions describes a file to upload.
type UploadOptions struct {
	// Filename is the file's name ("" = none; FileFromPath uses the base name).
	Filename string
	// ContentType is the declared media type ("" = from the file name's
	// extension, else application/octet-stream).
	ContentType string
	// Size is the byte count, or -1 when unknown. Readers whose size the
	// client can tell (*os.File, *bytes.Reader, *strings.Reader,
	// *bytes.Buffer) need none; for others the body is spooled to a
	// temporary file first, because the presigned URL needs a
	// Content-Length.
	Size int64
	// Path is the remote path to store the file under ("" = none).
	Path string
	// Public makes the file publicly readable.
	Public bool
}

// FileService uploads files.
type FileService struct{ c *Client }

// Upload stores the content of r in two steps: POST /files creates the
// record and a presigned URL, then the bytes are PUT there (streamed, with
// a Content-Length and the declared Content-Type, and without the API key).
// Use the returned URI as an input value. The record's UploadURL (the
// presigned URL, a credential of its own) is cleared.
//
// Upload returns ctx's error once ctx is done, even while a Read of r is
// blocked. Such a Read is abandoned, not interrupted: it keeps running in a
// goroutine until it returns, its bytes are dropped and r is not read
// again. A reader whose Read never returns (a stalled io.Pipe) keeps that
// goroutine until the caller unblocks it, e.g. by closing the pipe.
//
// option.WithProgress reports the bytes of the PUT (Total is the size; a
// reader of unknown size is spooled to disk first, which is not reported);
// a retried PUT starts the count again.
func (s *FileService) Upload(ctx context.Context, r io.Reader, o UploadOptions, opts ...option.RequestOption) (*UploadedFile, error) {
	if r == nil {
		return nil, inputErr("file", "reader must not be nil")
	}
	if o.ContentType == "" {
		o.ContentType = contentTypeOf(o.Filename)
	}
	if o.Size == 0 {
		if n, ok := upload.Size(r); ok {
			o.Size = n
		} else {
			o.Size = -1
		}
	}
	if o.Size < 0 {
		// The presigned PUT needs a Content-Length: learn it without
		// holding the bytes in memory.
		spooled, n, cleanup, err := upload.Spool(ctx, r, "infsh-upload-*")
		if err != nil {
			return nil, fmt.Errorf("%s: spooling the upload: %w", ServiceName, err)
		}
		defer cleanup()
		r, o.Size = spooled, n
	}
	pf := PartialFile{URI: "", ContentType: &o.ContentType, Size: &o.Size}
	if o.Filename != "" {
		pf.Filename = &o.Filename
	}
	if o.Path != "" {
		pf.Path = &o.Path
	}
	if o.Public {
		pf.Public = &o.Public
	}
	body, err := marshal(FileCreateRequest{Files: []PartialFile{pf}})
	if err != nil {
		return nil, err
	}
	var recs []UploadedFile
	err = s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.CreateFilesWithBody(ctx, "application/json", bytes.NewReader(body))
	}, &recs)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0].UploadURL == "" {
		return nil, fmt.Errorf("%s: POST /files returned no upload URL", ServiceName)
	}
	rec := recs[0]
	if err := s.put(ctx, opts, rec.UploadURL, r, o); err != nil {
		return nil, err
	}
	out := rec
	out.UploadURL = ""
	if out.Filename == "" {
		out.Filename = o.Filename
	}
	if out.ContentType == "" {
		out.ContentType = o.ContentType
	}
	if out.Size == 0 {
		out.Size = o.Size
	}
	return &out, nil
}

// UploadFile uploads the file at path, streamed from disk with its size as
// Content-Length (so it can also be retried). Unless o says otherwise, the
// file name is the path's base name and the content type comes from its
// extension, else from what its first 512 bytes look like. A path that
// cannot be opened is an *apierror.InputError naming it.
func (s *FileService) UploadFile(ctx context.Context, path string, o UploadOptions, opts ...option.RequestOption) (*UploadedFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "file path", Reason: err.Error()}
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, &apierror.InputError{Service: ServiceName, Field: "file path", Reason: fmt.Sprintf("%q is not a regular file", path)}
	}
	if o.Filename == "" {
		o.Filename = filepath.Base(path)
	}
	if o.ContentType == "" {
		o.ContentType = contentTypeOf(o.Filename)
		if o.ContentType == "application/octet-stream" {
			head := make([]byte, 512)
			n, _ := f.ReadAt(head, 0)
			if n > 0 {
				o.ContentType = http.DetectContentType(head[:n])
			}
		}
	}
	return s.Upload(ctx, f, o, opts...)
}

// put sends the bytes to the presigned URL, without credentials (see
// core.Client.SendPresigned).
func (s *FileService) put(ctx context.Context, opts []option.RequestOption, url string, r io.Reader, o UploadOptions) error {
	ctx, err := s.c.core.Context(ctx, opts)
	if err != nil {
		return err
	}
	meter := upload.NewMeter(s.c.core.CallConfig(ctx).Progress, o.Filename, o.Size)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, io.NopCloser(meter.Reader(r)))
	if err != nil {
		return &apierror.InputError{Service: ServiceName, Field: "upload URL", Reason: err.Error()}
	}
	req.ContentLength = o.Size
	if o.Size == 0 {
		req.Body = http.NoBody
	}
	if seeker, ok := r.(io.ReadSeeker); ok {
		start, serr := seeker.Seek(0, io.SeekCurrent)
		if serr == nil {
			req.GetBody = func() (io.ReadCloser, error) {
				if _, err := seeker.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
				return io.NopCloser(meter.Reader(seeker)), nil
			}
		}
	}
	req.Header.Set("Content-Type", o.ContentType)
	resp, err := s.c.core.SendPresigned(req)
	if err != nil {
		return fmt.Errorf("%s: uploading the file content: %w", ServiceName, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// The target got no credential, but its answer may quote one the
		// API handed it (it is the API's choice of host).
		return s.c.core.ScrubError(apierror.FromResponse(ServiceName, resp, parseError))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if o.Size == 0 {
		meter.Empty() // an empty body is not read
	}
	return resp.Body.Close()
}

func contentTypeOf(name string) string {
	if ext := filepath.Ext(name); ext != "" {
		if ct := mime.TypeByExtension(ext); ct != "" {
			return ct
		}
	}
	return "application/octet-stream"
}

// File is a file value inside a run's input: it is uploaded before the run
// and sent as its URI. Make one with FileFromPath, FileFromReader or
// FileFromBytes, and put the pointer anywhere in the input (maps, slices,
// struct fields). Only *File values are uploaded: a string is never read
// from disk, and one that names a local file is refused with a
// *LocalPathError before the run. A File is uploaded once, also when
// several runs share it.
type File struct {
	open    func() (io.Reader, func(), error)
	options UploadOptions

	mu sync.Mutex // held during the upload
	// uploaded is set once the file has been uploaded.
	uploaded *UploadedFile
}

// FileFromPath is the file at path, read when the run is submitted.
func FileFromPath(path string) *File {
	return &File{
		open: func() (io.Reader, func(), error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, nil, err
			}
			return f, func() { _ = f.Close() }, nil
		},
		options: UploadOptions{Filename: filepath.Base(path)},
	}
}

// FileFromReader is the content of r, read once when the run is submitted.
// contentType may be "" (from filename, else application/octet-stream).
func FileFromReader(r io.Reader, filename, contentType string) *File {
	used := false
	return &File{
		open: func() (io.Reader, func(), error) {
			if used {
				return nil, nil, errors.New("reader already consumed")
			}
			used = true
			return r, func() {}, nil
		},
		options: UploadOptions{Filename: filename, ContentType: contentType},
	}
}

// FileFromBytes is data. contentType may be "" (from filename, else
// application/octet-stream).
func FileFromBytes(data []byte, filename, contentType string) *File {
	return &File{
		open: func() (io.Reader, func(), error) {
			return bytes.NewReader(data), func() {}, nil
		},
		options: UploadOptions{Filename: filename, ContentType: contentType, Size: int64(len(data))},
	}
}

// Uploaded returns the upload record once the file was uploaded, else nil.
func (f *File) Uploaded() *UploadedFile {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploaded
}

// URI is the uploaded file's URI ("" before the upload).
func (f *File) URI() string {
	if up := f.Uploaded(); up != nil {
		return up.URI
	}
	return ""
}

// MarshalJSON writes the file's URI. A file that was not uploaded is an
// error (pass it inside RunParams, which uploads it).
func (f *File) MarshalJSON() ([]byte, error) {
	var up *UploadedFile
	if f != nil {
		up = f.Uploaded()
	}
	if up == nil {
		return nil, errors.New("infsh.File not uploaded: pass it in RunParams.Input or upload it with Files.Upload")
	}
	return []byte(strconv.Quote(up.URI)), nil
}

// upload uploads f unless it was, and returns its record.
func (f *File) upload(ctx context.Context, s *FileService, opts []option.RequestOption) (*UploadedFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.uploaded != nil {
		return f.uploaded, nil
	}
	if f.open == nil {
		return nil, inputErr("file", "zero infsh.File; use FileFromPath, FileFromReader or FileFromBytes")
	}
	r, closeFn, err := f.open()
	if err != nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "file " + f.options.Filename, Reason: err.Error()}
	}
	defer closeFn()
	up, err := s.Upload(ctx, r, f.options, opts...)
	if err != nil {
		return nil, err
	}
	f.uploaded = up
	return up, nil
}

var fileType = reflect.TypeOf((*File)(nil))

// visit names a container already walked: its address and type (a slice
// also by length), so that shared and cyclic values are walked once.
type visit struct {
	p uintptr
	n int
	t reflect.Type
}

// uploadValues uploads every *File found inside the values.
func (s *FileService) uploadValues(ctx context.Context, opts []option.RequestOption, values ...any) error {
	var files []*File
	seen := map[visit]bool{}
	for _, v := range values {
		collectFiles(reflect.ValueOf(v), &files, seen, 0)
	}
	for _, f := range files {
		if _, err := f.upload(ctx, s, opts); err != nil {
			return err
		}
	}
	return nil
}

// collectFiles walks v for *File values. Every map, slice and pointer is
// walked once, so a value that contains itself ends the walk (encoding the
// input reports the cycle later).
func collectFiles(v reflect.Value, out *[]*File, seen map[visit]bool, depth int) {
	if !v.IsValid() || depth > 64 {
		return
	}
	once := func(n int) bool {
		k := visit{p: uintptr(v.UnsafePointer()), n: n, t: v.Type()}
		if seen[k] {
			return false
		}
		seen[k] = true
		return true
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			collectFiles(v.Elem(), out, seen, depth+1)
		}
	case reflect.Pointer:
		if v.IsNil() || !once(0) {
			return
		}
		if v.Type() == fileType {
			*out = append(*out, v.Interface().(*File))
			return
		}
		collectFiles(v.Elem(), out, seen, depth+1)
	case reflect.Map:
		if v.IsNil() || !once(0) {
			return
		}
		it := v.MapRange()
		for it.Next() {
			collectFiles(it.Value(), out, seen, depth+1)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 || v.Len() == 0 || !once(v.Len()) {
			return // []byte is data, not a container
		}
		for i := 0; i < v.Len(); i++ {
			collectFiles(v.Index(i), out, seen, depth+1)
		}
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			collectFiles(v.Index(i), out, seen, depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				collectFiles(v.Field(i), out, seen, depth+1)
			}
		}
	}
}
