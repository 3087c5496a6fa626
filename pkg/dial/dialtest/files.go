package dialtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

// maxPathBytes is DIAL Core's limit on a storage path, in UTF-8 bytes.
const maxPathBytes = 900

type file struct {
	data        []byte // the content, unless dropped or generated
	pattern     bool   // the content is Pattern(size)
	dropped     bool   // larger than WithMaxStoredSize: content not kept
	size        int64
	contentType string
	etag        string
	createdAt   int64 // epoch milliseconds
	updatedAt   int64
}

type bucket struct {
	files map[string]*file // decoded path ("a/b.txt") -> file
}

func (s *Server) bucketLocked(id string) *bucket {
	b := s.buckets[id]
	if b == nil {
		b = &bucket{files: map[string]*file{}}
		s.buckets[id] = b
	}
	return b
}

// Pattern returns a reader of size deterministic bytes (the content of
// files added with PutPatternFile). Tests use it to stream large uploads
// without allocating them; it can seek, so an upload knows its length.
func Pattern(size int64) io.ReadSeeker {
	return &patternReader{size: size}
}

// patternPeriod is the period of Pattern's bytes (not a power of two, so
// chunk boundaries do not line up with it).
const patternPeriod = 1<<20 + 7

var (
	patternOnce  sync.Once
	patternTable []byte
)

type patternReader struct{ off, size int64 }

func (p *patternReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += p.off
	case io.SeekEnd:
		offset += p.size
	}
	if offset < 0 {
		return 0, errors.New("dialtest: seek before the start")
	}
	p.off = offset
	return offset, nil
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	if rest := p.size - p.off; int64(len(b)) > rest {
		b = b[:rest]
	}
	patternOnce.Do(func() {
		patternTable = make([]byte, patternPeriod)
		for i := range patternTable {
			patternTable[i] = byte(i*131 + i>>11)
		}
	})
	n := 0
	for n < len(b) {
		n += copy(b[n:], patternTable[(p.off+int64(n))%patternPeriod:])
	}
	p.off += int64(n)
	return n, nil
}

// PutFile stores data as the file at path (decoded, "/"-separated, e.g.
// "docs/a.txt") in user's bucket and returns its ETag.
func (s *Server) PutFile(user, path, contentType string, data []byte) string {
	sum := md5.Sum(data)
	f := &file{data: append([]byte(nil), data...), size: int64(len(data)), contentType: contentType, etag: hex.EncodeToString(sum[:])}
	s.store(BucketOf(user), path, f)
	return f.etag
}

// PutConversation stores body (the conversation's JSON) at path (decoded,
// "/"-separated) among user's conversations, for the metadata endpoints
// /v1/metadata/conversations/…, and returns its ETag.
func (s *Server) PutConversation(user, path string, body []byte) string {
	return s.putResource("conversations", user, path, body)
}

// PutPrompt stores body (the prompt's JSON) at path among user's prompts,
// for /v1/metadata/prompts/…, and returns its ETag.
func (s *Server) PutPrompt(user, path string, body []byte) string {
	return s.putResource("prompts", user, path, body)
}

func (s *Server) putResource(kind, user, path string, body []byte) string {
	sum := md5.Sum(body)
	f := &file{data: append([]byte(nil), body...), size: int64(len(body)), contentType: "application/json", etag: hex.EncodeToString(sum[:])}
	s.store(target{kind: kind, bucket: BucketOf(user)}.store(), path, f)
	return f.etag
}

// PutPatternFile stores a file of size bytes whose content is Pattern(size)
// without holding it in memory, and returns its ETag.
func (s *Server) PutPatternFile(user, path, contentType string, size int64) string {
	h := md5.New()
	_, _ = io.Copy(h, Pattern(size))
	f := &file{pattern: true, size: size, contentType: contentType, etag: hex.EncodeToString(h.Sum(nil))}
	s.store(BucketOf(user), path, f)
	return f.etag
}

// File returns the content and ETag of the file at path in user's bucket.
func (s *Server) File(user, path string) (data []byte, etag string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.bucketLocked(BucketOf(user)).files[path]
	if f == nil {
		return nil, "", false
	}
	if f.pattern {
		b, _ := io.ReadAll(Pattern(f.size))
		return b, f.etag, true
	}
	return append([]byte(nil), f.data...), f.etag, true
}

func (s *Server) store(bucketID, path string, f *file) {
	now := s.now().UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bucketLocked(bucketID)
	f.createdAt, f.updatedAt = now, now
	if old := b.files[path]; old != nil {
		f.createdAt = old.createdAt
	}
	b.files[path] = f
}

