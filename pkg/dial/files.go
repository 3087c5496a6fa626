package dial

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/core"
	"github.com/aiclients/sdk-go/pkg/internal/transport"
	"github.com/aiclients/sdk-go/pkg/internal/upload"
	"github.com/aiclients/sdk-go/pkg/option"
)

// FilesService works with DIAL file storage. Every method takes a storage URL
// in any form FilesService.URL accepts.
type FilesService struct{ c *Client }

// AppDataHome returns the folder of the calling application's data,
// "files/<user bucket>/appdata/<application>/" (DIAL sends AppData only to
// calls made with a per-request key).
func (b *Bucket) AppDataHome() (FileURL, error) {
	if b.AppData == "" {
		return FileURL{}, invalidURL("", "no appdata: the bucket was not looked up with a per-request key")
	}
	return ParseFileURL("files/" + strings.TrimSuffix(b.AppData, "/") + "/")
}

// IsFolder reports whether m describes a folder.
func (m *Metadata) IsFolder() bool { return m.NodeType == NodeFolder }

// Path returns the decoded path inside the bucket ("dir/a.txt", "dir/" for
// a folder, "" for the root), from ParentPath and Name.
func (m *Metadata) Path() string {
	p := m.Name
	if m.ParentPath != "" {
		p = m.ParentPath + "/" + p
	}
	if m.IsFolder() && p != "" {
		p += "/"
	}
	return p
}

// FileURL parses m.URL.
func (m *Metadata) FileURL() (FileURL, error) { return ParseFileURL(m.URL) }

// homeCache holds the bucket, looked up once. sem is a one-slot lock that
// waiters can leave when their context ends.
type homeCache struct {
	sem    chan struct{}
	mu     sync.Mutex
	bucket *Bucket
}

// Bucket returns the caller's bucket (GET /v1/bucket). The answer for the
// client's own credentials and base URL is cached: however many goroutines
// ask at once, one request is sent; a failed lookup is retried by the next
// call. A call whose options change the credentials, the base URL or
// WithPerRequestKey looks its own bucket up every time, without the cache.
func (c *Client) Bucket(ctx context.Context, opts ...option.RequestOption) (*Bucket, error) {
	if ctx == nil {
		return nil, &apierror.InputError{Service: ServiceName, Field: "context", Reason: "must not be nil"}
	}
	if foreignIdentity(ctx) || changesIdentity(opts) {
		ctx, err := c.fileContext(ctx, opts)
		if err != nil {
			return nil, err
		}
		return c.lookupBucket(ctx)
	}
	c.home.mu.Lock()
	b := c.home.bucket
	c.home.mu.Unlock()
	if b != nil {
		cp := *b
		return &cp, nil
	}
	select {
	case c.home.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.home.sem }()
	c.home.mu.Lock()
	b = c.home.bucket
	c.home.mu.Unlock()
	if b == nil {
		ctx, err := c.core.Context(ctx, opts)
		if err != nil {
			return nil, err
		}
		if b, err = c.lookupBucket(ctx); err != nil {
			return nil, err
		}
		c.home.mu.Lock()
		c.home.bucket = b
		c.home.mu.Unlock()
	}
	cp := *b
	return &cp, nil
}

func (c *Client) lookupBucket(ctx context.Context) (*Bucket, error) {
	got, err := core.Execute[Bucket](ctx, c.core, nil, func(ctx context.Context) (*http.Response, error) {
		return c.raw.GetBucket(ctx, acceptJSON)
	})
	if err != nil {
		return nil, err
	}
	if !alnum(got.Bucket) {
		// The id is not quoted: a hostile server could echo the key in it.
		return nil, fmt.Errorf("dial: GET /v1/bucket returned an invalid bucket id (%d bytes, not alphanumeric)", len(got.Bucket))
	}
	return got, nil
}

// foreignKey marks a call context whose options changed the caller's
// identity (see changesIdentity).
type foreignKey struct{}

func foreignIdentity(ctx context.Context) bool {
	v, _ := ctx.Value(foreignKey{}).(bool)
	return v
}

