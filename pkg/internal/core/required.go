package core

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/aiclients/sdk-go/pkg/apierror"
)

// requiredCache maps a struct type to its required JSON field names.
var requiredCache sync.Map // reflect.Type -> []requiredField

type requiredField struct {
	name  string // the JSON name
	index int    // the struct field's index
}

// requiredFields returns the JSON fields of struct type t that the spec
// marks as required. The generator (oapi-codegen) writes the spec's
// required lists into the struct tags: a required property's tag has no
// ",omitempty", an optional one has it. So the spec's required lists are
// read back from the tags, once per type, and no second table has to be
// kept in step with the specs. Fields tagged "-", unexported or embedded
// ones are skipped.
func requiredFields(t reflect.Type) []requiredField {
	if v, ok := requiredCache.Load(t); ok {
		return v.([]requiredField)
	}
	var req []requiredField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		tag, ok := f.Tag.Lookup("json")
		if !ok {
			continue
		}
		name, rest, _ := strings.Cut(tag, ",")
		if name == "-" && rest == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := false
		for _, o := range strings.Split(rest, ",") {
			if o == "omitempty" || o == "omitzero" {
				omit = true
			}
		}
		if !omit {
			req = append(req, requiredField{name: name, index: i})
		}
	}
	requiredCache.Store(t, req)
	return req
}

// checkRequired checks a decoded 2xx body: raw is the (unwrapped) JSON, out
// points to what it was decoded into. Only a struct with required fields is
// checked. The common case costs one reflect pass: when every required field
// is non-zero it must have been present. Only when one is zero is raw
// scanned again, to tell "present with a zero value" (fine: 0, false, "")
// from "absent or null" (an error).
func checkRequired(resp *http.Response, raw []byte, out any) *apierror.ResponseError {
	v, req := structRequired(out)
	if len(req) == 0 {
		return nil
	}
	fail := func(reason string, missing []string) *apierror.ResponseError {
		e := &apierror.ResponseError{Request: requestName(resp), Reason: reason, Missing: missing}
		if resp != nil {
			e.StatusCode = resp.StatusCode
		}
		return e
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return fail("empty body", nil)
	case bytes.Equal(raw, []byte("null")):
		return fail("the body is null", nil)
	}
	if allNonZero(v, req) {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil // not an object: the decoder accepted it, e.g. a custom UnmarshalJSON
	}
	if missing := missingFields(fields, req); len(missing) > 0 {
		return fail("", missing)
	}
	return nil
}

// structRequired returns the struct out points to and its required
// fields; none when out is not a non-nil pointer to a struct.
func structRequired(out any) (reflect.Value, []requiredField) {
	v := reflect.ValueOf(out)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return v, nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return v, nil
	}
	return v, requiredFields(v.Type())
}

func allNonZero(v reflect.Value, req []requiredField) bool {
	for _, f := range req {
		if v.Field(f.index).IsZero() {
			return false
		}
	}
	return true
}

func missingFields(fields map[string]json.RawMessage, req []requiredField) []string {
	var missing []string
	for _, f := range req {
		if !present(fields, f.name) {
			missing = append(missing, f.name)
		}
	}
	return missing
}

// CheckMembers is Execute's required-fields check for a response a service
// decodes by hand into members (one JSON object's members, nil for an empty
// or null body) and then into out (a pointer to a struct generated from the
// spec): it returns an *apierror.ResponseError, passed through MapError,
// when members is nil or lacks (or has null for) one of out's required
// fields. request names the call, e.g. "GET /tasks/t-1".
func (c *Client) CheckMembers(request string, members map[string]json.RawMessage, out any) error {
	_, req := structRequired(out)
	if len(req) == 0 {
		return nil
	}
	e := &apierror.ResponseError{Service: c.Service.Name, Request: request}
	if members == nil {
		e.Reason = "empty or null body"
		return c.mapError(e)
	}
	if e.Missing = missingFields(members, req); len(e.Missing) == 0 {
		return nil
	}
	return c.mapError(e)
}

// present reports whether the object has a non-null value for name,
// matched as encoding/json matches (exactly, else case-insensitively).
func present(fields map[string]json.RawMessage, name string) bool {
	v, ok := fields[name]
	if !ok {
		for k, kv := range fields {
			if strings.EqualFold(k, name) {
				v, ok = kv, true
				break
			}
		}
	}
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}
