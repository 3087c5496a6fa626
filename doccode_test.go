package sdk

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocCommentCodeCompiles type-checks the Go code shown in doc comments:
// every indented block of a package, declaration or field doc in the Go
// files of this module that are neither tests nor generated. A block that
// parses as Go statements becomes the body of a function (as a README block
// does, see readmeBlock.program), in a package placed with -overlay under
// pkg/ so that internal packages resolve, and `go build` compiles it. The
// variables a block uses without declaring them get the types of docVars.
// A block that does not parse is an error when it has a line only Go would
// have (see goLine); else it is not Go (usage lines, wire formats) and is
// skipped. Errors point at the doc comment's lines.
func TestDocCommentCodeCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the snippets with go build")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := docBlocks(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	for i, b := range blocks {
		if perr := parsesAsGo(b.code); perr != nil {
			if looksLikeGo(b.code) {
				t.Errorf("%s:%d: a doc comment's Go code does not parse: %v", b.file, b.line, perr)
			}
			continue // not Go: a usage line, a wire format, a fragment
		}
		rb := readmeBlock{file: b.file, line: b.line, annotated: true, params: docParams(b.code), body: strings.Split(b.code, "\n")}
		src := strings.Replace(rb.program(), "package main", "package doccheck", 1)
		name := fmt.Sprintf("b%02d", i+1)
		real := filepath.Join(tmp, name+".go")
		write(t, real, src)
		overlay[filepath.Join(root, "pkg", "zzdoccheck", name, "doc.go")] = real
		pkgs = append(pkgs, "./pkg/zzdoccheck/"+name)
	}
	if len(pkgs) == 0 {
		t.Fatal("no doc comment shows Go code: the extraction is broken")
	}
	data, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	ovl := filepath.Join(tmp, "overlay.json")
	write(t, ovl, string(data))
	cmd := exec.Command("go", append([]string{"build", "-overlay=" + ovl}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("code in doc comments does not compile:\n%s", out)
	}
}

// goLine matches a line that only Go would have: a declaration or
// assignment, a statement keyword, a call or a composite literal of a
// (qualified) name standing alone. Usage lines, shell commands, wire
// formats (JSON, YAML, HTTP) and prose have none.
var goLine = regexp.MustCompile(`^\s*(?:[A-Za-z_]\w*(?:, [A-Za-z_]\w*)* :?= |(?:for|if|var|func|defer|return|switch|select)\b|[A-Za-z_][\w.]*(?:\[[\w.]+\])?[({])`)

// looksLikeGo reports whether code has a line only Go would have.
func looksLikeGo(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		if goLine.MatchString(l) {
			return true
		}
	}
	return false
}

// parsesAsGo reports whether code, with its elisions filled in as
// readmeBlock.program does, parses as the body of a function.
func parsesAsGo(code string) error {
	_, err := parser.ParseFile(token.NewFileSet(), "snippet.go", "package p\nfunc _() {\n"+fillElisions(code)+"\n}\n", parser.SkipObjectResolution)
	return err
}

// docVars are the variables doc comments' code may use without declaring
// them, with their types.
var docVars = [][2]string{
	{"ctx", "context.Context"},
	{"t", "*testing.T"},
	{"err", "error"},
	{"u", "string"},
	{"k", "string"},
	{"id", "string"},
	{"req", "*dial.ChatCompletionRequest"},
	{"opts", "[]option.RequestOption"},
	{"parse", "apierror.BodyParser"},
	{"c", "*core.Client"},
	{"raw", "*dialapi.Client"},
	{"s", "*stream.Stream[int]"},
	{"use", "func(any)"},
}

var stringLit = regexp.MustCompile(`"(\\.|[^"\\])*"|` + "`[^`]*`")

// docParams is the parameter list of the snippet made of code: the docVars
// it uses and does not declare at its top level.
func docParams(code string) string {
	declaredHere := map[string]bool{}
	var text strings.Builder
	for _, l := range strings.Split(code, "\n") {
		for _, re := range []*regexp.Regexp{declared, declaredVar} {
			if m := re.FindStringSubmatch(l); m != nil {
				for _, n := range strings.Split(m[1], ", ") {
					declaredHere[n] = true
				}
			}
		}
		text.WriteString(stringLit.ReplaceAllString(lineComment.ReplaceAllString(l, ""), `""`) + "\n")
	}
	var params []string
	for _, v := range docVars {
		used := regexp.MustCompile(`(^|[^.\w])` + v[0] + `\b`).MatchString(text.String())
		if used && !declaredHere[v[0]] {
			params = append(params, v[0]+" "+v[1])
		}
	}
	return strings.Join(params, ", ")
}

// docBlock is one indented code block of a doc comment.
type docBlock struct {
	file string // slash path from the module root
	pkg  string // the package's name
	line int    // of the block's first line
	code string
}

// docBlocks returns the code blocks of the doc comments (package, type,
// function, method, constant, variable and field docs) of the Go files under
// root that are neither tests nor generated.
func docBlocks(root string) ([]docBlock, error) {
	var out []docBlock
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules" || name == "gen") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		var groups []*ast.CommentGroup
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.File:
				groups = append(groups, n.Doc)
			case *ast.GenDecl:
				groups = append(groups, n.Doc)
			case *ast.FuncDecl:
				groups = append(groups, n.Doc)
			case *ast.TypeSpec:
				groups = append(groups, n.Doc)
			case *ast.ValueSpec:
				groups = append(groups, n.Doc)
			case *ast.Field:
				groups = append(groups, n.Doc)
			}
			return true
		})
		var p comment.Parser
		for _, g := range groups {
			if g == nil {
				continue
			}
			for _, b := range codeBlocks(p.Parse(g.Text())) {
				out = append(out, docBlock{file: filepath.ToSlash(rel), pkg: f.Name.Name, line: fset.Position(g.Pos()).Line + lineOf(g.Text(), b), code: b})
			}
		}
		return nil
	})
	return out, err
}

func codeBlocks(d *comment.Doc) []string {
	var out []string
	var walk func(bs []comment.Block)
	walk = func(bs []comment.Block) {
		for _, b := range bs {
			switch b := b.(type) {
			case *comment.Code:
				out = append(out, b.Text)
			case *comment.List:
				for _, it := range b.Items {
					walk(it.Content)
				}
			}
		}
	}
	walk(d.Content)
	return out
}

// lineOf is the line (0-based) of text where code's first line starts.
func lineOf(text, code string) int {
	first, _, _ := strings.Cut(code, "\n")
	for i, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == strings.TrimSpace(first) {
			return i
		}
	}
	return 0
}
