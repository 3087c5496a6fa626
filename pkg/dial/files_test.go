package dial_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aiclients/sdk-go/gen/dialapi"
	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/internal/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

var userBucket = dialtest.BucketOf(dialtest.DefaultUser)

func TestHomeOnceConcurrent(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	homes := make([]string, 16)
	for i := range homes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := c.Home(ctx)
			require.NoError(t, err)
			homes[i] = h.String()
		}()
	}
	wg.Wait()
	for _, h := range homes {
		require.Equal(t, "files/"+userBucket+"/", h)
	}
	require.Len(t, srv.Requests(), 1, "the bucket is looked up once")

	// A failed lookup is not cached.
	srv2, c2 := newClient(t, nil, option.WithMaxRetries(0))
	srv2.InjectFault(emulator.Fault{Path: "/v1/bucket", Nth: 1, Status: 500})
	_, err := c2.Home(ctx)
	require.Error(t, err)
	h, err := c2.Home(ctx)
	require.NoError(t, err)
	require.Equal(t, userBucket, h.Bucket())

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c2.Bucket(cctx)
	require.NoError(t, err, "cached: no request, ctx not consulted")
}

func TestParseFileURL(t *testing.T) {
	tests := []struct {
		in, want, path, name string
		folder               bool
		bad                  string
	}{
		{in: "files/b1/my-folder/my-file.txt", want: "files/b1/my-folder/my-file.txt", path: "my-folder/my-file.txt", name: "my-file.txt"},
		{in: "files/b1/dir/", want: "files/b1/dir/", path: "dir/", name: "dir", folder: true},
		{in: "files/b1/", want: "files/b1/", path: "", folder: true},
		{in: "files/b1/my file.txt", want: "files/b1/my%20file.txt", path: "my file.txt", name: "my file.txt"},
		{in: "files/b1/50% off.txt", want: "files/b1/50%25%20off.txt", name: "50% off.txt"},
		{in: "files/b1/a%23b.txt", want: "files/b1/a%23b.txt", name: "a#b.txt"},
		{in: "files/b1/a%3Fb.txt", want: "files/b1/a%3Fb.txt", name: "a?b.txt"},
		{in: "files/b1/a&b.txt", want: "files/b1/a%26b.txt", name: "a&b.txt"},
		{in: "files/b1/tag[1].txt", want: "files/b1/tag%5B1%5D.txt", name: "tag[1].txt"},
		{in: "files/b1/naïve.txt", want: "files/b1/na%C3%AFve.txt", name: "naïve.txt"},
		{in: "files/b1/my%20file.txt", want: "files/b1/my%20file.txt", name: "my file.txt"},
		{in: "files/b1/%E6%88%91%E7%9A%84%E6%96%87%E4%BB%B6%E5%A4%B9/%E6%88%91%E7%9A%84%E6%96%87%E4%BB%B6%20%281%29.pdf",
			want: "files/b1/%E6%88%91%E7%9A%84%E6%96%87%E4%BB%B6%E5%A4%B9/%E6%88%91%E7%9A%84%E6%96%87%E4%BB%B6%20%281%29.pdf", name: "我的文件 (1).pdf"},
		{in: "", bad: "empty"},
		{in: "files/file.txt", bad: "missing bucket"},
		{in: "files//x", bad: "missing bucket"},
		{in: "/files/b1/x", bad: "root-relative"},
		{in: "v1/files/b1/x", bad: "API prefix"},
		{in: "prompts/b1/x", bad: "resource type"},
		{in: "other/b1/x", bad: "files/"},
		{in: "files/test-bucket/x", bad: "letters and digits"},
		{in: "files/b1/a//b", bad: "empty path segment"},
		{in: "files/b1/../b2/x", bad: `".."`},
		{in: "files/b1/%2e%2e/x", bad: `".."`},
		{in: "files/b1/./x", bad: `"."`},
		{in: "files/b1/a%2Fb", bad: "slash"},
		{in: "files/b1/a?b", bad: "query"},
		{in: "files/b1/a#b", bad: "query"},
		{in: "files/b1/a{b}", bad: "{"},
		{in: "files/b1/a\x01", bad: "control"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := dial.ParseFileURL(tt.in)
			if tt.bad != "" {
				var ue *dial.InvalidURLError
				require.ErrorAs(t, err, &ue)
				require.Contains(t, err.Error(), tt.bad)
				var ie *apierror.InputError
				require.ErrorAs(t, err, &ie, "unwraps to InputError")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, u.String())
			require.Equal(t, tt.folder, u.IsFolder())
			require.Equal(t, "b1", u.Bucket())
			if tt.path != "" || tt.folder {
				require.Equal(t, tt.path, u.Path())
			}
			if tt.name != "" {
				require.Equal(t, tt.name, u.Name())
			}
			again, err := dial.ParseFileURL(u.String())
			require.NoError(t, err)
			require.Equal(t, u.String(), again.String(), "encoding is idempotent")
		})
	}

	home, err := dial.ParseFileURL("files/b1/")
	require.NoError(t, err)
	j, err := home.Join("reports/q1 2024.csv")
	require.NoError(t, err)
	require.Equal(t, "files/b1/reports/q1%202024.csv", j.String())
	require.Equal(t, "files/b1/reports/", j.Parent().String())
	_, err = j.Join("x")
	require.Error(t, err, "join below a file")
	_, err = home.Join("../x")
	require.Error(t, err)
}

