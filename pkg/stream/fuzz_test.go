package stream

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
)

// refLines splits input the simple way: BOM stripped, lines ended by CRLF, CR
// or LF, a last unterminated line kept.
func refLines(in []byte) [][]byte {
	in = bytes.TrimPrefix(in, utf8BOM)
	var out [][]byte
	start := 0
	for i := 0; i < len(in); i++ {
		switch in[i] {
		case '\n':
			out = append(out, in[start:i])
			start = i + 1
		case '\r':
			out = append(out, in[start:i])
			if i+1 < len(in) && in[i+1] == '\n' {
				i++
			}
			start = i + 1
		}
	}
	if start < len(in) {
		out = append(out, in[start:])
	}
	return out
}

// refSSE is a direct, unoptimised transcription of the WHATWG rules (plus the
// final-event-at-EOF choice) used as the fuzzing oracle. It also returns the
// longest line and the largest data seen, to know whether a limit applies.
func refSSE(in []byte) (evs []ev, maxLine, maxData int) {
	var (
		data    []byte
		hasData bool
		typ, id string
		retry   int64
	)
	dispatch := func() {
		evs = append(evs, ev{Type: typ, ID: id, Data: string(data), Retry: msDuration(retry)})
		maxData = max(maxData, len(data))
		data, hasData, typ = nil, false, ""
	}
	for _, line := range refLines(in) {
		maxLine = max(maxLine, len(line))
		if len(line) == 0 {
			if hasData {
				dispatch()
			}
			typ = ""
			continue
		}
		if line[0] == ':' {
			continue
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(name) {
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
			maxData = max(maxData, len(data))
		case "event":
			typ = string(value)
		case "id":
			if !bytes.Contains(value, []byte{0}) {
				id = string(value)
			}
		case "retry":
			if d, ok := parseDigits(value); ok {
				retry = int64(d / 1e6)
			}
		}
	}
	if hasData {
		dispatch()
	}
	return evs, maxLine, maxData
}

func msDuration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// chunked returns a reader over in that splits reads by the pattern in
// sizes (each 1..16 bytes), so CR/LF pairs and BOMs land on read boundaries.
func chunked(in []byte, sizes []byte) io.Reader {
	if len(sizes) == 0 {
		return bytes.NewReader(in)
	}
	return &patternReader{in: in, sizes: sizes}
}

type patternReader struct {
	in    []byte
	sizes []byte
	i     int
}

func (p *patternReader) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		return 0, io.EOF
	}
	n := int(p.sizes[p.i%len(p.sizes)]%16) + 1
	p.i++
	n = min(n, len(b), len(p.in))
	copy(b, p.in[:n])
	p.in = p.in[n:]
	return n, nil
}

func sseSeeds(f *testing.F) {
	seeds := []string{
		"data: hello\n\n",
		"data: a\ndata: b\n\n",
		"event: delta\nid: 1\nretry: 100\ndata: {\"x\":1}\n\n",
		": comment\n\ndata:x\r\n\r\n",
		"data: a\rdata: b\r\r",
		"\xEF\xBB\xBFdata: bom\n\n",
		"data: last",
		"id: a\x00b\ndata: x\n\n",
		"data\n\ndata:\n\n",
		"retry: 12x\nretry: 99999999999999999999\ndata: r\n\n",
		"data: [DONE]\n\n",
		"data: a\r\r\ndata: b\n\n",
		"event: x\n\n\n\n",
		"data: 0123456789012345678901234567890123456789\n\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), []byte{byte(i)}, uint16(8+i*4))
		f.Add([]byte(s), []byte{}, uint16(0))
	}
}