// changesIdentity reports whether opts set credentials, a base URL or
// WithPerRequestKey: then the call may belong to another bucket than the
// client's.
func changesIdentity(opts []option.RequestOption) bool {
	if len(opts) == 0 {
		return false
	}
	probe := &option.Config{}
	_ = probe.Apply(opts...) // invalid options are reported by the call itself
	return probe.APIKey != nil || probe.BearerToken != nil || probe.BaseURL != "" || probe.Value(perRequestKeyKey{}) != nil
}

// fileContext is core.Context for the file methods: it also marks a call
// whose options change the identity, so that its bucket is not the cached
// one.
func (c *Client) fileContext(ctx context.Context, opts []option.RequestOption) (context.Context, error) {
	cctx, err := c.core.Context(ctx, opts)
	if err != nil {
		return nil, err
	}
	if changesIdentity(opts) && !foreignIdentity(cctx) {
		cctx = context.WithValue(cctx, foreignKey{}, true)
	}
	return cctx, nil
}

// Home returns the caller's home folder, "files/<bucket>/" (see Bucket).
func (c *Client) Home(ctx context.Context, opts ...option.RequestOption) (FileURL, error) {
	b, err := c.Bucket(ctx, opts...)
	if err != nil {
		return FileURL{}, err
	}
	return FileURL{bucket: b.Bucket, folder: true}, nil
}

// UploadParams are the optional parameters of Upload.
type UploadParams struct {
	// Filename is the multipart part's filename (default: the URL's name).
	Filename string
	// ContentType becomes the stored content type (default: from the
	// filename's extension, else application/octet-stream).
	ContentType string
	// IfMatch makes the upload fail with 412 unless the existing file has
	// one of these comma-separated ETags. DIAL ignores it when the file does
	// not exist.
	IfMatch string
	// IfNoneMatch makes the upload create-only: 412 if the file exists.
	// When an attempt failed (a 5xx or a reset) and a retry got the 412,
	// the first attempt may have created the file: Upload then returns an
	// *UploadUncertainError (errors.Is ErrUploadUncertain), not a 412 that
	// IsETagMismatch would call "already exists".
	IfNoneMatch bool
}

// Upload stores body as the file at url, streaming it as multipart/form-data
// (the body is never held in memory whole). A nil body (or nil pointer) is
// an *apierror.InputError. When body is an io.ReadSeeker a
// failed attempt can be retried from its start; otherwise it is sent once.
// Upload returns when ctx ends even if body's Read is blocked; body may then
// still be read once more, until that Read returns (as with net/http).
// The returned metadata's ETag is the new content's ETag.
// option.WithProgress reports the bytes of body sent (Total is -1 when its
// size is unknown); a retry starts the count again.
func (f *FilesService) Upload(ctx context.Context, fileURL string, body io.Reader, p *UploadParams, opts ...option.RequestOption) (*Metadata, error) {
	if isNil(body) {
		return nil, &apierror.InputError{Service: ServiceName, Field: "upload body", Reason: "must not be nil"}
	}
	if p == nil {
		p = &UploadParams{}
	}
	if strings.ContainsAny(p.Filename+p.ContentType+p.IfMatch, "\r\n\x00") {
		return nil, &apierror.InputError{Service: ServiceName, Field: "upload parameters", Reason: "filename, content type or If-Match contains a line break or NUL"}
	}
	ctx, u, err := f.target(ctx, fileURL, true, opts)
	if err != nil {
		return nil, err
	}
	name := p.Filename
	if name == "" {
		name = u.Name()
	}
	ct := p.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(filepath.Ext(name))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	mb := newMultipartBody(ctx, body, name, ct)
	content := mb.contentSize() // seeks the source: before the writer starts reading it
	size := mb.length(content)
	mb.meter = upload.NewMeter(f.c.core.CallConfig(ctx).Progress, name, content)
	params := &dialapi.UploadFileParams{}
	if p.IfMatch != "" {
		params.IfMatch = &p.IfMatch
	}
	if p.IfNoneMatch {
		star := dialapi.UploadFileParamsIfNoneMatchAsterisk
		params.IfNoneMatch = &star
	}
	var etag string
	attempt := 0 // of the last response: 0 for the first attempt
	m, err := core.Execute[Metadata](ctx, f.c.core, nil, func(ctx context.Context) (*http.Response, error) {
		resp, err := f.c.raw.UploadFileWithBody(ctx, u.Bucket(), u.Path(), params, mb.contentType(), mb.first(),
			func(_ context.Context, req *http.Request) error {
				req.Header.Set("Accept", "application/json")
				req.GetBody = nil
				if mb.seeker != nil {
					req.GetBody = mb.next
				}
				req.ContentLength = size // -1: unknown, sent chunked
				return nil
			})
		mb.stop()
		if resp != nil {
			etag = bareETag(resp.Header.Get("ETag"))
			if resp.Request != nil {
				attempt, _ = strconv.Atoi(resp.Request.Header.Get(transport.RetryCountHeader))
			}
		}
		return resp, err
	})
	if err != nil {
		if p.IfNoneMatch && attempt > 0 && hasStatus(err, http.StatusPreconditionFailed) {
			return nil, &UploadUncertainError{URL: u.String(), Attempts: attempt + 1, Err: err}
		}
		return nil, err
	}
	if m.ETag == "" {
		m.ETag = etag
	}
	m.ETag = bareETag(m.ETag)
	return m, nil
}

