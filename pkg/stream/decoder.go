package stream

import (
	"bytes"
	"io"
	"time"
)

// DefaultMaxEventSize is the largest event (SSE data, or one NDJSON line)
// accepted when no other limit is given: 16 MiB, far above the 64 KiB of many
// SSE libraries, so large tool calls and base64 payloads fit.
const DefaultMaxEventSize = 16 << 20

// lineOverhead is the room allowed on top of the event limit for a line's
// field name ("data: "), so a payload of exactly the limit still fits.
const lineOverhead = 16

// Event is one decoded event.
//
// Data is owned by the decoder and is valid only until the next call to
// Decoder.Next: a DecodeFunc that keeps it (rather than unmarshalling it) must
// copy it. Type, ID and Retry are ordinary values.
type Event struct {
	// Type is the SSE "event:" field, or "" when the event had none
	// (browsers report that as "message"). Always "" for NDJSON.
	Type string
	// ID is the SSE last event ID: the value of the most recent "id:" field
	// seen so far in the stream (it carries over to later events, as in the
	// WHATWG rules). Always "" for NDJSON.
	ID string
	// Data is the SSE "data:" lines joined with "\n", or one NDJSON line
	// with surrounding whitespace removed.
	Data []byte
	// Retry is the reconnection time most recently set by an SSE "retry:"
	// field in the stream, 0 if none. Always 0 for NDJSON.
	Retry time.Duration
}

// Decoder turns a byte stream into events. Next advances to the next event
// and reports whether there is one; Event returns it (its Data valid until the
// next call to Next); Err returns the error that ended decoding, nil at a
// clean end of input. Implementations should bound the memory one event may
// take, as the two decoders here do.
type Decoder interface {
	Next() bool
	Event() Event
	Err() error
}

func normLimit(maxEventSize int) (event, line int) {
	if maxEventSize <= 0 {
		maxEventSize = DefaultMaxEventSize
	}
	line = maxEventSize + lineOverhead
	if line < maxEventSize { // overflow
		line = maxEventSize
	}
	return maxEventSize, line
}

// sseDecoder implements the WHATWG "event stream interpretation".
type sseDecoder struct {
	lr    *lineReader
	max   int
	data  []byte
	typ   string
	id    string
	retry time.Duration
	ev    Event
	err   error
	done  bool
	types map[string]string // interned event types, bounded
}

// NewSSEDecoder returns a Decoder for text/event-stream following the WHATWG
// HTML rules:
//
//   - lines end with CR, LF or CRLF (also when CR and LF arrive in different
//     reads); a UTF-8 BOM at the very start is skipped;
//   - lines starting with ':' are comments and are ignored;
//   - a line "name: value" sets a field; one space after the colon is
//     removed; a line without a colon is a field with an empty value;
//   - "data" lines are joined with "\n"; "event" sets the type of the event
//     being built; "id" sets the last event ID unless the value contains NUL;
//     "retry" sets the reconnection time in milliseconds if the value is all
//     ASCII digits; other fields are ignored;
//   - a blank line dispatches the event, but only if it had at least one
//     "data" line (a "data:" line with an empty value counts, giving an event
//     with empty Data); blocks without data, such as keep-alive comments, are
//     never dispatched.
//
// One deliberate difference from browsers: at the end of input an event that
// has data but no closing blank line is still dispatched (browsers drop it).
// Servers that close the connection right after their last "data:" line are
// common, and losing that final event is worse than keeping it.
//
// maxEventSize bounds the data of one event (and, plus a few bytes, the length
// of any line); <= 0 means DefaultMaxEventSize. Beyond it decoding stops with
// *EventTooLargeError without reading the rest of the line into memory.
func NewSSEDecoder(r io.Reader, maxEventSize int) Decoder {
	event, line := normLimit(maxEventSize)
	return &sseDecoder{lr: newLineReader(r, line, event), max: event}
}

func (d *sseDecoder) Event() Event { return d.ev }
func (d *sseDecoder) Err() error   { return d.err }

