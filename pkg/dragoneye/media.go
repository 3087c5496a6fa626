package dragoneye

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/internal/upload"
)

// Media is an image or a video to predict on: its bytes (from a file, a
// byte slice or a reader), a name and a MIME type. Build it with
// MediaFromPath, MediaFromBytes or MediaFromReader.
type Media struct {
	name     string
	mimeType string
	size     int64                                // -1: unknown
	open     func() (io.ReadCloser, int64, error) // the bytes and their size (-1: unknown)
	used     atomic.Bool                          // a reader source can be read once
	once     bool
}

// Name is the file name sent with the media (and returned in the results'
// OriginalFileName); "" sends none.
func (m *Media) Name() string { return m.name }

// MIMEType is the media's type, e.g. "image/jpeg" or "video/mp4".
func (m *Media) MIMEType() string { return m.mimeType }

// Size is the media's size in bytes, or -1 when unknown (a reader).
func (m *Media) Size() int64 { return m.size }

// extTypes is used before the system's table, so the common types do not
// depend on the platform.
var extTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
	".gif": "image/gif", ".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff",
	".heic": "image/heic", ".heif": "image/heif", ".avif": "image/avif", ".svg": "image/svg+xml",
	".mp4": "video/mp4", ".m4v": "video/x-m4v", ".mov": "video/quicktime", ".webm": "video/webm",
	".mkv": "video/x-matroska", ".avi": "video/x-msvideo", ".mpeg": "video/mpeg", ".mpg": "video/mpeg",
	".3gp": "video/3gpp", ".wmv": "video/x-ms-wmv", ".flv": "video/x-flv",
}

func typeByExtension(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		return ""
	}
	if t, ok := extTypes[ext]; ok {
		return t
	}
	return baseType(mime.TypeByExtension(ext))
}

func baseType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return ""
}

// sniff returns the type of the first bytes, or "" when they say nothing
// useful.
func sniff(head []byte) string {
	t := baseType(http.DetectContentType(head))
	if t == "application/octet-stream" || strings.HasPrefix(t, "text/") {
		return ""
	}
	return t
}

// MediaOption adjusts a Media when it is built.
type MediaOption func(*Media)

// WithMIMEType sets the MIME type instead of guessing it.
func WithMIMEType(t string) MediaOption { return func(m *Media) { m.mimeType = t } }

// WithName sets the name sent with the media.
func WithName(name string) MediaOption { return func(m *Media) { m.name = name } }

func inputErr(field, reason string) error {
	return &apierror.InputError{Service: ServiceName, Field: field, Reason: reason}
}

func (m *Media) finish(head []byte, opts []MediaOption) (*Media, error) {
	for _, o := range opts {
		o(m)
	}
	if m.mimeType == "" {
		m.mimeType = typeByExtension(m.name)
	}
	if m.mimeType == "" {
		m.mimeType = sniff(head)
	}
	if m.mimeType == "" {
		return nil, inputErr("media", fmt.Sprintf("cannot tell the MIME type of %q from its name or content; pass WithMIMEType", m.name))
	}
	// One type/subtype, parameters dropped: the type goes as it is into the
	// upload's part header and the begin form.
	mt, _, err := mime.ParseMediaType(m.mimeType)
	if err != nil || !strings.Contains(mt, "/") || strings.HasSuffix(mt, "/") || strings.HasPrefix(mt, "/") {
		return nil, inputErr("media", fmt.Sprintf("MIME type %q is not a type/subtype", m.mimeType))
	}
	m.mimeType = mt // lower case
	return m, nil
}

// MediaFromPath reads the media from a file when it is uploaded. The name
// defaults to the file's base name; the MIME type to the one of its
// extension, else the one its first bytes show.
func MediaFromPath(path string, opts ...MediaOption) (*Media, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputErr("media", err.Error())
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, inputErr("media", err.Error())
	}
	if st.IsDir() {
		return nil, inputErr("media", path+" is a directory")
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	m := &Media{name: filepath.Base(path), size: st.Size(), open: func() (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, st.Size(), nil
	}}
	return m.finish(head[:n], opts)
}

// MediaFromBytes uses data as the media. name may be "" (none is sent);
// the MIME type comes from name's extension, else from the content.
func MediaFromBytes(data []byte, name string, opts ...MediaOption) (*Media, error) {
	m := &Media{name: name, size: int64(len(data)), open: func() (io.ReadCloser, int64, error) {
		return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
	}}
	return m.finish(data[:min(len(data), 512)], opts)
}

// MediaFromReader streams the media from r, which is read once, when the
// media is uploaded (a Media from a reader serves one prediction). name may
// be "" (none is sent); the MIME type comes from name's extension, else from
// the first bytes of r. If r has a Len or Size method, or is an *os.File,
// the size is known; otherwise the upload spools it to a temporary file
// first, since storage services want a Content-Length. MediaFromReader
// itself reads up to 512 bytes of r to sniff the type.
//
// A prediction returns ctx's error once ctx is done, even while a Read of r
// is blocked. Such a Read is abandoned, not interrupted: it keeps running in
// a goroutine until it returns, its bytes are dropped and r is not read
// again. A reader whose Read never returns (a stalled io.Pipe) keeps that
// goroutine until the caller unblocks it, e.g. by closing the pipe.
func MediaFromReader(r io.Reader, name string, opts ...MediaOption) (*Media, error) {
	if r == nil {
		return nil, inputErr("media", "reader is nil")
	}
	size := int64(-1)
	if n, ok := upload.Size(r); ok {
		size = n
	}
	br := bufio.NewReaderSize(r, 512)
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, inputErr("media", "reading the media: "+err.Error())
	}
	m := &Media{name: name, size: size, once: true}
	m.open = func() (io.ReadCloser, int64, error) { return io.NopCloser(br), size, nil }
	return m.finish(head, opts)
}

// reader opens the media's bytes for one upload.
func (m *Media) reader() (io.ReadCloser, int64, error) {
	if m.once && m.used.Swap(true) {
		return nil, 0, inputErr("media", "a Media from a reader can be uploaded once")
	}
	return m.open()
}

// check enforces the media family ("image" or "video").
func (m *Media) check(family string) error {
	if m == nil {
		return inputErr("media", "is nil")
	}
	if !strings.HasPrefix(m.mimeType, family+"/") {
		return inputErr("media", fmt.Sprintf("%s requires a MIME type starting with %s/; got %q", predictName(family), family, m.mimeType))
	}
	return nil
}

func predictName(family string) string {
	if family == "image" {
		return "Predictions.Image"
	}
	return "Predictions.Video"
}

// Image checks at construction that the media is an image (its MIME type is
// image/*), as the official SDK's Image class does, so a wrong file fails
// where it is chosen rather than at Predictions.Image. It takes a
// constructor's results as they are:
//
//	img, err := dragoneye.Image(dragoneye.MediaFromPath("house.jpg"))
//
// A non-nil err is returned unchanged; a media of another kind is an
// *apierror.InputError naming its MIME type.
func Image(m *Media, err error) (*Media, error) { return kind(m, err, "image") }

// Video is Image for videos (video/*): dragoneye.Video(dragoneye.MediaFromPath("street.mp4")).
// The sampling rate is a prediction parameter (PredictParams.FramesPerSecond).
func Video(m *Media, err error) (*Media, error) { return kind(m, err, "video") }

func kind(m *Media, err error, family string) (*Media, error) {
	if err != nil {
		return nil, err
	}
	if err := m.check(family); err != nil {
		return nil, err
	}
	return m, nil
}
