package infsh

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aiclients/sdk-go/pkg/apierror"
	"github.com/aiclients/sdk-go/pkg/option"
)

// LocalPathError is a string in a run's input (or setup) that names a file
// on this machine. The server cannot read the caller's disk, so it would
// fail the task with "file not found"; the official Python SDK uploads such
// strings by itself, this client asks for the upload to be explicit: send
// the file with Files.UploadFile and pass the returned URI, or put
// FileFromPath(path) in the input (uploaded with the run).
//
// A string counts as a local path when it names an existing regular file
// (a leading "~/" is the home directory), or, without existing, clearly has
// the form of one: it starts with "./", "../", "~/" (or ".\", "..\", a
// drive such as "C:\"), or it starts with a single "/", has no white space,
// ends in a file extension and its directory exists here ("/tmp/a.wav").
// URLs and URIs ("https://…", "inf://…", "data:…"; "file://…" is local and
// counts), multi-line text and anything longer than 4096 bytes never count.
// WithLocalPathCheck(false) turns the check off for a call or a client.
//
// It unwraps to an *apierror.InputError, so errors.As finds either.
type LocalPathError struct {
	// Field is the value's JSON path in the request: "input.image",
	// "input.frames[2]", `input["file name"]`, "setup.weights".
	Field string
	// Path is the string found there.
	Path string
	// Exists reports whether it names an existing file on this machine.
	Exists bool
}

// Error names the field and the fix.
func (e *LocalPathError) Error() string {
	what := "names a local file"
	if !e.Exists {
		what = "looks like a local file path (no such file here either)"
	}
	return fmt.Sprintf("%s: %s %s: %q; the server cannot read local files: upload it first, "+
		"up, err := client.Files.UploadFile(ctx, %q, infsh.UploadOptions{}), and pass up.URI, "+
		"or put infsh.FileFromPath(%q) in the input", ServiceName, e.Field, what, e.Path, e.Path, e.Path)
}

// Unwrap returns the error as an *apierror.InputError.
func (e *LocalPathError) Unwrap() error {
	return &apierror.InputError{Service: ServiceName, Field: e.Field, Reason: "is a local file path; upload the file and pass its URI"}
}

type pathCheckKey struct{}

// WithLocalPathCheck turns the local path check of Run, Submit,
// Sessions.Start and SessionHandle.Call on (the default) or off (see
// LocalPathError). Turn it off for an app whose input really is a path on
// its own side.
func WithLocalPathCheck(on bool) option.RequestOption {
	return func(c *option.Config) error {
		c.SetValue(pathCheckKey{}, !on)
		return nil
	}
}

// maxPathLen bounds the strings that are looked at: longer ones are text.
const maxPathLen = 4096

var (
	drivePath = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
	extension = regexp.MustCompile(`\.[A-Za-z0-9]{1,12}$`)
	scheme    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// localPath reports whether s is a local file path (see LocalPathError) and
// whether that file exists.
func localPath(s string) (local, exists bool) {
	if s == "" || len(s) > maxPathLen || strings.ContainsAny(s, "\n\r\x00") {
		return false, false
	}
	if rest, ok := strings.CutPrefix(s, "file://"); ok {
		return true, regularFile(rest)
	}
	if regularFile(s) {
		return true, true
	}
	switch {
	case drivePath.MatchString(s):
		return true, false
	case scheme.MatchString(s):
		return false, false // a URL or URI: https:, inf:, data:, mailto:, …
	case strings.HasPrefix(s, "./"), strings.HasPrefix(s, "../"), strings.HasPrefix(s, "~/"),
		strings.HasPrefix(s, `.\`), strings.HasPrefix(s, `..\`):
		return true, false
	case strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") &&
		!strings.ContainsAny(s, " \t") && extension.MatchString(s):
		st, err := os.Stat(filepath.Dir(s))
		return err == nil && st.IsDir(), false
	}
	return false, false
}

// regularFile reports whether p (with "~/" expanded) names a regular file.
func regularFile(p string) bool {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		p = filepath.Join(home, rest)
	}
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// checkLocalPaths returns a *LocalPathError for the first local path among
// the string values of the request body's members (in key order), or nil.
func checkLocalPaths(body []byte, members ...string) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil // not an object: nothing to check
	}
	for _, m := range members {
		raw, ok := top[m]
		if !ok {
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) != nil {
			continue
		}
		if err := findLocalPath(v, m, 0); err != nil {
			return err
		}
	}
	return nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func findLocalPath(v any, path string, depth int) error {
	if depth > 64 {
		return nil
	}
	switch x := v.(type) {
	case string:
		if local, exists := localPath(x); local {
			return &LocalPathError{Field: path, Path: x, Exists: exists}
		}
	case []any:
		for i, e := range x {
			if err := findLocalPath(e, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub := path + "." + k
			if !identifier.MatchString(k) {
				sub = path + "[" + strconv.Quote(k) + "]"
			}
			if err := findLocalPath(x[k], sub, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
