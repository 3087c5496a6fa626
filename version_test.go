package sdk

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// One version number means one release: the Go constant, the spec
// bundles' release.json and the newest CHANGELOG.md entry agree.
func TestVersionAgrees(t *testing.T) {
	var rel struct {
		Version   string `json:"version"`
		Changelog []struct {
			Version string `json:"version"`
		} `json:"changelog"`
	}
	b, err := os.ReadFile("crosslang/release.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rel); err != nil {
		t.Fatal(err)
	}
	if rel.Version != Version {
		t.Errorf("crosslang/release.json version %q, sdk.Version %q: bump both together", rel.Version, Version)
	}
	if len(rel.Changelog) == 0 || rel.Changelog[0].Version != Version {
		t.Errorf("crosslang/release.json has no newest changelog entry for %q", Version)
	}
	cl, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(cl), "\n") {
		if strings.HasPrefix(line, "## [") {
			if !strings.HasPrefix(line, "## ["+Version+"]") {
				t.Errorf("CHANGELOG.md's newest entry is %q, want one for %s", line, Version)
			}
			return
		}
	}
	t.Error("CHANGELOG.md has no version entry")
}
