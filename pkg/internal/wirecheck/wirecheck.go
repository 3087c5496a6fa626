// Package wirecheck guards the rule that a service package's wire types are
// the generated ones: it reads the Go source of a pkg/<svc> package and of
// its gen/<svc>api package and reports every exported type of the service
// package that copies a generated type instead of aliasing it, and every
// hand-written JSON struct tag beyond a small, explained set.
//
// Each service calls Check from a test, so the test fails the day someone
// writes a hand copy of a spec schema.
package wirecheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Rules says what a service package may write by hand.
type Rules struct {
	// Dir is the service package's directory (e.g. ".").
	Dir string
	// GenDir is the generated package's directory (e.g. "../../gen/dialapi").
	GenDir string
	// MaxJSONTags is the most `json:"…"` struct tags the package's non-test
	// files may hold.
	MaxJSONTags int
	// HandWritten names the exported types that carry JSON tags although
	// they are not aliases, each with the reason the spec cannot describe
	// them (a real union, an SDK-side value the wire never sees).
	HandWritten map[string]string
}

// Report is what Check found.
type Report struct {
	// JSONTags counts the `json:"…"` struct tags in non-test files.
	JSONTags int
	// Aliases lists the exported aliases of generated types.
	Aliases []string
	// Problems lists every rule broken, one line each.
	Problems []string
}

// Check applies r to the package in r.Dir.
func Check(r Rules) (Report, error) {
	genTypes, err := exportedTypes(r.GenDir)
	if err != nil {
		return Report{}, err
	}
	fset := token.NewFileSet()
	files, err := goFiles(r.Dir)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	genPkg := filepath.Base(r.GenDir)
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return Report{}, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			st, ok := n.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fld := range st.Fields.List {
				if fld.Tag != nil && hasJSONTag(fld.Tag.Value) {
					rep.JSONTags++
				}
			}
			return true
		})
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				if !ts.Name.IsExported() {
					continue
				}
				name := ts.Name.Name
				if ts.Assign.IsValid() {
					if sel, ok := ts.Type.(*ast.SelectorExpr); ok {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == genPkg {
							rep.Aliases = append(rep.Aliases, name)
						}
					}
					continue
				}
				if genTypes[name] {
					rep.Problems = append(rep.Problems, name+": a generated type of that name exists in "+genPkg+"; alias it ("+"type "+name+" = "+genPkg+"."+name+") instead of copying it")
					continue
				}
				if st, ok := ts.Type.(*ast.StructType); ok && structHasJSON(st) {
					if _, ok := r.HandWritten[name]; !ok {
						rep.Problems = append(rep.Problems, name+": a hand-written JSON type; describe it in the spec and alias the generated type, or list it in HandWritten with the reason the spec cannot")
					}
				}
			}
		}
	}
	if r.MaxJSONTags > 0 && rep.JSONTags > r.MaxJSONTags {
		rep.Problems = append(rep.Problems, "hand-written json struct tags: "+itoa(rep.JSONTags)+", more than the "+itoa(r.MaxJSONTags)+" allowed")
	}
	sort.Strings(rep.Aliases)
	return rep, nil
}

func structHasJSON(st *ast.StructType) bool {
	for _, fld := range st.Fields.List {
		if fld.Tag != nil && hasJSONTag(fld.Tag.Value) {
			return true
		}
	}
	return false
}

func hasJSONTag(lit string) bool {
	tag := reflect.StructTag(strings.Trim(lit, "`"))
	_, ok := tag.Lookup("json")
	return ok
}

// goFiles lists the non-test .go files of dir.
func goFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		out = append(out, filepath.Join(dir, n))
	}
	return out, nil
}

// exportedTypes returns the names of the exported types declared in dir.
func exportedTypes(dir string) (map[string]bool, error) {
	files, err := goFiles(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	out := map[string]bool{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
					out[ts.Name.Name] = true
				}
			}
		}
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
