package infshtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

type streamDrop struct {
	afterLines int
}

// DropStreams makes the next count task streams end (cleanly, without a
// terminal update) after they have written afterLines update lines, as a
// real stream cut by a proxy or a deploy.
func (s *Server) DropStreams(afterLines, count int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < count; i++ {
		s.drops = append(s.drops, streamDrop{afterLines: afterLines})
	}
}

func (s *Server) takeDrop() (streamDrop, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.drops) == 0 {
		return streamDrop{}, false
	}
	d := s.drops[0]
	s.drops = s.drops[1:]
	return d, true
}

// lineWriter writes stream items as NDJSON lines or SSE events.
type lineWriter struct {
	w   http.ResponseWriter
	f   http.Flusher
	sse bool
}

func newLineWriter(w http.ResponseWriter, r *http.Request) *lineWriter {
	sse := strings.Contains(r.Header.Get("Accept"), "text/event-stream")
	if sse {
		w.Header().Set("Content-Type", "text/event-stream")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	lw := &lineWriter{w: w, f: f, sse: sse}
	lw.flush()
	return lw
}

func (lw *lineWriter) flush() {
	if lw.f != nil {
		lw.f.Flush()
	}
}

// item writes one JSON value; event names the SSE event ("" for none).
func (lw *lineWriter) item(event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if lw.sse {
		var sb strings.Builder
		if event != "" {
			sb.WriteString("event: " + event + "\n")
		}
		sb.WriteString("data: ")
		sb.Write(b)
		sb.WriteString("\n\n")
		_, err = lw.w.Write([]byte(sb.String()))
	} else {
		_, err = lw.w.Write(append(b, '\n'))
	}
	lw.flush()
	return err
}

func (lw *lineWriter) heartbeat() error {
	var err error
	if lw.sse {
		_, err = lw.w.Write([]byte(": heartbeat\n\n"))
	} else {
		_, err = lw.w.Write([]byte(`{"type":"heartbeat"}` + "\n"))
	}
	lw.flush()
	return err
}

// waitNext waits for the next change (true), writing heartbeats meanwhile;
// false when the client left, a heartbeat failed or the server closes.
func (s *Server) waitNext(r *http.Request, lw *lineWriter, hb *time.Ticker, ch <-chan struct{}) bool {
	for {
		select {
		case <-ch:
			return true
		case <-hb.C:
			if lw.heartbeat() != nil {
				return false
			}
		case <-r.Context().Done():
			return false
		case <-s.ctx.Done():
			return false
		}
	}
}

// tail passes each recorded change from index next on to each, waiting for
// more (with heartbeats) in between, until each returns false, the client
// leaves or the server closes. changes returns the record and the channel
// closed at its next change; it is called with s.mu held.
func tail[E any](s *Server, r *http.Request, lw *lineWriter, changes func() ([]E, <-chan struct{}), next int, each func(E) bool) {
	hb := time.NewTicker(s.cfg.heartbeat)
	defer hb.Stop()
	for {
		s.mu.Lock()
		all, ch := changes()
		pending := all[next:]
		next = len(all)
		s.mu.Unlock()
		for _, e := range pending {
			if !each(e) {
				return
			}
		}
		if !s.waitNext(r, lw, hb, ch) {
			return
		}
	}
}

// deltaLine is the stream line that carries d.
func deltaLine(d *infsh.TaskDelta) infsh.TaskDeltaLine {
	return infsh.TaskDeltaLine{Event: infsh.TaskDeltaLineEventDelta, Data: *d}
}

// streamTask implements GET /tasks/{id}/stream: the current task first, then
// one partial update per change, heartbeats in between, and the whole task
// when it is terminal.
func (s *Server) streamTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t := s.lookupTask(w, r, id)
	if t == nil {
		return
	}
	drop, dropping := s.takeDrop()
	lw := newLineWriter(w, r)
	s.mu.Lock()
	first := t.snapshot()
	next := len(t.changes)
	done := terminal(t.status)
	// The task's deltas so far are replayed to a late stream (as the chat
	// stream does), before the snapshot: a stream that opens on a task that
	// has just ended still carries them.
	var deltas []*infsh.TaskDelta
	for _, c := range t.changes {
		if c.delta != nil {
			deltas = append(deltas, c.delta)
		}
	}
	s.mu.Unlock()
	for _, d := range deltas {
		if lw.item("delta", deltaLine(d)) != nil {
			return
		}
	}
	if err := lw.item("", first); err != nil || done {
		return
	}
	lines := 1
	cut := func() bool { return dropping && lines >= drop.afterLines }
	if cut() {
		return
	}
	tail(s, r, lw, t.changeLog, next, func(c change) bool {
		var err error
		if c.delta != nil {
			err = lw.item("delta", deltaLine(c.delta))
		} else if c.full != nil {
			err = lw.item("", c.full)
		} else {
			err = lw.item("", partialUpdate{Event: "tasks", Data: c.data, Fields: c.fields})
		}
		if err != nil || c.full != nil {
			return false
		}
		lines++
		return !cut()
	})
}