func TestResolveURL(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	tests := []struct{ in, want, bad string }{
		{in: "files/" + userBucket + "/a.txt", want: "files/" + userBucket + "/a.txt"},
		{in: srv.URL + "/v1/files/" + userBucket + "/d/a%20b.txt?x=1", want: "files/" + userBucket + "/d/a%20b.txt"},
		{in: "reports/a b.txt", want: "files/" + userBucket + "/reports/a%20b.txt"},
		{in: "reports/", want: "files/" + userBucket + "/reports/"},
		{in: "https://example.com/v1/files/" + userBucket + "/a.txt", bad: "not a DIAL URL"},
		{in: srv.URL + "/v2/files/" + userBucket + "/a.txt", bad: "DIAL API URL"},
		{in: "http://user:secret@example.com/v1/files/b/a.txt", bad: "not a DIAL URL"},
		{in: " files/b/a.txt", bad: "whitespace"},
		{in: "reports/../../x", bad: `".."`},
	}
	for _, tt := range tests {
		u, err := c.Files.URL(ctx, tt.in)
		if tt.bad != "" {
			require.ErrorContains(t, err, tt.bad, tt.in)
			require.NotContains(t, err.Error(), "secret")
			continue
		}
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, u.String())
	}
}

func TestFilesRoundTrip(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	names := []string{"docs/notes/my file.txt", "docs/50% off.txt", "docs/tag[1].txt", "docs/naïve.txt", "docs/a#b?.txt"}
	for i, name := range names {
		home, err := c.Home(ctx)
		require.NoError(t, err)
		u, err := home.Join(strings.ReplaceAll(strings.ReplaceAll(name, "#", "%23"), "?", "%3F"))
		require.NoError(t, err)
		content := []byte(strings.Repeat("x", i+1) + name)
		m, err := c.Files.Upload(ctx, u.String(), bytes.NewReader(content), &dial.UploadParams{ContentType: "text/plain"})
		require.NoError(t, err, name)
		require.Equal(t, u.Name(), m.Name)
		require.Equal(t, userBucket, m.Bucket)
		require.Equal(t, dial.NodeItem, m.NodeType)
		require.NotEmpty(t, m.ETag)
		require.Equal(t, int64(len(content)), m.ContentLength)

		stored, etag, ok := srv.File(dialtest.DefaultUser, name)
		require.True(t, ok, "stored under the decoded path %q", name)
		require.Equal(t, content, stored)
		require.Equal(t, m.ETag, etag)

		d, err := c.Files.Download(ctx, u.String(), nil)
		require.NoError(t, err)
		require.Equal(t, m.ETag, d.ETag)
		require.Equal(t, "text/plain", d.ContentType)
		require.Equal(t, u.Name(), d.Name)
		got, err := d.Bytes()
		require.NoError(t, err)
		require.Equal(t, content, got)

		md, err := c.Files.Metadata(ctx, u.String(), nil)
		require.NoError(t, err)
		require.Equal(t, m.ETag, md.ETag)
		require.Equal(t, "text/plain", md.ContentType)
		back, err := md.FileURL()
		require.NoError(t, err)
		require.Equal(t, u.String(), back.String())
	}
	// The wire path has one segment per path element, each encoded.
	var paths []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPut {
			paths = append(paths, r.PathParams["path"])
		}
	}
	require.Equal(t, names, paths)

	// Write to a file.
	d, err := c.Files.Download(ctx, "docs/naïve.txt", nil)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "out.txt")
	require.NoError(t, d.WriteToFile(out))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "xxxxdocs/naïve.txt", string(b))

	// Delete, then it is gone.
	require.NoError(t, c.Files.Delete(ctx, "docs/naïve.txt", nil))
	_, err = c.Files.Metadata(ctx, "docs/naïve.txt", nil)
	require.True(t, dial.IsNotFound(err), "%v", err)
	_, err = c.Files.Download(ctx, "docs/naïve.txt", nil)
	require.True(t, dial.IsNotFound(err))
	// DIAL Core answers 200 for a missing file, also with an If-Match.
	require.NoError(t, c.Files.Delete(ctx, "docs/naïve.txt", nil))
	require.NoError(t, c.Files.Delete(ctx, "docs/naïve.txt", &dial.DeleteParams{IfMatch: "0123"}))
}

