package stream

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

// ev is a compact expected event for tables.
type ev struct {
	Type, ID, Data string
	Retry          time.Duration
}

func collect(t testing.TB, d Decoder) ([]ev, error) {
	t.Helper()
	var out []ev
	for d.Next() {
		e := d.Event()
		out = append(out, ev{Type: e.Type, ID: e.ID, Data: string(e.Data), Retry: e.Retry})
	}
	return out, d.Err()
}

// readers returns the ways a test input is fed to a decoder: all at once, one
// byte per read (so every CR/LF pair is split across reads), and in reads
// that sometimes return no data.
func readers(in string) map[string]func() io.Reader {
	return map[string]func() io.Reader{
		"whole":    func() io.Reader { return strings.NewReader(in) },
		"one-byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(in)) },
		"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(in)) },
		"data-err": func() io.Reader { return iotest.DataErrReader(strings.NewReader(in)) },
	}
}

func TestSSEDecoder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []ev
	}{
		{"single", "data: hello\n\n", []ev{{Data: "hello"}}},
		{"multi-line data joined with LF", "data: a\ndata: b\ndata:c\n\n", []ev{{Data: "a\nb\nc"}}},
		{"event type", "event: delta\ndata: x\n\n", []ev{{Type: "delta", Data: "x"}}},
		{"type resets after dispatch", "event: a\ndata: 1\n\ndata: 2\n\n", []ev{{Type: "a", Data: "1"}, {Data: "2"}}},
		{"type resets on blank line without data", "event: a\n\ndata: 2\n\n", []ev{{Data: "2"}}},
		{"id persists", "id: 7\ndata: 1\n\ndata: 2\n\n", []ev{{ID: "7", Data: "1"}, {ID: "7", Data: "2"}}},
		{"id with NUL ignored", "id: 1\ndata: a\n\nid: x\x00y\ndata: b\n\n", []ev{{ID: "1", Data: "a"}, {ID: "1", Data: "b"}}},
		{"empty id resets", "id: 1\ndata: a\n\nid\ndata: b\n\n", []ev{{ID: "1", Data: "a"}, {Data: "b"}}},
		{"retry digits", "retry: 1500\ndata: a\n\n", []ev{{Retry: 1500 * time.Millisecond, Data: "a"}}},
		{"retry non-digits ignored", "retry: 15s\ndata: a\n\nretry: -1\ndata: b\n\nretry:\ndata: c\n\n", []ev{{Data: "a"}, {Data: "b"}, {Data: "c"}}},
		{"retry overflow ignored", "retry: 99999999999999999999999\ndata: a\n\n", []ev{{Data: "a"}}},
		{"comments ignored", ": keep-alive\ndata: a\n: more\ndata: b\n\n", []ev{{Data: "a\nb"}}},
		{"comment-only block not dispatched", ": ping\n\n: ping\n\ndata: a\n\n", []ev{{Data: "a"}}},
		{"event without data not dispatched", "event: x\nid: 3\n\ndata: a\n\n", []ev{{ID: "3", Data: "a"}}},
		{"only one leading space removed", "data:  two\n\n", []ev{{Data: " two"}}},
		{"no space after colon", "data:x\n\n", []ev{{Data: "x"}}},
		{"colon in value kept", "data: a: b\n\n", []ev{{Data: "a: b"}}},
		{"field without colon", "data\n\n", []ev{{Data: ""}}},
		{"empty data dispatched", "data:\n\n", []ev{{Data: ""}}},
		{"two empty data lines", "data\ndata\n\n", []ev{{Data: "\n"}}},
		{"unknown field ignored", "foo: bar\ndata: a\n\n", []ev{{Data: "a"}}},
		{"field names case-sensitive", "Data: a\nDATA: b\ndata: c\n\n", []ev{{Data: "c"}}},
		{"CRLF", "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", []ev{{Data: "a\nb"}, {Data: "c"}}},
		{"CR", "data: a\rdata: b\r\rdata: c\r\r", []ev{{Data: "a\nb"}, {Data: "c"}}},
		{"mixed endings", "data: a\r\ndata: b\rdata: c\n\r\n", []ev{{Data: "a\nb\nc"}}},
		{"CR CR LF is two lines", "data: a\r\r\ndata: b\n\n", []ev{{Data: "a"}, {Data: "b"}}},
		{"BOM at start", "\xEF\xBB\xBFdata: a\n\n", []ev{{Data: "a"}}},
		{"BOM only once", "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", []ev{{Data: "b"}}},
		{"BOM not at start is data", "data: \xEF\xBB\xBFa\n\n", []ev{{Data: "\xEF\xBB\xBFa"}}},
		{"final event without blank line", "data: a\n\ndata: b", []ev{{Data: "a"}, {Data: "b"}}},
		{"final event with one newline", "data: a\n", []ev{{Data: "a"}}},
		{"final event after CR", "data: a\r", []ev{{Data: "a"}}},
		{"final block without data", "data: a\n\nevent: x", []ev{{Data: "a"}}},
		{"empty input", "", nil},
		{"only BOM", "\xEF\xBB\xBF", nil},
		{"only newlines", "\n\r\n\r\n", nil},
		{"DONE is data to the decoder", "data: [DONE]\n\n", []ev{{Data: "[DONE]"}}},
		{"JSON payload", "event: chunk\ndata: {\"a\":1}\n\n", []ev{{Type: "chunk", Data: `{"a":1}`}}},
	}
	for _, tt := range tests {
		for rname, mk := range readers(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := collect(t, NewSSEDecoder(mk(), 0))
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			})
		}
	}
}

