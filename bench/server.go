// Package bench measures the SDK beside its peers: the DIAL client against
// go-openai, openai-go and hand-written net/http + encoding/json loops, on
// the same loopback servers and the same bytes. It is a module of its own so
// that users of the SDK never download the peers. `make bench-peers` runs
// cmd/benchpeers, which prints one table of ratios; the cases also run as Go
// benchmarks (go test -bench . in this directory).
package bench

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a loopback server that answers every client with the same
// bytes: an SSE stream for a chat request with "stream": true, a chat
// completion for one without, a model list for a GET. It counts the
// connections it accepts.
type Server struct {
	URL   string
	srv   *httptest.Server
	conns atomic.Int64

	mu      sync.Mutex
	barrier int           // chat completions wait until this many wait (0: none)
	waiting int           // how many wait
	release chan struct{} // closed when they may go

	stream     []byte
	completion []byte
	list       []byte
}

// NewServer starts a server whose streams carry chunks chunks of content
// contentLen bytes each.
func NewServer(chunks, contentLen int) *Server {
	s := &Server{stream: Stream(chunks, contentLen), completion: completion, list: modelList(20)}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Conns is how many connections the server has accepted.
func (s *Server) Conns() int64 { return s.conns.Load() }

// SetBarrier makes each chat completion wait until n of them wait (or 10 s
// have passed), so that the n calls of a burst all overlap whatever the
// load of the machine; 0 turns it off.
func (s *Server) SetBarrier(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.barrier, s.waiting, s.release = n, 0, make(chan struct{})
}

func (s *Server) await() {
	s.mu.Lock()
	if s.barrier == 0 {
		s.mu.Unlock()
		return
	}
	s.waiting++
	release := s.release
	if s.waiting == s.barrier {
		close(release)
		s.waiting, s.release = 0, make(chan struct{})
	}
	s.mu.Unlock()
	select {
	case <-release:
	case <-time.After(10 * time.Second):
	}
}

var streamKey = []byte(`"stream":true`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case r.URL.Path == connsPath:
		_, _ = fmt.Fprint(w, s.conns.Load())
	case r.URL.Path == barrierPath:
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.SetBarrier(n)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodGet && (strings.HasSuffix(r.URL.Path, "/models") || strings.HasSuffix(r.URL.Path, "/deployments")):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.list)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions"):
		if bytes.Contains(body, streamKey) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = w.Write(s.stream)
			return
		}
		s.await()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.completion)
	default:
		http.Error(w, "not found: "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

const chunkID = "chatcmpl-1d73f61f209e434d9b5dda4fa304ee73"

// Stream is an OpenAI-style chat stream (as DIAL relays it) of n chunks:
// a role chunk, n-2 content chunks of contentLen bytes, a finish chunk with
// usage, then [DONE].
func Stream(n, contentLen int) []byte {
	var b bytes.Buffer
	head := `data: {"id":"` + chunkID + `","object":"chat.completion.chunk","created":1748953530,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_07871e2ad8","choices":[{"index":0,"delta":`
	b.WriteString(head + `{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n")
	for i := 0; i < n-2; i++ {
		fmt.Fprintf(&b, `%s{"content":%q},"logprobs":null,"finish_reason":null}],"usage":null}`+"\n\n", head, Content(i, contentLen))
	}
	b.WriteString(head + `{},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":` + fmt.Sprint(n-2) + `,"total_tokens":` + fmt.Sprint(n+9) + `}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// Content is the text of content chunk i: " word<i>" padded with words to
// n bytes (at least the word).
func Content(i, n int) string {
	s := fmt.Sprintf(" word%d", i)
	for len(s) < n {
		s += " lorem"
	}
	if len(s) > n && n > len(fmt.Sprintf(" word%d", i)) {
		s = s[:n]
	}
	return s
}

var completion = []byte(`{"id":"` + chunkID + `","object":"chat.completion","created":1748953530,"model":"gpt-4o-2024-08-06",` +
	`"choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?","refusal":null},"logprobs":null,"finish_reason":"stop"}],` +
	`"usage":{"prompt_tokens":19,"completion_tokens":9,"total_tokens":28},"system_fingerprint":"fp_07871e2ad8"}`)

// modelList is a list both an OpenAI models listing and a DIAL deployments
// listing read: n entries with the members of each.
func modelList(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"object":"list","data":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"model-%d","object":"model","created":1686935002,"owned_by":"organization-owner","model":"model-%d","owner":"organization-owner","status":"succeeded","created_at":1686935002,"updated_at":1686935002,"features":{"rate":true,"tokenize":true,"truncate_prompt":true,"system_prompt":true,"tools":true,"seed":true}}`, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}