func TestFilesETags(t *testing.T) {
	_, c := newClient(t, nil, option.WithMaxRetries(0))
	ctx := context.Background()
	up := func(content string, p *dial.UploadParams) (*dial.Metadata, error) {
		return c.Files.Upload(ctx, "e/f.bin", strings.NewReader(content), p)
	}
	m1, err := up("one", nil)
	require.NoError(t, err)
	require.Equal(t, "application/octet-stream", m1.ContentType)
	m2, err := up("two", nil)
	require.NoError(t, err)
	require.NotEqual(t, m1.ETag, m2.ETag, "the ETag changes with the content")

	_, err = up("three", &dial.UploadParams{IfMatch: m1.ETag})
	require.True(t, dial.IsETagMismatch(err), "%v", err)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Contains(t, ae.Message, "is rejected")
	m3, err := up("three", &dial.UploadParams{IfMatch: `"` + m2.ETag + `"`})
	require.NoError(t, err)

	_, err = c.Files.Upload(ctx, "e/new.bin", strings.NewReader("n"), &dial.UploadParams{IfNoneMatch: true})
	require.NoError(t, err)
	_, err = c.Files.Upload(ctx, "e/new.bin", strings.NewReader("n"), &dial.UploadParams{IfNoneMatch: true})
	require.True(t, dial.IsETagMismatch(err))

	_, err = c.Files.Download(ctx, "e/f.bin", &dial.DownloadParams{IfMatch: m1.ETag})
	require.True(t, dial.IsETagMismatch(err))
	d, err := c.Files.Download(ctx, "e/f.bin", &dial.DownloadParams{IfMatch: m3.ETag})
	require.NoError(t, err)
	require.NoError(t, d.Close())

	err = c.Files.Delete(ctx, "e/f.bin", &dial.DeleteParams{IfMatch: m1.ETag})
	require.True(t, dial.IsETagMismatch(err))
	require.NoError(t, c.Files.Delete(ctx, "e/f.bin", &dial.DeleteParams{IfMatch: m3.ETag}))
}

