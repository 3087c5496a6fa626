package stream_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/stream"
)

type Chunk struct {
	Content string `json:"content"`
}

// decodeChunk is what a service supplies: heartbeats are skipped, an error
// payload ends the stream with an error, anything else is unmarshalled.
func decodeChunk(ev stream.Event) (Chunk, error) {
	var c Chunk
	if ev.Type == "ping" {
		return c, stream.ErrSkip
	}
	var payload struct {
		Error *struct{ Message string } `json:"error"`
	}
	if err := json.Unmarshal(ev.Data, &payload); err == nil && payload.Error != nil {
		return c, errors.New(payload.Error.Message) // a service returns its *apierror.Error here
	}
	return c, json.Unmarshal(ev.Data, &c)
}

func ExampleStream_All() {
	// In a client, body is resp.Body of a streaming response.
	body := io.NopCloser(strings.NewReader(
		": keep-alive\n\n" +
			"data: {\"content\":\"Hel\"}\n\n" +
			"event: ping\ndata: {}\n\n" +
			"data: {\"content\":\"lo\"}\n\n" +
			"data: [DONE]\n\n"))

	s := stream.NewSSE(body, decodeChunk, stream.WithIdleTimeout(30*time.Second))
	for chunk, err := range s.All() { // the body is closed when the loop ends, however it ends
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Print(chunk.Content)
	}
	fmt.Println()
	// Output: Hello
}

func ExampleStream_Next() {
	body := io.NopCloser(strings.NewReader("{\"content\":\"a\"}\n{\"error\":{\"message\":\"overloaded\"}}\n"))
	s := stream.NewNDJSON(body, decodeChunk)
	defer s.Close()
	for s.Next() {
		fmt.Println("chunk:", s.Current().Content)
	}
	if err := s.Err(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// chunk: a
	// error: overloaded
}
