package infsh

import (
	"encoding/json"
	"testing"
)

// FuzzDecoders: response bodies, stream lines, error bodies, tool calls and
// partial updates of any shape never panic.
func FuzzDecoders(f *testing.F) {
	for _, seed := range []string{
		`{"data":{"id":"t1","status":1},"messages":[]}`,
		`{"success":false,"error":{"code":"X","message":"m"}}`,
		`{"success":"yes","data":1}`,
		`{"id":"inv","data":{"x":1},"status":"completed"}`,
		`{"type":"heartbeat"}`,
		`{"data":{"status":11,"id":"t"},"fields":["status"]}`,
		`{"data":[1,2],"fields":"status"}`,
		`{"event":"delta","data":{"delta":{}}}`,
		`{"type":"https://x/errors/","detail":3}`,
		`{"code":12,"error":"plain"}`,
		`[1,2,3]`, `"text"`, `null`, ``, `{`, `{"status":"brand_new_status","logs":[1,"a",{"content":2}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = unwrapResponse(nil, b)
		if p, ok := streamLine(b); ok {
			_ = taskFromFields(p)
		}
		_, _ = parseError(b)
		var st Status
		_ = st.UnmarshalJSON(b)
		_, _ = decodeDelta(b)
		var task Task
		_ = task.UnmarshalJSON(b)
		var fn ToolCallFunction
		_ = fn.UnmarshalJSON(b)
		_, _ = merge(map[string]json.RawMessage{}, b)
	})
}