func TestFilesBadInput(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	_, err := c.Home(ctx)
	require.NoError(t, err)
	srv.ResetRequests()
	var ue *dial.InvalidURLError
	var ie *apierror.InputError

	_, err = c.Files.Upload(ctx, "a.txt", nil, nil)
	require.ErrorAs(t, err, &ie)
	_, err = c.Files.Upload(ctx, "dir/", strings.NewReader("x"), nil)
	require.ErrorAs(t, err, &ue)
	_, err = c.Files.Download(ctx, "dir/", nil)
	require.ErrorAs(t, err, &ue)
	require.Contains(t, err.Error(), "folder")
	err = c.Files.Delete(ctx, "dir/", nil)
	require.ErrorAs(t, err, &ue)
	_, err = c.Files.Download(ctx, "https://evil.example/v1/files/"+userBucket+"/a", nil)
	require.ErrorAs(t, err, &ue)
	_, err = c.Files.Metadata(ctx, "a/../../b", nil)
	require.ErrorAs(t, err, &ue)
	_, err = c.Files.Metadata(ctx, "a.txt", &dial.MetadataParams{Limit: 5000})
	require.ErrorAs(t, err, &ie)
	for _, err := range c.Files.List(ctx, "a.txt", nil) {
		require.ErrorAs(t, err, &ue)
	}
	for _, err := range c.Files.List(ctx, "", &dial.ListParams{PageSize: -1}) {
		require.ErrorAs(t, err, &ie)
	}
	require.Empty(t, srv.Requests(), "no request for bad input")

	// Server-side refusals.
	_, err = c.Files.Upload(ctx, "dot./a.txt", strings.NewReader("x"), nil)
	require.ErrorContains(t, err, "must not end with .(dot)")
	_, err = c.Files.Upload(ctx, "files/Otherbucket1/a.txt", strings.NewReader("x"), nil)
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 403, ae.StatusCode)
}

func TestFilesList(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	want := []string{"l/a.txt", "l/b.txt", "l/c.txt", "l/d.txt", "l/e.txt", "l/sub/"}
	for _, p := range []string{"l/a.txt", "l/b.txt", "l/c.txt", "l/d.txt", "l/e.txt", "l/sub/x.txt", "l/sub/y.txt", "other.txt"} {
		srv.PutFile(dialtest.DefaultUser, p, "text/plain", []byte(p))
	}
	srv.ResetRequests()
	var got []string
	for it, err := range c.Files.List(ctx, "l/", &dial.ListParams{PageSize: 2}) {
		require.NoError(t, err)
		got = append(got, it.Path())
	}
	require.Equal(t, want, got)
	reqs := srv.Requests()
	require.Len(t, reqs, 4, "bucket lookup + 3 pages")
	require.Equal(t, "2", reqs[2].Query.Get("limit"))
	require.NotEmpty(t, reqs[2].Query.Get("token"))

	got = nil
	for it, err := range c.Files.List(ctx, "l/", &dial.ListParams{Recursive: true}) {
		require.NoError(t, err)
		got = append(got, it.Path())
	}
	require.Equal(t, []string{"l/a.txt", "l/b.txt", "l/c.txt", "l/d.txt", "l/e.txt", "l/sub/x.txt", "l/sub/y.txt"}, got)

	// Root listing and early break.
	n := 0
	for it, err := range c.Files.List(ctx, "", nil) {
		require.NoError(t, err)
		n++
		if it.Name == "l" {
			require.True(t, it.IsFolder())
			break
		}
	}
	require.Equal(t, 1, n)

	// One page of a folder, with metadata.
	m, err := c.Files.Metadata(ctx, "l/", &dial.MetadataParams{Limit: 3})
	require.NoError(t, err)
	require.True(t, m.IsFolder())
	require.Len(t, m.Items, 3)
	require.NotEmpty(t, m.NextToken)
	require.Equal(t, "l", m.Name)

	// An empty non-root folder is 404; the empty root is not.
	for _, err := range c.Files.List(ctx, "nothing/", nil) {
		require.True(t, dial.IsNotFound(err))
	}
	_, c2 := newClient(t, nil)
	root, err := c2.Files.Metadata(ctx, "", nil)
	require.Error(t, err, "empty string is not a URL for Metadata")
	h, err := c2.Home(ctx)
	require.NoError(t, err)
	root, err = c2.Files.Metadata(ctx, h.String(), nil)
	require.NoError(t, err)
	require.Empty(t, root.Items)
	require.Equal(t, "", root.Name)
}