// bareETag returns an ETag without the RFC 9110 decoration some DIAL Core
// versions and proxies add (a W/ prefix, surrounding quotes): DIAL Core 0.18
// sends the bare MD5 hex and accepts If-Match quoted or not
// (util/EtagHeader.java strips the quotes), so the bare form works with all.
func bareETag(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "W/")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// isNil reports whether r is nil or a nil pointer (a typed nil such as a
// nil *bytes.Reader or *os.File, whose methods panic or fail).
func isNil(r io.Reader) bool {
	if r == nil {
		return true
	}
	v := reflect.ValueOf(r)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// multipartBody streams one file part through a pipe fed by a goroutine.
// The goroutine ends when the body is read to its end or the pipe's reader
// is closed (net/http always closes request bodies).
type multipartBody struct {
	ctx    context.Context // the call's: waiting for the writer ends with it
	src    io.Reader
	seeker io.Seeker
	start  int64
	name   string
	ct     string
	bound  string
	meter  *upload.Meter // nil: no progress reports

	mu     sync.Mutex
	pr     *io.PipeReader
	done   chan struct{}
	unhook func() bool // stops closing pr when ctx ends
}

func newMultipartBody(ctx context.Context, src io.Reader, name, ct string) *multipartBody {
	mb := &multipartBody{ctx: ctx, src: src, name: name, ct: ct, bound: multipart.NewWriter(io.Discard).Boundary()}
	if s, ok := src.(io.Seeker); ok {
		if off, err := s.Seek(0, io.SeekCurrent); err == nil {
			mb.seeker, mb.start = s, off
		}
	}
	return mb
}

// contentSize returns the source's remaining size when it is known (a
// seeker or a reader with Len), else -1.
func (mb *multipartBody) contentSize() int64 {
	var size int64 = -1
	switch s := mb.src.(type) {
	case interface{ Len() int }:
		size = int64(s.Len())
	case io.Seeker:
		if mb.seeker != nil {
			if end, err := s.Seek(0, io.SeekEnd); err == nil {
				if _, err := s.Seek(mb.start, io.SeekStart); err == nil && end >= mb.start {
					size = end - mb.start
				}
			}
		}
	}
	return size
}

// length returns the exact body length for a content of size bytes, or -1
// (sent chunked) when size is. A known length lets servers and proxies see
// the size up front.
func (mb *multipartBody) length(size int64) int64 {
	if size < 0 {
		return -1
	}
	var frame countWriter
	mw := multipart.NewWriter(&frame)
	if mw.SetBoundary(mb.bound) != nil {
		return -1
	}
	if _, err := mw.CreatePart(mb.header()); err != nil {
		return -1
	}
	if mw.Close() != nil {
		return -1
	}
	return frame.n + size
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

func (mb *multipartBody) header() textproto.MIMEHeader {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": mb.name}))
	h.Set("Content-Type", mb.ct)
	return h
}

func (mb *multipartBody) contentType() string {
	return "multipart/form-data; boundary=" + mb.bound
}

func (mb *multipartBody) first() io.ReadCloser {
	rc, _ := mb.open(false)
	return rc
}

// next is the request's GetBody: it stops the previous writer, rewinds the
// source and starts again.
func (mb *multipartBody) next() (io.ReadCloser, error) { return mb.open(true) }

func (mb *multipartBody) open(rewind bool) (io.ReadCloser, error) {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.stopLocked()
	if rewind {
		if _, err := mb.seeker.Seek(mb.start, io.SeekStart); err != nil {
			return nil, err
		}
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	mb.pr, mb.done = pr, done
	// net/http waits for the request body's Read before returning from a
	// cancelled call; closing the pipe lets that Read return even when the
	// writer is blocked in the source's Read.
	mb.unhook = context.AfterFunc(mb.ctx, func() { pr.CloseWithError(context.Cause(mb.ctx)) })
	go func() {
		defer close(done)
		pw.CloseWithError(mb.write(pw))
	}()
	return pr, nil
}

func (mb *multipartBody) write(w io.Writer) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(mb.bound); err != nil {
		return err
	}
	part, err := mw.CreatePart(mb.header())
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, onlyReader{mb.meter.Reader(mb.src)}); err != nil {
		return fmt.Errorf("dial: reading upload body: %w", err)
	}
	return mw.Close()
}

// onlyReader hides WriterTo/ReaderFrom so io.Copy streams in small chunks.
type onlyReader struct{ io.Reader }

// stop ends the current writer goroutine and waits for it, or for the end
// of the call's context: a writer blocked in the source's Read cannot be
// interrupted, and the call must not hang on it. Such a writer ends when
// that Read returns.
func (mb *multipartBody) stop() {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	mb.stopLocked()
}

func (mb *multipartBody) stopLocked() {
	if mb.pr == nil {
		return
	}
	mb.unhook()
	_ = mb.pr.CloseWithError(errors.New("dial: upload attempt ended"))
	select {
	case <-mb.done:
	case <-mb.ctx.Done():
	}
	mb.pr, mb.done = nil, nil
}

// DownloadParams are the optional parameters of Download.
type DownloadParams struct {
	// IfMatch makes the download fail with 412 unless the file has one of
	// these ETags (newer DIAL Core versions only).
	IfMatch string
}

// Download is a file being downloaded. Read it (it is an io.ReadCloser)
// and Close it, or use Bytes or WriteToFile, which close it.
type Download struct {
	Body          io.ReadCloser
	URL           FileURL
	Name          string // the decoded file name
	ETag          string // bare MD5 hex: quotes of a quoted header are removed
	ContentType   string
	ContentLength int64 // -1 when unknown
}

// Read reads from the body.
func (d *Download) Read(p []byte) (int, error) { return d.Body.Read(p) }

// Close closes the body.
func (d *Download) Close() error { return d.Body.Close() }

// Bytes reads the rest of the body and closes it.
func (d *Download) Bytes() ([]byte, error) {
	defer d.Body.Close()
	b, err := io.ReadAll(d.Body)
	if err != nil {
		return b, fmt.Errorf("dial: downloading %s: %w", d.URL, err)
	}
	return b, nil
}

// WriteToFile streams the rest of the body into the file at path (created or
// truncated, mode 0o644) and closes the body. On failure the partial file is
// removed.
func (d *Download) WriteToFile(path string) error {
	defer d.Body.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("dial: downloading %s: %w", d.URL, err)
	}
	_, err = io.Copy(out, d.Body)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("dial: downloading %s to %s: %w", d.URL, path, err)
	}
	return nil
}

