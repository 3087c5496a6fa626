package stream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

const benchEvents = 10000

// benchSSE is a chat-completion-like stream of 10,000 events.
func benchSSE() []byte {
	var b bytes.Buffer
	for i := range benchEvents {
		fmt.Fprintf(&b, "data: {\"id\":\"chatcmpl-%d\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d \"}}]}\n\n", i, i)
		if i%100 == 0 {
			b.WriteString(": keep-alive\n\n")
		}
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

func benchNDJSON() []byte {
	var b bytes.Buffer
	for i := range benchEvents {
		fmt.Fprintf(&b, "{\"id\":\"chatcmpl-%d\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token %d \"}}]}\n", i, i)
	}
	return b.Bytes()
}

type benchChunk struct {
	ID      string `json:"id"`
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
	} `json:"choices"`
}

// BenchmarkSSEDecoder measures the bare decoder: 10,000 events per op.
func BenchmarkSSEDecoder(b *testing.B) {
	in := benchSSE()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewSSEDecoder(bytes.NewReader(in), 0)
		n := 0
		for d.Next() {
			n++
		}
		if d.Err() != nil || n != benchEvents+1 {
			b.Fatal(n, d.Err())
		}
	}
}

// BenchmarkNDJSONDecoder measures the bare decoder: 10,000 lines per op.
func BenchmarkNDJSONDecoder(b *testing.B) {
	in := benchNDJSON()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := NewNDJSONDecoder(bytes.NewReader(in), 0)
		n := 0
		for d.Next() {
			n++
		}
		if d.Err() != nil || n != benchEvents {
			b.Fatal(n, d.Err())
		}
	}
}

// BenchmarkSSEStreamJSON is the full path a service uses: Stream[T] over SSE
// with json.Unmarshal per event, 10,000 events per op.
func BenchmarkSSEStreamJSON(b *testing.B) {
	in := benchSSE()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s := NewSSE(io.NopCloser(bytes.NewReader(in)), func(e Event) (benchChunk, error) {
			var c benchChunk
			err := json.Unmarshal(e.Data, &c)
			return c, err
		}, WithIdleTimeout(0))
		n := 0
		for _, err := range s.All() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchEvents {
			b.Fatal(n)
		}
	}
}

// BenchmarkBaselineScannerJSON is the bare loop people write by hand:
// bufio.Scanner lines, "data: " prefix, json.Unmarshal. No multi-line data,
// no CR, no limit error; the floor to compare BenchmarkSSEStreamJSON with.
func BenchmarkBaselineScannerJSON(b *testing.B) {
	in := benchSSE()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		sc := bufio.NewScanner(bytes.NewReader(in))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		n := 0
		for sc.Scan() {
			line := sc.Bytes()
			data, ok := bytes.CutPrefix(line, []byte("data: "))
			if !ok || bytes.Equal(data, []byte("[DONE]")) {
				continue
			}
			var c benchChunk
			if err := json.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchEvents {
			b.Fatal(n)
		}
	}
}