// TestRawNestedPaths sends nested, encoded file paths through the generated
// client: spec, generated client and emulator agree on them.
func TestRawNestedPaths(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	srv.PutFile(dialtest.DefaultUser, "deep/er/a b[1].txt", "text/plain", []byte("hello"))

	resp, err := c.Raw().GetFileMetadata(ctx, userBucket, "deep/er/a b[1].txt", nil)
	require.NoError(t, err)
	parsed, err := dialapi.ParseGetFileMetadataResponse(resp)
	require.NoError(t, err)
	require.Equal(t, 200, parsed.StatusCode(), string(parsed.Body))
	require.Equal(t, "a b[1].txt", parsed.JSON200.Name)
	require.Equal(t, "deep/er", parsed.JSON200.ParentPath)

	resp, err = c.Raw().GetFileMetadata(ctx, userBucket, "deep/", nil)
	require.NoError(t, err)
	parsed, err = dialapi.ParseGetFileMetadataResponse(resp)
	require.NoError(t, err)
	require.Equal(t, 200, parsed.StatusCode())
	require.Equal(t, "FOLDER", string(parsed.JSON200.NodeType))

	resp, err = c.Raw().DownloadFile(ctx, userBucket, "deep/er/a b[1].txt", nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, "hello", string(b))

	resp, err = c.Raw().GetBucketRootMetadata(ctx, userBucket, nil)
	require.NoError(t, err)
	root, err := dialapi.ParseGetBucketRootMetadataResponse(resp)
	require.NoError(t, err)
	require.Equal(t, 200, root.StatusCode())
	require.Len(t, root.JSON200.Items, 1)

	for _, r := range srv.Requests() {
		require.NotContains(t, strings.ToUpper(r.Path), "%2F")
		if r.Operation == "getFileMetadata" || r.Operation == "downloadFile" {
			require.True(t, strings.HasPrefix(r.PathParams["path"], "deep/"), r.PathParams["path"])
		}
	}

	// A %2F inside one segment is refused, as DIAL Core does.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/files/"+userBucket+"/deep%2Fer/x", nil)
	require.NoError(t, err)
	req.Header.Set("Api-Key", dialtest.APIKey)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 400, resp.StatusCode)
}

// TestUploadRetry: a seekable body is re-sent after a retryable failure; a
// plain reader is sent once.
func TestUploadRetry(t *testing.T) {
	srv, c := newClient(t, nil, option.WithMaxRetries(2))
	ctx := context.Background()
	_, err := c.Home(ctx)
	require.NoError(t, err)
	srv.InjectFault(emulator.Fault{Method: "PUT", Nth: 1, Status: 503})
	// An unconditional upload creates work (x-retry: unsafe-unless-precondition):
	// its 503 is retried only with the opt-in.
	m, err := c.Files.Upload(ctx, "r/seek.txt", strings.NewReader("seekable"), nil, option.WithRetryUnsafe())
	require.NoError(t, err)
	data, _, _ := srv.File(dialtest.DefaultUser, "r/seek.txt")
	require.Equal(t, "seekable", string(data))
	require.NotEmpty(t, m.ETag)

	srv.InjectFault(emulator.Fault{Method: "PUT", Nth: 1, Status: 503})
	_, err = c.Files.Upload(ctx, "r/once.txt", io.MultiReader(strings.NewReader("once")), nil, option.WithRetryUnsafe())
	var ae *apierror.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, 503, ae.StatusCode)
}