// Download starts downloading the file at url. The caller must close the
// returned Download (Bytes and WriteToFile do). option.WithProgress reports
// the bytes read from it (Total is the Content-Length, -1 when the server
// sent none), with Done once it is read to its end.
func (f *FilesService) Download(ctx context.Context, fileURL string, p *DownloadParams, opts ...option.RequestOption) (*Download, error) {
	if p == nil {
		p = &DownloadParams{}
	}
	if strings.ContainsAny(p.IfMatch, "\r\n\x00") {
		return nil, &apierror.InputError{Service: ServiceName, Field: "If-Match", Reason: "contains a line break or NUL"}
	}
	ctx, u, err := f.target(ctx, fileURL, true, opts)
	if err != nil {
		return nil, err
	}
	params := &dialapi.DownloadFileParams{}
	if p.IfMatch != "" {
		params.IfMatch = &p.IfMatch
	}
	resp, err := f.c.core.Send(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return f.c.raw.DownloadFile(ctx, u.Bucket(), u.Path(), params)
	})
	if err != nil {
		return nil, err
	}
	meter := upload.NewMeter(f.c.core.CallConfig(ctx).Progress, u.Name(), resp.ContentLength)
	return &Download{
		Body: meter.ReadCloser(resp.Body), URL: u, Name: u.Name(),
		ETag: bareETag(resp.Header.Get("ETag")), ContentType: resp.Header.Get("Content-Type"), ContentLength: resp.ContentLength,
	}, nil
}