func TestSSEDecoderLimit(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		limit   int
		want    []ev
		wantErr bool
	}{
		{"exactly the limit", "data: 12345\n\n", 5, []ev{{Data: "12345"}}, false},
		{"one line over", "data: 123456\n\n", 5, nil, true},
		{"joined lines over", "data: 123\ndata: 45\n\n", 5, nil, true},
		{"joined lines at limit", "data: 12\ndata: 45\n\n", 5, []ev{{Data: "12\n45"}}, false},
		{"events before the big one survive", "data: ok\n\ndata: 123456789\n\n", 5, []ev{{Data: "ok"}}, true},
		{"unterminated huge line", "data: " + strings.Repeat("x", 1000), 10, nil, true},
		{"huge comment line", ":" + strings.Repeat("x", 1000) + "\ndata: a\n\n", 10, nil, true},
		{"limit per event not per stream", "data: 12345\n\ndata: 12345\n\n", 5, []ev{{Data: "12345"}, {Data: "12345"}}, false},
	}
	for _, tt := range tests {
		for rname, mk := range readers(tt.in) {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				got, err := collect(t, NewSSEDecoder(mk(), tt.limit))
				require.Equal(t, tt.want, got)
				if !tt.wantErr {
					require.NoError(t, err)
					return
				}
				var tl *EventTooLargeError
				require.ErrorAs(t, err, &tl)
				require.Equal(t, tt.limit, tl.Limit)
				require.Contains(t, err.Error(), "limit")
			})
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// endless yields the same bytes forever.
type endless struct{ b byte }

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	return len(p), nil
}

func TestSSEDecoderLimitIsBounded(t *testing.T) {
	// An endless line must stop with EventTooLargeError after reading about
	// the limit, not consume memory without bound.
	const limit = 1 << 20
	cr := &countingReader{r: io.MultiReader(strings.NewReader("data: "), endless{'x'})}
	d := NewSSEDecoder(cr, limit)
	require.False(t, d.Next())
	var tl *EventTooLargeError
	require.ErrorAs(t, d.Err(), &tl)
	require.LessOrEqual(t, cr.n, limit+lineOverhead+initialBufSize)

	// Same for many short data lines that add up: each 15-byte line adds 9
	// bytes of data, so the error comes after about limit/9 lines.
	cr = &countingReader{r: endlessLines("data: abcdefgh\n")}
	d = NewSSEDecoder(cr, limit)
	require.False(t, d.Next())
	require.ErrorAs(t, d.Err(), &tl)
	require.LessOrEqual(t, cr.n, (limit/9+1)*15+initialBufSize)
}

