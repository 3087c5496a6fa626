package wirecheck

import (
	"fmt"
	"sort"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/aiclients/sdk-go/specs"
)

// Operation is one operation of a spec, named "METHOD /path".
type Operation struct {
	Name string
	*openapi3.Operation
}

// LoadSpec loads file (e.g. "dial.yaml") from the embedded specs and
// returns the document and its operations, sorted by name, for the tests
// that check what each operation and schema says about its source.
func LoadSpec(file string) (*openapi3.T, []Operation, error) {
	data, err := specs.FS.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	var ops []Operation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, Operation{Name: method + " " + path, Operation: op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	return doc, ops, nil
}
