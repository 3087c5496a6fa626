package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const baseSpec = `openapi: 3.0.3
info: {title: t, version: 1.0.0}
paths:
  /things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties: {id: {type: string}, name: {type: string}}
  /things:
    post:
      operationId: createThing
      responses:
        "201": {description: created}
`

// repo lays out a scratch repository: the released bundle, the current spec
// and release.json.
func repo(t *testing.T, rev, releaseJSON string) string {
	t.Helper()
	dir := t.TempDir()
	for path, content := range map[string]string{
		"crosslang/released/x.yaml": baseSpec,
		"specs/x.yaml":              rev,
		"crosslang/release.json":    releaseJSON,
	} {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSpecDiff(t *testing.T) {
	// A breaking change made on purpose: an operation removed and a
	// response property removed.
	broken := strings.Replace(baseSpec, `  /things:
    post:
      operationId: createThing
      responses:
        "201": {description: created}
`, "", 1)
	broken = strings.Replace(broken, `, name: {type: string}}`, `}`, 1)
	if broken == baseSpec {
		t.Fatal("the test did not change the spec")
	}
	tests := []struct {
		name, rev, release, wantErr string
	}{
		{"unchanged", baseSpec, `{"version": "1.0.0", "changelog": [{"version": "1.0.0", "note": "first"}]}`, ""},
		{"breaking without a bump", broken, `{"version": "1.0.0", "changelog": [{"version": "1.0.0", "note": "first"}]}`, "bump its version"},
		{"breaking, bumped, no entry", broken, `{"version": "1.1.0", "changelog": [{"version": "1.0.0", "note": "first"}]}`, "needs a changelog entry for 1.1.0"},
		{"breaking, bumped, with entry", broken, `{"version": "1.1.0", "changelog": [{"version": "1.1.0", "note": "removed createThing"}, {"version": "1.0.0", "note": "first"}]}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(&out, repo(t, tc.rev, tc.release), []string{"x"})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v\n%s", err, out.String())
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q\n%s", err, tc.wantErr, out.String())
			}
			if tc.rev == broken && !strings.Contains(out.String(), "POST /things") {
				t.Errorf("the removed operation is not listed:\n%s", out.String())
			}
		})
	}
}
