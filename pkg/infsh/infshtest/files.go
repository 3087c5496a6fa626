package infshtest

import (
	"fmt"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// MaxUploadSize bounds what the emulator stores for one file.
const MaxUploadSize = 64 << 20

type file struct {
	id, uri, token, filename, contentType, path string
	size                                        int64 // declared, -1 unknown
	public                                      bool
	created                                     time.Time
	uploaded                                    bool
	content                                     []byte
}

// dto is the file record as the API answers it: the client's generated type.
func (f *file) dto(base string) infsh.UploadedFile {
	out := infsh.UploadedFile{
		ID: f.id, URI: f.uri, UploadURL: base + "/uploads/" + f.token, Filename: f.filename,
		ContentType: f.contentType, Category: "uploads", Public: f.public, Path: f.path,
		CreatedAt: f.created, UpdatedAt: f.created,
	}
	if f.size >= 0 {
		out.Size = f.size
	}
	return out
}

// createFiles implements POST /files: one record per requested file, each
// with an upload_url on this server.
func (s *Server) createFiles(w http.ResponseWriter, r *http.Request) {
	var req infsh.FileCreateRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	out := make([]infsh.UploadedFile, 0, len(req.Files))
	s.mu.Lock()
	for _, pf := range req.Files {
		f := &file{id: s.newID(), token: s.newID() + s.newID(), size: -1, created: s.now()}
		f.uri = "inf://files/" + f.id
		if pf.Filename != nil {
			f.filename = *pf.Filename
		}
		if pf.ContentType != nil {
			f.contentType = *pf.ContentType
		}
		if pf.Path != nil {
			f.path = *pf.Path
		}
		if pf.Size != nil {
			f.size = *pf.Size
		}
		if pf.Public != nil {
			f.public = *pf.Public
		}
		if f.filename != "" {
			f.uri += "/" + f.filename
		}
		s.files[f.id] = f
		s.uploads[f.token] = f
		out = append(out, f.dto(s.URL))
	}
	s.mu.Unlock()
	s.ok(w, r, out)
}

// uploadFileContent implements the presigned PUT. Like object storage it
// refuses requests that carry credentials, chunked bodies (it needs a
// Content-Length), a Content-Type other than the declared one, and a size
// other than the declared one.
func (s *Server) uploadFileContent(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if r.Header.Get("Authorization") != "" {
		s.problem(w, r, http.StatusForbidden, "AUTH_NOT_ALLOWED", "presigned upload URLs refuse an Authorization header")
		return
	}
	s.mu.Lock()
	f := s.uploads[token]
	s.mu.Unlock()
	if f == nil {
		s.problem(w, r, http.StatusNotFound, "UPLOAD_NOT_FOUND", "unknown or used upload URL")
		return
	}
	if r.ContentLength < 0 {
		s.problem(w, r, http.StatusLengthRequired, "LENGTH_REQUIRED", "a Content-Length is required (no chunked uploads)")
		return
	}
	if f.contentType != "" {
		got, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		want, _, _ := mime.ParseMediaType(f.contentType)
		if !strings.EqualFold(got, want) {
			s.problem(w, r, http.StatusForbidden, "SIGNATURE_MISMATCH",
				fmt.Sprintf("Content-Type %q does not match the declared %q", got, want))
			return
		}
	}
	if f.size >= 0 && r.ContentLength != f.size {
		s.problem(w, r, http.StatusBadRequest, "SIZE_MISMATCH",
			fmt.Sprintf("body of %d bytes, declared %d", r.ContentLength, f.size))
		return
	}
	if r.ContentLength > MaxUploadSize {
		s.problem(w, r, http.StatusRequestEntityTooLarge, "TOO_LARGE", "file too large for the emulator")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxUploadSize+1))
	if err != nil {
		s.problem(w, r, http.StatusBadRequest, "READ_FAILED", "reading the body: "+err.Error())
		return
	}
	s.mu.Lock()
	f.content, f.uploaded = data, true
	if f.size < 0 {
		f.size = int64(len(data))
	}
	delete(s.uploads, token)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// FileContent returns what was uploaded for a file, by uri or id.
func (s *Server) FileContent(uriOrID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.id == uriOrID || f.uri == uriOrID {
			if !f.uploaded {
				return nil, fmt.Errorf("file %s: content not uploaded", f.id)
			}
			return append([]byte(nil), f.content...), nil
		}
	}
	return nil, fmt.Errorf("%w: %s", errNoFile, uriOrID)
}