// TestRawFileOperations: every file operation of the generated client takes
// a decoded path and sends it as encoded segments joined by "/" (upload and
// delete included); paths that would leave the bucket or change the bucket
// ("..", ".", empty segments, a "/" in the bucket) fail before any request.
func TestRawFileOperations(t *testing.T) {
	var mu sync.Mutex
	var wire []string // escaped paths as sent
	srv, c := newClient(t, nil, option.WithMaxRetries(0), option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		mu.Lock()
		wire = append(wire, r.URL.EscapedPath())
		mu.Unlock()
		return next(r)
	}))
	ctx := context.Background()
	raw := c.Raw()

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("file", "a b&c.txt")
	require.NoError(t, err)
	_, err = part.Write([]byte("raw upload"))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	resp, err := raw.UploadFileWithBody(ctx, userBucket, "x/y z/a b&c.txt", nil, mw.FormDataContentType(), &body)
	require.NoError(t, err)
	up, err := dialapi.ParseUploadFileResponse(resp)
	require.NoError(t, err)
	require.Equal(t, 200, up.StatusCode(), string(up.Body))
	data, _, ok := srv.File(dialtest.DefaultUser, "x/y z/a b&c.txt")
	require.True(t, ok)
	require.Equal(t, "raw upload", string(data))

	resp, err = raw.DeleteFile(ctx, userBucket, "x/y z/a b&c.txt", nil)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, 200, resp.StatusCode)
	_, _, ok = srv.File(dialtest.DefaultUser, "x/y z/a b&c.txt")
	require.False(t, ok)
	for _, r := range srv.Requests() {
		require.Equal(t, "x/y z/a b&c.txt", r.PathParams["path"])
	}
	require.Equal(t, []string{"/v1/files/" + userBucket + "/x/y%20z/a%20b%26c.txt", "/v1/files/" + userBucket + "/x/y%20z/a%20b%26c.txt"}, wire)

	srv.ResetRequests()
	bad := []struct{ bucket, path string }{
		{userBucket, "../" + dialtest.BucketOf("other") + "/a.txt"},
		{userBucket, "a/../../b.txt"},
		{userBucket, "a/./b.txt"},
		{userBucket, "a//b.txt"},
		{userBucket, "/a.txt"},
		{userBucket + "/a", "b.txt"},
		{"", "b.txt"},
	}
	for _, tt := range bad {
		var ie *apierror.InputError
		_, err := raw.DownloadFile(ctx, tt.bucket, tt.path, nil)
		require.ErrorAs(t, err, &ie, "%s %s", tt.bucket, tt.path)
		_, err = raw.DeleteFile(ctx, tt.bucket, tt.path, nil)
		require.ErrorAs(t, err, &ie)
		_, err = raw.GetFileMetadata(ctx, tt.bucket, tt.path, nil)
		require.ErrorAs(t, err, &ie)
	}
	require.Empty(t, srv.Requests(), "no request for a path that leaves the bucket")
}

// TestUploadTypedNilReader: a nil pointer inside the io.Reader is a nil
// reader too; it used to panic (in Len, or in the body goroutine, taking
// the process down) or fail after the request had started.
func TestUploadTypedNilReader(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	_, err := c.Home(ctx)
	require.NoError(t, err)
	srv.ResetRequests()
	for _, r := range []io.Reader{(*bytes.Reader)(nil), (*strings.Reader)(nil), (*bytes.Buffer)(nil), (*os.File)(nil)} {
		var ie *apierror.InputError
		require.NotPanics(t, func() {
			_, err = c.Files.Upload(ctx, "a.txt", r, nil)
		})
		require.ErrorAs(t, err, &ie, "%T", r)
	}
	require.Empty(t, srv.Requests())
}