// target is a parsed storage path of a request.
type target struct {
	bucket string
	segs   []string // decoded segments after the bucket
	folder bool     // the path ends with "/" (or is the bucket root)
	kind   string   // "files" (""), "conversations" or "prompts"
}

// resourceKinds maps the storage kinds below /v1/metadata/ to DIAL Core's
// resourceType (ai-dial-core ControllerSelector PATTERN_FILES_METADATA,
// PATTERN_RESOURCE_METADATA; aidial-client 0.3.0 types/metadata.py).
var resourceKinds = map[string]string{"files": "FILE", "conversations": "CONVERSATION", "prompts": "PROMPT"}

func (t target) kindName() string {
	if t.kind == "" {
		return "files"
	}
	return t.kind
}

// store is the key of the target's storage: files live under the bucket id,
// conversations and prompts under "<kind>:<bucket id>".
func (t target) store() string {
	if t.kind == "" || t.kind == "files" {
		return t.bucket
	}
	return t.kind + ":" + t.bucket
}

func (t target) key() string { return strings.Join(t.segs, "/") }

func (t target) url() string {
	var b strings.Builder
	b.WriteString(t.kindName())
	b.WriteByte('/')
	b.WriteString(t.bucket)
	b.WriteByte('/')
	for i, s := range t.segs {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(escapeSegment(s))
	}
	if t.folder && len(t.segs) > 0 {
		b.WriteByte('/')
	}
	return b.String()
}

// escapeSegment percent-encodes everything but unreserved characters.
func escapeSegment(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
	return b.String()
}

// parseTarget reads bucket and path from the escaped request path the way
// DIAL Core does: split on "/", decode each segment, refuse empty, "." and
// ".." segments and segments that decode to something containing "/".
func parseTarget(r *http.Request) (target, string) {
	p := r.URL.EscapedPath()
	var rest string
	var ok bool
	kind := ""
	if rest, ok = strings.CutPrefix(p, "/v1/files/"); !ok {
		if rest, ok = strings.CutPrefix(p, "/v1/metadata/"); !ok {
			return target{}, "Invalid path provided " + p
		}
		kind, rest, _ = strings.Cut(rest, "/")
		if resourceKinds[kind] == "" {
			return target{}, "Invalid path provided " + p
		}
	}
	b, raw, _ := strings.Cut(rest, "/")
	t := target{bucket: b, folder: raw == "" || strings.HasSuffix(raw, "/"), kind: kind}
	raw = strings.TrimSuffix(raw, "/")
	if raw == "" {
		return t, ""
	}
	for _, seg := range strings.Split(raw, "/") {
		d, err := url.PathUnescape(seg)
		if err != nil || d == "" || d == "." || d == ".." || strings.ContainsAny(d, "/{}") || hasControl(d) {
			return t, "Invalid path provided " + rest
		}
		t.segs = append(t.segs, d)
	}
	return t, ""
}

func hasControl(s string) bool {
	for _, c := range s {
		if c < 0x20 {
			return true
		}
	}
	return false
}

// resolve parses the target and checks the caller may access its bucket.
func (s *Server) resolve(w http.ResponseWriter, r *http.Request, user string) (target, bool) {
	t, bad := parseTarget(r)
	if bad != "" {
		writeText(w, http.StatusBadRequest, bad)
		return t, false
	}
	if t.bucket != BucketOf(user) {
		writeText(w, http.StatusForbidden, "You don't have an access to: "+t.url())
		return t, false
	}
	return t, true
}