// DeleteParams are the optional parameters of Delete.
type DeleteParams struct {
	// IfMatch makes the delete fail with 412 unless the file has one of
	// these ETags.
	IfMatch string
}

// target makes the call's context and resolves fileURL in it (per-call
// credentials resolve home-relative paths in their own bucket). With wantFile
// a folder URL is refused before any request.
func (f *FilesService) target(ctx context.Context, fileURL string, wantFile bool, opts []option.RequestOption) (context.Context, FileURL, error) {
	ctx, err := f.c.fileContext(ctx, opts)
	if err != nil {
		return nil, FileURL{}, err
	}
	u, err := f.c.resolveURL(ctx, fileURL)
	if err != nil {
		return nil, FileURL{}, err
	}
	if wantFile && u.IsFolder() {
		return nil, FileURL{}, invalidURL(fileURL, "points to a folder, not a file")
	}
	return ctx, u, nil
}

// Delete deletes the file at url. Deleting a file that does not exist
// succeeds: DIAL Core answers 200 (and ignores IfMatch) for a missing file.
func (f *FilesService) Delete(ctx context.Context, fileURL string, p *DeleteParams, opts ...option.RequestOption) error {
	if p == nil {
		p = &DeleteParams{}
	}
	if strings.ContainsAny(p.IfMatch, "\r\n\x00") {
		return &apierror.InputError{Service: ServiceName, Field: "If-Match", Reason: "contains a line break or NUL"}
	}
	ctx, u, err := f.target(ctx, fileURL, true, opts)
	if err != nil {
		return err
	}
	params := &dialapi.DeleteFileParams{}
	if p.IfMatch != "" {
		params.IfMatch = &p.IfMatch
	}
	return f.c.core.Call(ctx, nil, func(ctx context.Context) (*http.Response, error) {
		return f.c.raw.DeleteFile(ctx, u.Bucket(), u.Path(), params)
	}, nil)
}

// MetadataParams are the optional parameters of Metadata.
type MetadataParams struct {
	Limit       int    // page size of a folder listing (1..1000; 0 = server default 100)
	Token       string // the NextToken of the previous page
	Recursive   bool   // list every file below the folder
	Permissions bool   // include the caller's permissions
}

// Metadata returns the metadata of the file or folder at url. A folder URL
// (ending in "/") returns one page of its items.
func (f *FilesService) Metadata(ctx context.Context, fileURL string, p *MetadataParams, opts ...option.RequestOption) (*Metadata, error) {
	if p == nil {
		p = &MetadataParams{}
	}
	if p.Limit < 0 || p.Limit > 1000 {
		return nil, &apierror.InputError{Service: ServiceName, Field: "limit", Reason: "must be between 0 and 1000"}
	}
	ctx, u, err := f.target(ctx, fileURL, false, opts)
	if err != nil {
		return nil, err
	}
	return f.metadata(ctx, u, p)
}

