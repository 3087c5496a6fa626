// Package wirecheck guards the rule that a service package's wire types are
// the ones generated from its spec. Each pkg/<svc> has its models generated
// into it (models.gen.go, from specs/<svc>.yaml); Check reads the package's
// Go source and reports
//   - a type the rules name as generated that is not declared in a *.gen.go
//     file (someone replaced it with a hand-written copy),
//   - an exported hand-written struct with JSON tags that the rules do not
//     list with the reason the spec cannot describe it,
//   - more hand-written `json:"…"` tags than the rules allow.
//
// Each service calls Check from a test, so the test fails the day someone
// writes a hand copy of a spec schema.
package wirecheck

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Rules says what a service package may write by hand.
type Rules struct {
	// Dir is the service package's directory (e.g. ".").
	Dir string
	// Generated names types that must be declared in a *.gen.go file of Dir:
	// the request and response types the package's calls take and return.
	Generated []string
	// MaxJSONTags is the most `json:"…"` struct tags the package's
	// hand-written (non-test, non-generated) files may hold.
	MaxJSONTags int
	// HandWritten names the exported types that carry JSON tags although
	// they are not generated, each with the reason the spec cannot describe
	// them (a real union, an SDK-side value the wire never sees).
	HandWritten map[string]string
}

// Report is what Check found.
type Report struct {
	// JSONTags counts the `json:"…"` struct tags in hand-written files.
	JSONTags int
	// GeneratedTypes lists the exported types declared in *.gen.go files.
	GeneratedTypes []string
	// Problems lists every rule broken, one line each.
	Problems []string
}

// Check applies r to the package in r.Dir.
func Check(r Rules) (Report, error) {
	files, err := goFiles(r.Dir)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	generated := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return Report{}, err
		}
		if strings.HasSuffix(name, ".gen.go") {
			if !ast.IsGenerated(f) {
				rep.Problems = append(rep.Problems, filepath.Base(name)+": has no \"Code generated … DO NOT EDIT.\" header; *.gen.go files come from `make generate` only")
			}
			for _, ts := range typeSpecs(f) {
				if ts.Name.IsExported() {
					generated[ts.Name.Name] = true
				}
			}
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if st, ok := n.(*ast.StructType); ok {
				rep.JSONTags += jsonTags(st)
			}
			return true
		})
		for _, ts := range typeSpecs(f) {
			if !ts.Name.IsExported() || ts.Assign.IsValid() {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok || jsonTags(st) == 0 {
				continue
			}
			if _, ok := r.HandWritten[ts.Name.Name]; !ok {
				rep.Problems = append(rep.Problems, ts.Name.Name+": a hand-written JSON type; describe it in the spec and use the generated type, or list it in HandWritten with the reason the spec cannot")
			}
		}
	}
	for _, name := range r.Generated {
		if !generated[name] {
			rep.Problems = append(rep.Problems, name+": not declared by a *.gen.go file; it must be the type generated from the spec")
		}
	}
	for name := range generated {
		rep.GeneratedTypes = append(rep.GeneratedTypes, name)
	}
	sort.Strings(rep.GeneratedTypes)
	if len(rep.GeneratedTypes) == 0 {
		rep.Problems = append(rep.Problems, "no *.gen.go file declares a type: the package's models are not generated into it")
	}
	if r.MaxJSONTags > 0 && rep.JSONTags > r.MaxJSONTags {
		rep.Problems = append(rep.Problems, fmt.Sprintf("hand-written json struct tags: %d, more than the %d allowed", rep.JSONTags, r.MaxJSONTags))
	}
	return rep, nil
}

// Error returns the report's problems as one error, or nil.
func (r Report) Error() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return errors.New("wire types are not the generated ones:\n  " + strings.Join(r.Problems, "\n  "))
}

func typeSpecs(f *ast.File) []*ast.TypeSpec {
	var out []*ast.TypeSpec
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			out = append(out, s.(*ast.TypeSpec))
		}
	}
	return out
}

func jsonTags(st *ast.StructType) int {
	n := 0
	for _, fld := range st.Fields.List {
		if fld.Tag == nil {
			continue
		}
		if _, ok := reflect.StructTag(strings.Trim(fld.Tag.Value, "`")).Lookup("json"); ok {
			n++
		}
	}
	return n
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
