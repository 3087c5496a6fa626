package sdk

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestReadmeGoBlocksCompile type-checks every ```go block of README.md.
// Each block must follow a line
//
//	<!-- check: ctx context.Context, client *dial.Client -->
//
// naming the variables the block uses without declaring them. The block
// becomes the body of func snippet(<those>) error in a package of its own,
// inside a scratch module that requires this one (replace directive), and
// `go vet` checks it. "{ … }" and "{ ... }" in a block stand for elided
// code. Errors point at README.md lines.
func TestReadmeGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a scratch module with go vet")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block")
	}
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module readmecheck\n\ngo 1.25\n\nrequire github.com/aiclients/sdk-go v0.0.0\n\nreplace github.com/aiclients/sdk-go => " + root + "\n"
	write(t, filepath.Join(dir, "go.mod"), gomod)
	write(t, filepath.Join(dir, "go.sum"), string(sum))
	for i, b := range blocks {
		if b.params == "" && !b.annotated {
			t.Errorf("README.md:%d: a Go block without a <!-- check: … --> line before it", b.line)
			continue
		}
		write(t, filepath.Join(dir, fmt.Sprintf("b%02d", i+1), "main.go"), b.program())
	}
	if t.Failed() {
		return
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README.md Go blocks do not compile:\n%s", out)
	}
}

type readmeBlock struct {
	file      string // where the block is, for errors ("" = README.md)
	line      int    // line of the first line of code in file
	annotated bool
	params    string
	body      []string
}

var checkLine = regexp.MustCompile(`^<!-- check:(.*)-->\s*$`)

func readmeBlocks(path string) ([]readmeBlock, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	var out []readmeBlock
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		b := readmeBlock{line: i + 2}
		if i > 0 {
			if m := checkLine.FindStringSubmatch(lines[i-1]); m != nil {
				b.annotated, b.params = true, strings.TrimSpace(m[1])
			}
		}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b.body = append(b.body, lines[i])
		}
		out = append(out, b)
	}
	return out, nil
}

// knownImports maps the package names a README block may use to their paths.
var knownImports = map[string]string{
	"context": "context", "errors": "errors", "fmt": "fmt", "io": "io", "log": "log",
	"os": "os", "time": "time", "http": "net/http", "strings": "strings", "testing": "testing",
	"json": "encoding/json", "slog": "log/slog",
	"sdk":            "github.com/aiclients/sdk-go",
	"option":         "github.com/aiclients/sdk-go/pkg/option",
	"apierror":       "github.com/aiclients/sdk-go/pkg/apierror",
	"stream":         "github.com/aiclients/sdk-go/pkg/stream",
	"poll":           "github.com/aiclients/sdk-go/pkg/poll",
	"dial":           "github.com/aiclients/sdk-go/pkg/dial",
	"dialtest":       "github.com/aiclients/sdk-go/pkg/dial/dialtest",
	"dialapi":        "github.com/aiclients/sdk-go/gen/dialapi",
	"infsh":          "github.com/aiclients/sdk-go/pkg/infsh",
	"infshtest":      "github.com/aiclients/sdk-go/pkg/infsh/infshtest",
	"vectorvein":     "github.com/aiclients/sdk-go/pkg/vectorvein",
	"vectorveintest": "github.com/aiclients/sdk-go/pkg/vectorvein/vectorveintest",
	"dragoneye":      "github.com/aiclients/sdk-go/pkg/dragoneye",
	"dragoneyetest":  "github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest",
	"emulator":       "github.com/aiclients/sdk-go/pkg/emulator",
	"core":           "github.com/aiclients/sdk-go/pkg/internal/core", // doc comments only
}

var (
	importBlock = regexp.MustCompile(`(?s)^import \(.*?\n\)\n?`)
	elided      = regexp.MustCompile(`\{ (…|\.\.\.) \}`)
	elidedLoop  = regexp.MustCompile(`for (\w+), (\w+) := range (.*)\{ (?:…|\.\.\.) \}`)
	declared    = regexp.MustCompile(`^([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) :=`)
	declaredVar = regexp.MustCompile(`^var ([A-Za-z_]\w*)`)
	qualified   = regexp.MustCompile(`\b([a-z]\w*)\.[A-Z]`)
	lineComment = regexp.MustCompile(`//.*$`)
)

// fillElisions replaces the elided code "{ … }" of a block with code that
// compiles: a loop whose body is elided uses its variables there.
func fillElisions(body string) string {
	body = elidedLoop.ReplaceAllStringFunc(body, func(m string) string {
		g := elidedLoop.FindStringSubmatch(m)
		var use []string
		for _, v := range g[1:3] {
			if v != "_" {
				use = append(use, v)
			}
		}
		fill := ""
		if len(use) > 0 {
			fill = strings.Repeat("_, ", len(use)-1) + "_ = " + strings.Join(use, ", ")
		}
		return "for " + g[1] + ", " + g[2] + " := range " + g[3] + "{ " + fill + " }"
	})
	return elided.ReplaceAllString(body, `{ panic("elided") }`)
}

// program is the block as a main package: imports found from the package
// names it uses, the block as the body of snippet, every variable it
// declares at its top level used once (a README fragment need not use them).
func (b readmeBlock) program() string {
	body := fillElisions(importBlock.ReplaceAllString(strings.Join(b.body, "\n"), ""))
	used := map[string]bool{}
	var names []string
	seen := map[string]bool{}
	for _, l := range strings.Split(b.params+"\n"+body, "\n") {
		code := lineComment.ReplaceAllString(l, "")
		code = regexp.MustCompile(`"(\\.|[^"\\])*"`).ReplaceAllString(code, `""`)
		for _, m := range qualified.FindAllStringSubmatch(code, -1) {
			if _, ok := knownImports[m[1]]; ok {
				used[m[1]] = true
			}
		}
		for _, re := range []*regexp.Regexp{declared, declaredVar} {
			if m := re.FindStringSubmatch(l); m != nil {
				for _, n := range strings.Split(m[1], ", ") {
					if n != "_" && !seen[n] {
						seen[n] = true
						names = append(names, n)
					}
				}
			}
		}
	}
	var imports []string
	for name := range used {
		imports = append(imports, fmt.Sprintf("\t%s %q", name, knownImports[name]))
	}
	sort.Strings(imports)
	var sb strings.Builder
	sb.WriteString("package main\n\nimport (\n" + strings.Join(imports, "\n") + "\n)\n\n")
	sb.WriteString("func snippet(" + b.params + ") error {\n")
	file := b.file
	if file == "" {
		file = "README.md"
	}
	fmt.Fprintf(&sb, "//line %s:%d\n", file, b.line)
	sb.WriteString(body + "\n")
	for _, n := range names {
		sb.WriteString("\t_ = " + n + "\n")
	}
	sb.WriteString("\treturn nil\n}\n\nfunc main() { _ = snippet }\n")
	return sb.String()
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
