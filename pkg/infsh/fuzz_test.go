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
		`{"id":"t","we\u0000ird":1,"status":10,"created_at":5}`,
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

var benchTask = []byte(`{"id":"t1","short_id":"t1short","status":7,"status_text":"running","app_id":"infsh/slow","app_version_id":"v1","function":"run","infra":"cloud","input":{"steps":3,"delay_ms":30},"output":null,"error":null,"session_id":null,"created_at":"2026-01-01T00:00:00.123456789Z","updated_at":"2026-01-01T00:00:01Z","logs":[{"id":"l1","task_id":"t1","log_type":4,"content":"step 1 of 3","created_at":"2026-01-01T00:00:00Z"},{"id":"l2","task_id":"t1","log_type":4,"content":"step 2 of 3","created_at":"2026-01-01T00:00:00Z"}],"events":[{"id":"e1","task_id":"t1","status":1,"event_time":"2026-01-01T00:00:00Z"},{"id":"e2","task_id":"t1","status":7,"event_time":"2026-01-01T00:00:00Z"}]}`)

// BenchmarkTaskFromFields: merging a task update (the follow path).
func BenchmarkTaskFromFields(b *testing.B) {
	m := members(benchTask)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = taskFromFields(m)
	}
}

// BenchmarkTaskUnmarshal: decoding a task response.
func BenchmarkTaskUnmarshal(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var t Task
		_ = json.Unmarshal(benchTask, &t)
	}
}