func (f *FilesService) metadata(ctx context.Context, u FileURL, p *MetadataParams) (*Metadata, error) {
	var limit *int32
	if p.Limit > 0 {
		l := int32(p.Limit)
		limit = &l
	}
	var token *string
	if p.Token != "" {
		token = &p.Token
	}
	var recursive, permissions *bool
	if p.Recursive {
		recursive = &p.Recursive
	}
	if p.Permissions {
		permissions = &p.Permissions
	}
	return core.Execute[Metadata](ctx, f.c.core, nil, func(ctx context.Context) (*http.Response, error) {
		if u.Path() == "" {
			return f.c.raw.GetBucketRootMetadata(ctx, u.Bucket(), &dialapi.GetBucketRootMetadataParams{
				Limit: limit, Token: token, Recursive: recursive, Permissions: permissions}, acceptJSON)
		}
		return f.c.raw.GetFileMetadata(ctx, u.Bucket(), u.Path(), &dialapi.GetFileMetadataParams{
			Limit: limit, Token: token, Recursive: recursive, Permissions: permissions}, acceptJSON)
	})
}

// MaxEmptyPages is how many pages in a row List accepts that have no items
// but a next page token before it stops with an *apierror.ResponseError: a
// server that keeps answering so would otherwise be asked for ever, and the
// caller's loop body, never run, could not break out.
const MaxEmptyPages = 32

// listError is the *apierror.ResponseError that ends a listing whose pages
// go nowhere (the token itself is not shown: it is opaque server text).
func listError(u FileURL, reason string) error {
	return &apierror.ResponseError{Service: ServiceName, Request: "GET metadata of " + u.String(),
		StatusCode: http.StatusOK, Reason: "listing stopped: " + reason}
}

// ListParams are the optional parameters of List.
type ListParams struct {
	PageSize  int  // items per request (1..1000; 0 = server default 100)
	Recursive bool // every file below the folder, sub-folders flattened
}

// List iterates over the items of the folder at url (it must end in "/";
// "" is the home folder), requesting page after page while the server
// returns a nextToken. Breaking out of the loop stops requesting. An error
// is yielded once, as the last pair. A server that repeats a page token, or
// answers MaxEmptyPages empty pages in a row that each name a next one,
// ends the listing with an *apierror.ResponseError.
func (f *FilesService) List(ctx context.Context, folderURL string, p *ListParams, opts ...option.RequestOption) iter.Seq2[Metadata, error] {
	return func(yield func(Metadata, error) bool) {
		if p == nil {
			p = &ListParams{}
		}
		if p.PageSize < 0 || p.PageSize > 1000 {
			yield(Metadata{}, &apierror.InputError{Service: ServiceName, Field: "page size", Reason: "must be between 0 and 1000"})
			return
		}
		cctx, err := f.c.fileContext(ctx, opts)
		if err != nil {
			yield(Metadata{}, err)
			return
		}
		var u FileURL
		if folderURL == "" {
			u, err = f.c.Home(cctx)
		} else {
			u, err = f.c.resolveURL(cctx, folderURL)
		}
		if err != nil {
			yield(Metadata{}, err)
			return
		}
		if !u.IsFolder() {
			yield(Metadata{}, invalidURL(folderURL, "not a folder (a folder URL ends with /)"))
			return
		}
		mp := &MetadataParams{Limit: p.PageSize, Recursive: p.Recursive}
		seen := map[string]bool{}
		empty := 0
		for {
			m, err := f.metadata(cctx, u, mp)
			if err != nil {
				yield(Metadata{}, err)
				return
			}
			for _, it := range m.Items {
				if !yield(it, nil) {
					return
				}
			}
			if m.NextToken == "" {
				return
			}
			if len(m.Items) == 0 {
				empty++
			} else {
				empty = 0
			}
			switch {
			case seen[m.NextToken]:
				yield(Metadata{}, listError(u, "the server repeated a page token"))
				return
			case empty >= MaxEmptyPages:
				yield(Metadata{}, listError(u, fmt.Sprintf("%d pages in a row were empty but had a next page token", empty)))
				return
			}
			seen[m.NextToken] = true
			mp.Token = m.NextToken
		}
	}
}