// TestHomePerCallIdentity: the cached bucket belongs to the client's own
// credentials and base URL. A call with other credentials (or another DIAL)
// looks its bucket up without using or filling the cache; it used to
// resolve home-relative paths into the client's bucket (403) or, called
// first, to cache another user's bucket for the client.
func TestHomePerCallIdentity(t *testing.T) {
	srv := dialtest.NewServer(t, dialtest.WithAPIKey("ka", "alice"), dialtest.WithAPIKey("kb", "bob"))
	other := dialtest.NewServer(t, dialtest.WithAPIKey("ka", "alice"))
	ctx := context.Background()
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey("ka"))
	require.NoError(t, err)

	// First call with bob's key: bob's bucket, not cached for alice.
	m, err := c.Files.Upload(ctx, "b.txt", strings.NewReader("bob"), nil, option.WithAPIKey("kb"))
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("bob"), m.Bucket)
	h, err := c.Home(ctx)
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("alice"), h.Bucket())

	// Cache filled with alice's bucket: bob's call still uses bob's.
	m, err = c.Files.Upload(ctx, "b2.txt", strings.NewReader("bob"), nil, option.WithAPIKey("kb"))
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("bob"), m.Bucket)
	for it, err := range c.Files.List(ctx, "", nil, option.WithAPIKey("kb")) {
		require.NoError(t, err)
		require.Equal(t, dialtest.BucketOf("bob"), it.Bucket)
	}
	b, err := c.Bucket(ctx, option.WithAPIKey("kb"))
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("bob"), b.Bucket)
	h, err = c.Home(ctx)
	require.NoError(t, err)
	require.Equal(t, dialtest.BucketOf("alice"), h.Bucket())

	// Another base URL: the lookup goes there.
	_, err = c.Home(ctx, option.WithBaseURL(other.URL))
	require.NoError(t, err)
	require.Len(t, other.Requests(), 1)
	require.Empty(t, srv.Violations())
	require.Empty(t, other.Violations())
}

// TestJoinEncodesReserved: a home-relative path is a path, not a URL, so "#"
// and "?" are name characters and are encoded like every other reserved
// character (reference table: a#b.txt -> a%23b.txt, a?b.txt -> a%3Fb.txt);
// they used to be refused as a query or fragment.
func TestJoinEncodesReserved(t *testing.T) {
	home, err := dial.ParseFileURL("files/b1/")
	require.NoError(t, err)
	for raw, want := range map[string]string{
		"a#b.txt": "files/b1/a%23b.txt", "a?b.txt": "files/b1/a%3Fb.txt", "d?/x#1/": "files/b1/d%3F/x%231/",
		"a%23b.txt": "files/b1/a%23b.txt",
	} {
		u, err := home.Join(raw)
		require.NoError(t, err, raw)
		require.Equal(t, want, u.String())
	}
	srv, c := newClient(t, nil)
	ctx := context.Background()
	m, err := c.Files.Upload(ctx, "q/a#b?.txt", strings.NewReader("x"), nil)
	require.NoError(t, err)
	require.Equal(t, "a#b?.txt", m.Name)
	_, _, ok := srv.File(dialtest.DefaultUser, "q/a#b?.txt")
	require.True(t, ok)
	d, err := c.Files.Download(ctx, m.URL, nil)
	require.NoError(t, err)
	require.NoError(t, d.Close())
}

