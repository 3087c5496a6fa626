package dial

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// chunkDecoder decodes the events of one chat stream. Most chunks of a
// stream have one shape: id, object, created, model, system_fingerprint,
// choices of {index, delta {role, content, refusal}, finish_reason,
// logprobs: null}, and usage null or {prompt_tokens, completion_tokens,
// total_tokens}. A small strict scanner reads that shape, reusing the
// strings every chunk repeats (id, object, model, …) from the chunk before,
// so that such a chunk costs two allocations (its choices and its text).
// Anything else — tool calls, DIAL's custom_content, statistics, non-null
// logprobs, an error event, an unknown or repeated member, an escape in a
// key, a number that is not a plain integer — makes the scanner give up,
// and encoding/json decodes the event as it always did. So the result is
// what json.Unmarshal gives, with one exception: "logprobs": null leaves
// Logprobs nil rather than the bytes "null" (both mean no logprobs).
type chunkDecoder struct {
	last [nSlots]string
}

// Slots of the strings a chunk repeats.
const (
	slotID = iota
	slotObject
	slotModel
	slotFingerprint
	slotRole
	slotFinish
	nSlots
)

// decode decodes one event: a chunk, or an error event (non-nil *errorWire).
func (d *chunkDecoder) decode(data []byte) (ChatCompletionChunk, *errorWire, error) {
	var c ChatCompletionChunk
	if d.fast(data, &c) {
		return c, nil, nil
	}
	w := new(chunkWire)
	err := json.Unmarshal(data, w)
	return w.ChatCompletionChunk, w.Error, err
}

// chunkScan reads one JSON text; ok turns false at the first thing it does
// not handle, and every method then does nothing.
type chunkScan struct {
	b  []byte
	i  int
	ok bool
}

func (s *chunkScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (s *chunkScan) peek() byte {
	s.ws()
	if !s.ok || s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// lit consumes the literal w (after white space).
func (s *chunkScan) lit(w string) {
	s.ws()
	if !s.ok || !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		s.ok = false
		return
	}
	s.i += len(w)
}

// null consumes a null if one is next.
func (s *chunkScan) null() bool {
	if s.peek() == 'n' {
		s.lit("null")
		return s.ok
	}
	return false
}

// rawString reads a string and returns its bytes between the quotes, and
// whether it holds an escape.
func (s *chunkScan) rawString() ([]byte, bool) {
	if s.peek() != '"' {
		s.ok = false
		return nil, false
	}
	start := s.i + 1
	escaped := false
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], escaped
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			s.ok = false
			return nil, false
		}
	}
	s.ok = false
	return nil, false
}

// str reads a string or null. The decoded string reuses last when equal;
// one with an escape or invalid UTF-8 is decoded by encoding/json (which
// also checks the escapes).
func (s *chunkScan) str(last *string) string {
	if s.null() {
		return ""
	}
	start := s.i
	raw, escaped := s.rawString()
	if !s.ok {
		return ""
	}
	if escaped || !utf8.Valid(raw) {
		var v string
		if json.Unmarshal(s.b[start:s.i], &v) != nil {
			s.ok = false
		}
		return v
	}
	if last != nil {
		if string(raw) == *last {
			return *last
		}
		*last = string(raw)
		return *last
	}
	return string(raw)
}

// int reads a JSON integer (no fraction or exponent) that fits 64 bits, or
// null.
func (s *chunkScan) int() int64 {
	if s.null() {
		return 0
	}
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || n > 1 && s.b[digits] == '0' || s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.ok = false
		return 0
	}
	v, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	if err != nil {
		s.ok = false
	}
	return v
}

// object reads an object whose members member reads (it must consume the
// value of key or set ok false). Keys with escapes and repeated keys (of
// those member accepts, numbered by bit) end the scan. A null is no object
// and returns false.
func (s *chunkScan) object(member func(key []byte) (bit uint)) bool {
	if s.null() {
		return false
	}
	s.lit("{")
	var seen uint
	if s.peek() == '}' {
		s.i++
		return s.ok
	}
	for s.ok {
		key, escaped := s.rawString()
		if escaped {
			s.ok = false
		}
		s.lit(":")
		if !s.ok {
			return false
		}
		bit := member(key)
		if seen&bit != 0 {
			s.ok = false
		}
		seen |= bit
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return s.ok
		default:
			s.ok = false
		}
	}
	return false
}

// fast decodes data into c when it has the common shape; false means it
// does not (c is then to be discarded).
func (d *chunkDecoder) fast(data []byte, c *ChatCompletionChunk) bool {
	s := chunkScan{b: data, ok: true}
	s.object(func(key []byte) uint {
		switch string(key) {
		case "id":
			c.ID = s.str(&d.last[slotID])
			return 1 << 0
		case "object":
			c.Object = s.str(&d.last[slotObject])
			return 1 << 1
		case "created":
			c.Created = s.int()
			return 1 << 2
		case "model":
			c.Model = s.str(&d.last[slotModel])
			return 1 << 3
		case "system_fingerprint":
			c.SystemFingerprint = s.str(&d.last[slotFingerprint])
			return 1 << 4
		case "choices":
			c.Choices = d.choices(&s)
			return 1 << 5
		case "usage":
			c.Usage = usage(&s)
			return 1 << 6
		}
		s.ok = false
		return 0
	})
	s.ws()
	return s.ok && s.i == len(s.b)
}

func (d *chunkDecoder) choices(s *chunkScan) []ChunkChoice {
	if s.null() {
		return nil
	}
	s.lit("[")
	out := []ChunkChoice{}
	if s.peek() == ']' {
		s.i++
		return out
	}
	for s.ok {
		out = append(out, ChunkChoice{})
		ch := &out[len(out)-1]
		s.object(func(key []byte) uint {
			switch string(key) {
			case "index":
				ch.Index = int(s.int())
				return 1 << 0
			case "delta":
				d.delta(s, &ch.Delta)
				return 1 << 1
			case "finish_reason":
				ch.FinishReason = s.str(&d.last[slotFinish])
				return 1 << 2
			case "logprobs":
				if !s.null() {
					s.ok = false
				}
				return 1 << 3
			}
			s.ok = false
			return 0
		})
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return out
		default:
			s.ok = false
		}
	}
	return nil
}

func (d *chunkDecoder) delta(s *chunkScan, dl *Delta) {
	s.object(func(key []byte) uint {
		switch string(key) {
		case "role":
			dl.Role = Role(s.str(&d.last[slotRole]))
			return 1 << 0
		case "content":
			dl.Content = s.str(nil)
			return 1 << 1
		case "refusal":
			dl.Refusal = s.str(nil)
			return 1 << 2
		}
		s.ok = false
		return 0
	})
}

func usage(s *chunkScan) *Usage {
	var u Usage
	if !s.object(func(key []byte) uint {
		switch string(key) {
		case "prompt_tokens":
			u.PromptTokens = s.int()
			return 1 << 0
		case "completion_tokens":
			u.CompletionTokens = s.int()
			return 1 << 1
		case "total_tokens":
			u.TotalTokens = s.int()
			return 1 << 2
		}
		s.ok = false
		return 0
	}) {
		return nil
	}
	p := new(Usage)
	*p = u
	return p
}