type lines struct {
	line []byte
	off  int
}

func endlessLines(s string) io.Reader { return &lines{line: []byte(s)} }

func (l *lines) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.line[l.off:])
		n += c
		l.off = (l.off + c) % len(l.line)
	}
	return n, nil
}

func TestSSEDecoderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: partial"), iotest.ErrReader(boom))
	got, err := collect(t, NewSSEDecoder(r, 0))
	require.ErrorIs(t, err, boom)
	require.Equal(t, []ev{{Data: "a"}}, got, "a partial event is not dispatched on a read error")
}

func TestSSEDecoderNoProgress(t *testing.T) {
	d := NewSSEDecoder(zeroReader{}, 0)
	require.False(t, d.Next())
	require.ErrorIs(t, d.Err(), io.ErrNoProgress)
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestSSEDecoderDataReuse(t *testing.T) {
	// Data is valid until the next Next: document-level contract check that
	// the decoder reuses its buffer (so callers must copy).
	d := NewSSEDecoder(strings.NewReader("data: first\n\ndata: second\n\n"), 0)
	require.True(t, d.Next())
	first := d.Event().Data
	cp := bytes.Clone(first)
	require.True(t, d.Next())
	require.Equal(t, "second", string(d.Event().Data))
	require.Equal(t, "first", string(cp))
}

func TestLineReaderStickyErrors(t *testing.T) {
	// After an error, further calls keep returning it and nothing else.
	lr := newLineReader(strings.NewReader("0123456789\r\nabc\n"), 4, 4)
	for range 3 {
		line, err := lr.readLine()
		require.Nil(t, line)
		var tl *EventTooLargeError
		require.ErrorAs(t, err, &tl)
	}
	lr = newLineReader(strings.NewReader("ab\ncd"), 10, 10)
	for _, want := range []string{"ab", "cd"} {
		line, err := lr.readLine()
		require.NoError(t, err)
		require.Equal(t, want, string(line))
	}
	for range 3 {
		_, err := lr.readLine()
		require.ErrorIs(t, err, io.EOF)
	}
}

func TestLineReaderCROnlyIsLinear(t *testing.T) {
	// 4 MiB of CR-only short lines: a quadratic search would take minutes.
	in := bytes.Repeat([]byte("ab\r"), 4<<20/3)
	lr := newLineReader(bytes.NewReader(in), 1<<20, 1<<20)
	n := 0
	start := time.Now()
	for {
		_, err := lr.readLine()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		n++
	}
	require.Equal(t, len(in)/3, n)
	require.Less(t, time.Since(start), 5*time.Second)
}

// The BOM check at the start of a stream must not wait for three bytes when
// what has arrived already cannot be a BOM: a first NDJSON line "1\n" (or a
// short SSE line) would otherwise be held back until more data came.
func TestShortFirstLineNotHeldForBOM(t *testing.T) {
	tests := []struct {
		name  string
		first string
		dec   func(io.Reader) Decoder
		want  string
	}{
		{"NDJSON 1-byte line", "1\n", func(r io.Reader) Decoder { return NewNDJSONDecoder(r, 0) }, "1"},
		{"NDJSON after BOM prefix mismatch", "7\r", func(r io.Reader) Decoder { return NewNDJSONDecoder(r, 0) }, "7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pr.Close()
			go func() { _, _ = pw.Write([]byte(tc.first)) }() // then the writer stays silent
			d := tc.dec(pr)
			got := make(chan string, 1)
			go func() {
				if d.Next() {
					got <- string(d.Event().Data)
					return
				}
				got <- "<end>"
			}()
			select {
			case v := <-got:
				require.Equal(t, tc.want, v)
			case <-time.After(2 * time.Second):
				_ = pw.Close()
				<-got
				t.Fatal("the first line was held back waiting for more bytes")
			}
			_ = pw.Close()
		})
	}
}
