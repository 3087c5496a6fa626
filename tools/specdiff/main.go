// Command specdiff is the spec change control of aiclients/sdk-go: it
// compares each specs/<svc>.yaml with the bundle of the last released
// version (crosslang/released/<svc>.yaml), lists the changes that would
// break a user of the published bundles or of clients generated from them,
// and fails when a breaking change comes without a new version in
// crosslang/release.json and a changelog entry for it.
//
// Usage (from the repo root; `make spec-diff` runs it):
//
//	go run ./tools/specdiff -repo . dial infsh vectorvein dragoneye
//
// It lives in a module of its own so that its dependency (oasdiff, the
// OpenAPI diff library made for this) never enters the SDK's module graph.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

func main() {
	repo := flag.String("repo", ".", "the repository root")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: specdiff [-repo DIR] SERVICE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, *repo, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "specdiff:", err)
		os.Exit(1)
	}
}

// release is what crosslang/release.json says.
type release struct {
	Version   string `json:"version"`
	Changelog []struct {
		Version string `json:"version"`
		Note    string `json:"note"`
	} `json:"changelog"`
}

// run diffs every service and reports; it fails when any service has a
// breaking change that the release file does not account for.
func run(w io.Writer, repo string, services []string) error {
	rel, err := readRelease(filepath.Join(repo, "crosslang", "release.json"))
	if err != nil {
		return err
	}
	var failures []string
	for _, svc := range services {
		base := filepath.Join(repo, "crosslang", "released", svc+".yaml")
		rev := filepath.Join(repo, "specs", svc+".yaml")
		released, breaking, err := compare(base, rev)
		if err != nil {
			return fmt.Errorf("%s: %w", svc, err)
		}
		fmt.Fprintf(w, "%s: %d breaking change(s) since the released %s\n", svc, len(breaking), released)
		for _, b := range breaking {
			fmt.Fprintf(w, "  - %s\n", b)
		}
		if len(breaking) == 0 {
			continue
		}
		switch {
		case rel.Version == released:
			failures = append(failures, fmt.Sprintf("%s breaks users of the released %s, but crosslang/release.json still says %s: bump its version (and sdk.Version) and add a changelog entry", svc, released, rel.Version))
		case !rel.hasEntry(rel.Version):
			failures = append(failures, fmt.Sprintf("%s breaks users of the released %s: crosslang/release.json needs a changelog entry for %s that says so", svc, released, rel.Version))
		}
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "\n"))
	}
	fmt.Fprintf(w, "specdiff: every breaking change is released as %s with a changelog entry\n", rel.Version)
	return nil
}

func readRelease(path string) (release, error) {
	var r release
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	if r.Version == "" {
		return r, fmt.Errorf("%s: no version", path)
	}
	return r, nil
}

func (r release) hasEntry(version string) bool {
	for _, e := range r.Changelog {
		if e.Version == version && strings.TrimSpace(e.Note) != "" {
			return true
		}
	}
	return false
}

// compare returns the released bundle's version and the breaking changes
// from it to the spec at rev, one line each.
func compare(base, rev string) (string, []string, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	s1, err := load.NewSpecInfo(loader, load.NewSource(base))
	if err != nil {
		return "", nil, fmt.Errorf("loading the released bundle %s: %w", base, err)
	}
	s2, err := load.NewSpecInfo(loader, load.NewSource(rev))
	if err != nil {
		return "", nil, fmt.Errorf("loading %s: %w", rev, err)
	}
	version := ""
	if s1.Spec != nil && s1.Spec.Info != nil {
		version = s1.Spec.Info.Version
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), s1, s2)
	if err != nil {
		return "", nil, fmt.Errorf("diffing: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.ERR)
	l := checker.NewDefaultLocalizer()
	var out []string
	for _, c := range changes {
		if c.GetLevel() < checker.ERR {
			continue
		}
		where := strings.TrimSpace(c.GetOperation() + " " + c.GetPath())
		if where == "" {
			where = c.GetSection()
		}
		out = append(out, where+": "+c.GetUncolorizedText(l))
	}
	return version, out, nil
}