func (d *sseDecoder) Next() bool {
	if d.done {
		return false
	}
	d.data = d.data[:0]
	hasData := false
	for {
		line, err := d.lr.readLine()
		if err != nil {
			d.done = true
			if err != io.EOF {
				d.err = err
				d.ev = Event{}
				return false
			}
			if hasData { // final event without a trailing blank line
				d.dispatch()
				return true
			}
			d.ev = Event{}
			return false
		}
		if len(line) == 0 {
			if hasData {
				d.dispatch()
				return true
			}
			d.typ = ""
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, line[len(line):]
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			n := len(d.data) + len(value)
			if hasData {
				n++
			}
			if n > d.max {
				d.done = true
				d.err = &EventTooLargeError{Limit: d.max}
				d.ev = Event{}
				return false
			}
			if hasData {
				d.data = append(d.data, '\n')
			}
			d.data = append(d.data, value...)
			hasData = true
		case "event":
			d.typ = d.intern(value)
		case "id":
			if bytes.IndexByte(value, 0) < 0 && string(value) != d.id {
				d.id = string(value)
			}
		case "retry":
			if ms, ok := parseDigits(value); ok {
				d.retry = ms
			}
		}
	}
}

func (d *sseDecoder) dispatch() {
	d.ev = Event{Type: d.typ, ID: d.id, Data: d.data, Retry: d.retry}
	d.typ = ""
}

// intern returns value as a string, reusing earlier strings for the few event
// types a service uses so that steady streams do not allocate per event.
func (d *sseDecoder) intern(value []byte) string {
	if len(value) == 0 {
		return ""
	}
	if s, ok := d.types[string(value)]; ok {
		return s
	}
	s := string(value)
	if len(d.types) < 64 && len(s) <= 64 {
		if d.types == nil {
			d.types = make(map[string]string)
		}
		d.types[s] = s
	}
	return s
}

// parseDigits parses an SSE retry value: ASCII digits only, in milliseconds.
// Values too large for a time.Duration are rejected like malformed ones.
func parseDigits(b []byte) (time.Duration, bool) {
	if len(b) == 0 {
		return 0, false
	}
	const maxMS = int64(1<<63-1) / int64(time.Millisecond)
	var ms int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		ms = ms*10 + int64(c-'0')
		if ms > maxMS {
			return 0, false
		}
	}
	return time.Duration(ms) * time.Millisecond, true
}

// ndjsonDecoder yields one event per non-blank line.
type ndjsonDecoder struct {
	lr   *lineReader
	max  int
	ev   Event
	err  error
	done bool
}

// NewNDJSONDecoder returns a Decoder for newline-delimited JSON
// (application/x-ndjson, application/jsonl): each non-blank line becomes an
// Event whose Data is the line with surrounding whitespace removed. Lines may
// end with LF, CRLF or CR; whitespace-only lines are skipped; a UTF-8 BOM at
// the start is skipped; a last line without a newline is still returned. The
// line is not parsed: heartbeat objects are for the DecodeFunc to drop with
// ErrSkip.
//
// maxEventSize bounds one line (<= 0 means DefaultMaxEventSize); beyond it
// decoding stops with *EventTooLargeError.
func NewNDJSONDecoder(r io.Reader, maxEventSize int) Decoder {
	event, line := normLimit(maxEventSize)
	return &ndjsonDecoder{lr: newLineReader(r, line, event), max: event}
}

func (d *ndjsonDecoder) Event() Event { return d.ev }
func (d *ndjsonDecoder) Err() error   { return d.err }

func (d *ndjsonDecoder) Next() bool {
	if d.done {
		return false
	}
	for {
		line, err := d.lr.readLine()
		if err != nil {
			d.done = true
			d.ev = Event{}
			if err != io.EOF {
				d.err = err
			}
			return false
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if len(line) > d.max {
			d.done = true
			d.ev = Event{}
			d.err = &EventTooLargeError{Limit: d.max}
			return false
		}
		d.ev = Event{Data: line}
		return true
	}
}
