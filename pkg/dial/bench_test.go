package dial_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dial/dialtest"
	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/pkg/option"
)

const benchChunks = 10000

// recordedStream is a DIAL chat stream of n content chunks in the wire
// format of DIAL SDK applications, ending with usage and [DONE].
func recordedStream(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`data: {"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant"}}],"usage":null,"id":"1d73f61f-209e-434d-9b5d-da4fa304ee73","created":1748953530,"object":"chat.completion.chunk"}` + "\n\n")
	for i := 0; i < n-2; i++ {
		fmt.Fprintf(&b, `data: {"choices":[{"index":0,"finish_reason":null,"delta":{"content":" word%d"}}],"usage":null,"id":"1d73f61f-209e-434d-9b5d-da4fa304ee73","created":1748953530,"object":"chat.completion.chunk"}`+"\n\n", i)
	}
	b.WriteString(`data: {"choices":[{"index":0,"finish_reason":"stop","delta":{}}],"usage":{"prompt_tokens":11,"completion_tokens":9998,"total_tokens":10009},"id":"1d73f61f-209e-434d-9b5d-da4fa304ee73","created":1748953530,"object":"chat.completion.chunk"}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// BenchmarkChatStream decodes a recorded 10,000-chunk stream with the client
// (ChatStream.All) and with a bare bufio.Scanner + json.Unmarshal loop over
// the same bytes; compare their ns/chunk and allocs/chunk.
func BenchmarkChatStream(b *testing.B) {
	data := recordedStream(benchChunks)
	b.Run("client", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for chunk, err := range dial.NewChatStreamFromReader(bytes.NewReader(data)).All() {
				if err != nil {
					b.Fatal(err)
				}
				_ = chunk
				n++
			}
			if n != benchChunks {
				b.Fatalf("got %d chunks", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchChunks), "ns/chunk")
	})
	b.Run("bare-scanner", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			sc := bufio.NewScanner(bytes.NewReader(data))
			sc.Buffer(make([]byte, 64<<10), 16<<20)
			for sc.Scan() {
				line := sc.Bytes()
				payload, ok := bytes.CutPrefix(line, []byte("data: "))
				if !ok || bytes.Equal(payload, []byte("[DONE]")) {
					continue
				}
				var chunk dial.ChatCompletionChunk
				if err := json.Unmarshal(payload, &chunk); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchChunks {
				b.Fatalf("got %d chunks", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchChunks), "ns/chunk")
	})
}

// BenchmarkChatStreamEmulator streams 10,000 chunks from the emulator over
// loopback HTTP (emulator and its spec validation included in the time).
func BenchmarkChatStreamEmulator(b *testing.B) {
	srv := dialtest.NewServer(b, dialtest.WithEmulatorOptions(emukit.WithValidateResponses(false)))
	text := strings.TrimSpace(strings.Repeat("word ", benchChunks-2))
	srv.SetResponder(func(dialtest.Request) dialtest.Reply { return dialtest.Reply{Content: text} })
	c, err := dial.NewClient(option.WithBaseURL(srv.URL), option.WithAPIKey(dialtest.APIKey))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := c.Chat.Stream(ctx, "gpt-4", ask("go"))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range s.All() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchChunks {
			b.Fatalf("got %d chunks", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchChunks), "ns/chunk")
}