// etagMatches applies If-Match: a comma-separated list, quotes optional; ""
// and "*" match anything.
func etagMatches(header, etag string) bool {
	header = strings.TrimSpace(header)
	if header == "" || header == "*" {
		return true
	}
	for _, v := range strings.Split(header, ",") {
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// precondition checks If-Match / If-None-Match against the current file
// (nil: absent) and writes the failure.
func precondition(w http.ResponseWriter, r *http.Request, f *file) bool {
	if f == nil {
		return true // If-Match is ignored for a missing resource.
	}
	if r.Header.Get("If-None-Match") == "*" {
		writeText(w, http.StatusPreconditionFailed, "Resource already exists")
		return false
	}
	if im := r.Header.Get("If-Match"); !etagMatches(im, f.etag) {
		writeText(w, http.StatusPreconditionFailed, "ETag "+im+" is rejected")
		return false
	}
	return true
}

// etagHeader is the ETag response header of etag: bare, as DIAL Core 0.18
// sends it, or quoted with WithQuotedETags.
func (s *Server) etagHeader(etag string) string {
	if s.quotedETags {
		return `"` + etag + `"`
	}
	return etag
}

func (s *Server) lookup(t target) *file {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bucketLocked(t.store()).files[t.key()]
}

func (s *Server) upload(w http.ResponseWriter, r *http.Request, user string) {
	t, ok := s.resolve(w, r, user)
	if !ok {
		return
	}
	if t.folder {
		writeText(w, http.StatusBadRequest, "File name is missing")
		return
	}
	for _, seg := range t.segs {
		if strings.HasSuffix(seg, ".") {
			writeText(w, http.StatusBadRequest, "Resource name and/or parent folders must not end with .(dot)")
			return
		}
	}
	if len(t.bucket)+1+len(t.key()) > maxPathBytes {
		writeText(w, http.StatusBadRequest, "Resource path exceeds max allowed length "+strconv.Itoa(maxPathBytes))
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm != "*" {
		writeText(w, http.StatusBadRequest, "only header if-none-match=* is supported")
		return
	}
	if !precondition(w, r, s.lookup(t)) {
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeText(w, http.StatusBadRequest, "Request must be multipart/form-data")
		return
	}
	var f *file
	for part, err := range emulator.Parts(mr) {
		if err != nil {
			writeText(w, http.StatusBadRequest, "Invalid multipart body: "+err.Error())
			return
		}
		if part.FileName() == "" || f != nil {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		f, err = s.readPart(part)
		if err != nil {
			writeText(w, http.StatusBadRequest, "Invalid multipart body: "+err.Error())
			return
		}
	}
	if f == nil {
		writeText(w, http.StatusBadRequest, "File is missing")
		return
	}
	s.mu.Lock()
	cur := s.bucketLocked(t.bucket).files[t.key()]
	s.mu.Unlock()
	if !precondition(w, r, cur) { // re-checked: another upload may have won meanwhile
		return
	}
	s.store(t.bucket, t.key(), f)
	w.Header().Set("ETag", s.etagHeader(f.etag))
	writeJSON(w, http.StatusOK, s.itemJSON(t, f, true))
}

func (s *Server) readPart(part *multipart.Part) (*file, error) {
	ct := part.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := md5.New()
	var buf bytes.Buffer
	var n int64
	chunk := make([]byte, 32<<10)
	dropped := false
	for {
		m, err := part.Read(chunk)
		if m > 0 {
			h.Write(chunk[:m])
			n += int64(m)
			if !dropped {
				if s.maxStored > 0 && n > s.maxStored {
					dropped = true
					buf = bytes.Buffer{}
				} else {
					buf.Write(chunk[:m])
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	f := &file{size: n, contentType: ct, etag: hex.EncodeToString(h.Sum(nil)), dropped: dropped}
	if !dropped {
		f.data = buf.Bytes()
		if f.data == nil {
			f.data = []byte{}
		}
	}
	return f, nil
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, user string) {
	t, ok := s.resolve(w, r, user)
	if !ok {
		return
	}
	if t.folder {
		writeText(w, http.StatusBadRequest, "Can't download a folder")
		return
	}
	f := s.lookup(t)
	if f == nil {
		writeText(w, http.StatusNotFound, "")
		return
	}
	if im := r.Header.Get("If-Match"); !etagMatches(im, f.etag) {
		writeText(w, http.StatusPreconditionFailed, "ETag "+im+" is rejected")
		return
	}
	if f.dropped {
		writeText(w, http.StatusInternalServerError, "dialtest: the content of this file was not kept (WithMaxStoredSize)")
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Length", strconv.FormatInt(f.size, 10))
	w.Header().Set("ETag", s.etagHeader(f.etag))
	w.WriteHeader(http.StatusOK)
	if f.pattern {
		_, _ = io.Copy(w, Pattern(f.size))
		return
	}
	_, _ = w.Write(f.data)
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request, user string) {
	t, ok := s.resolve(w, r, user)
	if !ok {
		return
	}
	if t.folder {
		writeText(w, http.StatusBadRequest, "Can't delete a folder")
		return
	}
	s.mu.Lock()
	b := s.bucketLocked(t.bucket)
	f := b.files[t.key()]
	if f == nil {
		// DIAL Core's DeleteFileController answers 200 for a missing file
		// (If-Match is not checked for a missing resource).
		s.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	if im := r.Header.Get("If-Match"); !etagMatches(im, f.etag) {
		s.mu.Unlock()
		writeText(w, http.StatusPreconditionFailed, "ETag "+im+" is rejected")
		return
	}
	delete(b.files, t.key())
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func nameAndParent(segs []string) (name, parent string) {
	if len(segs) == 0 {
		return "", ""
	}
	name = segs[len(segs)-1]
	if len(segs) > 1 {
		parent = strings.Join(segs[:len(segs)-1], "/")
	}
	return name, parent
}

func (s *Server) itemJSON(t target, f *file, withEtag bool) dial.Metadata {
	name, parent := nameAndParent(t.segs)
	m := dial.Metadata{
		Name: name, ParentPath: parent, Bucket: t.bucket, URL: t.url(),
		NodeType: dial.NodeItem, ResourceType: resourceKinds[t.kindName()], CreatedAt: f.createdAt, UpdatedAt: f.updatedAt,
	}
	if t.kindName() == "files" { // conversations and prompts carry no content fields
		m.ContentLength, m.ContentType = f.size, f.contentType
	}
	if withEtag {
		m.ETag = f.etag
	}
	return m
}

func folderJSON(t target) dial.Metadata {
	name, parent := nameAndParent(t.segs)
	return dial.Metadata{Name: name, ParentPath: parent, Bucket: t.bucket, URL: t.url(),
		NodeType: dial.NodeFolder, ResourceType: resourceKinds[t.kindName()]}
}

// folderReply is a folder's metadata with its items always present (DIAL
// Core sends "items": [] for an empty bucket root) and name and parentPath
// null for the bucket root, as Core sends them.
type folderReply struct {
	dial.Metadata
	Name       *string         `json:"name"`
	ParentPath *string         `json:"parentPath"`
	Items      []dial.Metadata `json:"items"`
}

func newFolderReply(t target) folderReply {
	m := folderReply{Metadata: folderJSON(t), Items: []dial.Metadata{}}
	if len(t.segs) > 0 {
		m.Name = &m.Metadata.Name
	}
	if len(t.segs) > 1 {
		m.ParentPath = &m.Metadata.ParentPath
	}
	return m
}

func (s *Server) metadata(w http.ResponseWriter, r *http.Request, user string) {
	t, ok := s.resolve(w, r, user)
	if !ok {
		return
	}
	q := r.URL.Query()
	perms := q.Get("permissions") == "true"
	if !t.folder {
		if f := s.lookup(t); f != nil {
			m := s.itemJSON(t, f, true)
			if perms {
				m.Permissions = []string{"READ", "WRITE"}
			}
			writeJSON(w, http.StatusOK, m)
			return
		}
		// DIAL Core treats a path without the trailing slash as an item and
		// answers 404 for a folder (FileMetadataController). aidial-client
		// 0.3.0 strips the slash of folder URLs, so its folder listings fail
		// against Core too; WithLenientFolderMetadata lists instead.
		if !s.lenientFolders {
			writeText(w, http.StatusNotFound, "")
			return
		}
		t.folder = true
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			writeText(w, http.StatusBadRequest, "Limit is out of allowed range: [0, 1000]")
			return
		}
		limit = n
	}
	offset := 0
	if tok := q.Get("token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(raw), "offset:") || n < 0 {
			writeText(w, http.StatusBadRequest, "Invalid token: "+tok)
			return
		}
		offset = n
	}
	entries := s.children(t, q.Get("recursive") == "true")
	if len(entries) == 0 && len(t.segs) > 0 {
		writeText(w, http.StatusNotFound, "")
		return
	}
	m := newFolderReply(t)
	if perms {
		m.Permissions = []string{"READ", "WRITE"}
	}
	end := min(offset+limit, len(entries))
	for i := offset; i < end; i++ {
		e := entries[i]
		var im dial.Metadata
		if e.f != nil {
			im = s.itemJSON(e.t, e.f, false)
		} else {
			im = folderJSON(e.t)
		}
		if perms {
			im.Permissions = []string{"READ", "WRITE"}
		}
		m.Items = append(m.Items, im)
	}
	if end < len(entries) {
		m.NextToken = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, m)
}

type entry struct {
	t target
	f *file // nil: a folder
}

// children lists a folder's direct files and sub-folders (or, recursively,
// every file below it), sorted by path.
func (s *Server) children(t target, recursive bool) []entry {
	prefix := t.key()
	if prefix != "" {
		prefix += "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []entry
	for key, f := range s.bucketLocked(t.store()).files {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if recursive {
			out = append(out, entry{t: target{bucket: t.bucket, segs: strings.Split(key, "/"), kind: t.kind}, f: f})
			continue
		}
		first, _, nested := strings.Cut(rest, "/")
		if !nested {
			out = append(out, entry{t: target{bucket: t.bucket, segs: strings.Split(key, "/"), kind: t.kind}, f: f})
			continue
		}
		if seen[first] {
			continue
		}
		seen[first] = true
		segs := append(append([]string(nil), t.segs...), first)
		out = append(out, entry{t: target{bucket: t.bucket, segs: segs, folder: true, kind: t.kind}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].t.key() < out[j].t.key() })
	return out
}
