package stream

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNDJSONDecoder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lines", "{\"a\":1}\n{\"a\":2}\n", []string{`{"a":1}`, `{"a":2}`}},
		{"CRLF", "{\"a\":1}\r\n{\"a\":2}\r\n", []string{`{"a":1}`, `{"a":2}`}},
		{"CR", "1\r2\r", []string{"1", "2"}},
		{"blank lines skipped", "\n\n1\n\n\n2\n\n", []string{"1", "2"}},
		{"whitespace-only lines skipped", " \t\n1\n \r\n\t\t\n2", []string{"1", "2"}},
		{"surrounding whitespace trimmed", "  {\"a\": 1}  \t\n", []string{`{"a": 1}`}},
		{"last line without newline", "1\n2", []string{"1", "2"}},
		{"BOM", "\xEF\xBB\xBF{}\n", []string{"{}"}},
		{"empty", "", nil},
		{"heartbeat lines are data", "{\"type\":\"ping\"}\n1\n", []string{`{"type":"ping"}`, "1"}},
		{"DONE is data to the decoder", "[DONE]\n", []string{"[DONE]"}},
		{"SSE-looking lines are data", "data: 1\n", []string{"data: 1"}},
	}
	for _, tt := range tests {
		for rname, mk := range readers(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				d := NewNDJSONDecoder(mk(), 0)
				var got []string
				for d.Next() {
					e := d.Event()
					require.Empty(t, e.Type)
					require.Empty(t, e.ID)
					require.Zero(t, e.Retry)
					got = append(got, string(e.Data))
				}
				require.NoError(t, d.Err())
				require.Equal(t, tt.want, got)
			})
		}
	}
}

func TestNDJSONDecoderLimit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"at the limit", "12345\n", []string{"12345"}, false},
		{"at the limit with padding", "   12345   \r\n", []string{"12345"}, false},
		{"over the limit", "ok\n123456\nnever\n", []string{"ok"}, true},
		{"unterminated endless line", strings.Repeat("x", 5000), nil, true},
	}
	for _, tt := range tests {
		for rname, mk := range readers(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				d := NewNDJSONDecoder(mk(), 5)
				var got []string
				for d.Next() {
					got = append(got, string(d.Event().Data))
				}
				require.Equal(t, tt.want, got)
				if !tt.wantErr {
					require.NoError(t, d.Err())
					return
				}
				var tl *EventTooLargeError
				require.ErrorAs(t, d.Err(), &tl)
				require.Equal(t, 5, tl.Limit)
			})
		}
	}
}

func TestNDJSONDecoderLimitIsBounded(t *testing.T) {
	const limit = 1 << 20
	cr := &countingReader{r: endless{'7'}}
	d := NewNDJSONDecoder(cr, limit)
	require.False(t, d.Next())
	var tl *EventTooLargeError
	require.ErrorAs(t, d.Err(), &tl)
	require.LessOrEqual(t, cr.n, limit+lineOverhead+initialBufSize)
}

func TestDecodersNilReader(t *testing.T) {
	for _, d := range []Decoder{NewSSEDecoder(nil, 0), NewNDJSONDecoder(nil, 0)} {
		require.False(t, d.Next())
		require.ErrorContains(t, d.Err(), "nil body")
	}
}