// TestDownloadAndListFailures: a download cut mid-body fails in Bytes and
// WriteToFile (which removes the partial file); a listing whose server
// repeats a page token stops with an error instead of looping.
func TestDownloadAndListFailures(t *testing.T) {
	srv, c := newClient(t, []dialtest.Option{dialtest.WithEmulatorOptions(emukit.WithValidateResponses(false))}, option.WithMaxRetries(0))
	ctx := context.Background()
	srv.PutPatternFile(dialtest.DefaultUser, "cut/big.bin", "application/octet-stream", 1<<20)
	srv.InjectFault(emulator.Fault{Path: "/v1/files/{bucket}/{path}", Times: 2, DropAfter: 1000})
	d, err := c.Files.Download(ctx, "cut/big.bin", nil)
	require.NoError(t, err)
	_, err = d.Bytes()
	require.Error(t, err)
	d, err = c.Files.Download(ctx, "cut/big.bin", nil)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "big.bin")
	require.Error(t, d.WriteToFile(out))
	_, err = os.Stat(out)
	require.True(t, os.IsNotExist(err), "the partial file is removed")

	pages := 0
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages++
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"bucket":"b1","url":"files/b1/d/","nodeType":"FOLDER","resourceType":"FILE",`+
			`"items":[{"name":"x","bucket":"b1","url":"files/b1/d/x","nodeType":"ITEM","resourceType":"FILE"}],"nextToken":"same"}`)
	}))
	defer loop.Close()
	lc, err := dial.NewClient(option.WithBaseURL(loop.URL), option.WithAPIKey("k"))
	require.NoError(t, err)
	n := 0
	var last error
	for _, err := range lc.Files.List(ctx, "files/b1/d/", nil) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	require.ErrorContains(t, last, "repeated a page token")
	require.Equal(t, 2, pages)
	require.Equal(t, 2, n)
}

// TestHomeWaiterCancel: a caller waiting for another's bucket lookup leaves
// when its own context ends; the lookup still completes once for everyone.
func TestHomeWaiterCancel(t *testing.T) {
	srv, c := newClient(t, nil)
	srv.InjectFault(emulator.Fault{Path: "/v1/bucket", Nth: 1, Delay: 300 * time.Millisecond})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() {
		_, err := c.Home(ctx)
		first <- err
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 2*time.Second, 5*time.Millisecond)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Home(wctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 250*time.Millisecond, "the waiter did not wait for the slow lookup")
	require.NoError(t, <-first)
	_, err = c.Home(ctx)
	require.NoError(t, err)
	require.Len(t, srv.Requests(), 1)
}

// TestInvalidHomeRelativeNoLookup: an invalid home-relative path is refused
// before anything is sent; it used to look the bucket up first.
func TestInvalidHomeRelativeNoLookup(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	for _, p := range []string{"a/../b.txt", "a//b.txt", "./x", "a/{b}.txt", "a\x01"} {
		var ue *dial.InvalidURLError
		_, err := c.Files.Upload(ctx, p, strings.NewReader("x"), nil)
		require.ErrorAs(t, err, &ue, p)
		_, err = c.Files.URL(ctx, p)
		require.ErrorAs(t, err, &ue, p)
	}
	require.Empty(t, srv.Requests(), "not even the bucket lookup")
}

// TestBadParamsNoLookup: header values with line breaks are refused before
// the bucket lookup of a home-relative path (they used to be checked after
// it).
func TestBadParamsNoLookup(t *testing.T) {
	srv, c := newClient(t, nil)
	ctx := context.Background()
	var ie *apierror.InputError
	_, err := c.Files.Upload(ctx, "a.txt", strings.NewReader("x"), &dial.UploadParams{IfMatch: "e\r\nX-Evil: 1"})
	require.ErrorAs(t, err, &ie)
	_, err = c.Files.Upload(ctx, "a.txt", strings.NewReader("x"), &dial.UploadParams{ContentType: "text/plain\n"})
	require.ErrorAs(t, err, &ie)
	_, err = c.Files.Download(ctx, "a.txt", &dial.DownloadParams{IfMatch: "e\n"})
	require.ErrorAs(t, err, &ie)
	err = c.Files.Delete(ctx, "a.txt", &dial.DeleteParams{IfMatch: "e\x00"})
	require.ErrorAs(t, err, &ie)
	require.Empty(t, srv.Requests())
}