// FuzzSSEDecoder checks the SSE decoder against refSSE: no panic, it always
// terminates, no event larger than the limit, the same events whatever the
// read sizes, and exactly the reference events unless a limit was exceeded
// (then a prefix of them and *EventTooLargeError).
func FuzzSSEDecoder(f *testing.F) {
	sseSeeds(f)
	f.Fuzz(func(t *testing.T, in, sizes []byte, limit16 uint16) {
		limit := int(limit16)
		if limit == 0 {
			limit = 1 << 20
		}
		want, maxLine, maxData := refSSE(in)
		for _, r := range []io.Reader{bytes.NewReader(in), chunked(in, sizes), iotest.OneByteReader(bytes.NewReader(in))} {
			d := NewSSEDecoder(r, limit)
			var got []ev
			for d.Next() {
				e := d.Event()
				if len(e.Data) > limit {
					t.Fatalf("event of %d bytes over the limit %d", len(e.Data), limit)
				}
				got = append(got, ev{Type: e.Type, ID: e.ID, Data: string(e.Data), Retry: e.Retry})
				if len(got) > len(in)+1 {
					t.Fatalf("more events (%d) than input bytes (%d)", len(got), len(in))
				}
			}
			err := d.Err()
			var tl *EventTooLargeError
			switch {
			case err == nil:
				if !equalEvs(got, want) {
					t.Fatalf("events differ from the reference\n got %q\nwant %q", got, want)
				}
			case errors.As(err, &tl):
				if maxData <= limit && maxLine <= limit+lineOverhead {
					t.Fatalf("EventTooLargeError but nothing exceeds the limit %d (line %d, data %d)", limit, maxLine, maxData)
				}
				if len(got) > len(want) || !equalEvs(got, want[:len(got)]) {
					t.Fatalf("events before the error are not a prefix of the reference\n got %q\nwant %q", got, want)
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
			if d.Next() {
				t.Fatal("Next true after the end")
			}
		}
	})
}

func equalEvs(a, b []ev) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzNDJSONDecoder checks the NDJSON decoder against a simple reference:
// each non-blank trimmed line, in order, none over the limit, the same
// whatever the read sizes.
func FuzzNDJSONDecoder(f *testing.F) {
	seeds := []string{
		"{\"a\":1}\n{\"a\":2}\n",
		"{}\r\n\r\n  \t\n{}",
		"\xEF\xBB\xBF[1,2]\r[3]\r",
		"[DONE]\n",
		"   \n\n\n",
		"0123456789abcdef0123456789abcdef\nx\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), []byte{byte(i)}, uint16(4+i*3))
		f.Add([]byte(s), []byte{}, uint16(0))
	}
	f.Fuzz(func(t *testing.T, in, sizes []byte, limit16 uint16) {
		limit := int(limit16)
		if limit == 0 {
			limit = 1 << 20
		}
		var want []string
		tooLong := false
		for _, line := range refLines(in) {
			if len(line) > limit+lineOverhead {
				tooLong = true
			}
			line = bytes.TrimSpace(line)
			if len(line) > limit {
				tooLong = true
			}
			if len(line) > 0 {
				want = append(want, string(line))
			}
		}
		for _, r := range []io.Reader{bytes.NewReader(in), chunked(in, sizes), iotest.OneByteReader(bytes.NewReader(in))} {
			d := NewNDJSONDecoder(r, limit)
			var got []string
			for d.Next() {
				data := d.Event().Data
				if len(data) > limit {
					t.Fatalf("line of %d bytes over the limit %d", len(data), limit)
				}
				if len(data) == 0 || bytes.ContainsAny(data, "\r\n") {
					t.Fatalf("bad line %q", data)
				}
				got = append(got, string(data))
				if len(got) > len(in) {
					t.Fatal("more lines than input bytes")
				}
			}
			var tl *EventTooLargeError
			switch err := d.Err(); {
			case err == nil:
				if len(got) != len(want) {
					t.Fatalf("got %q want %q", got, want)
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("got %q want %q", got, want)
					}
				}
			case errors.As(err, &tl):
				if !tooLong {
					t.Fatalf("EventTooLargeError but no line exceeds %d", limit)
				}
				if len(got) > len(want) {
					t.Fatalf("got %q want prefix of %q", got, want)
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("got %q want prefix of %q", got, want)
					}
				}
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}
