package infshtest

import (
	"fmt"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"net/http"
	"sort"
	"time"
)

// Session error codes, as the real API names them.
const (
	CodeSessionNotFound = "SESSION_NOT_FOUND" // 404
	CodeSessionExpired  = "SESSION_EXPIRED"   // 410
	CodeSessionEnded    = "SESSION_ENDED"     // 410
	CodeWorkerLeased    = "WORKER_LEASED"     // 409
	CodeAppMismatch     = "APP_MISMATCH"      // 400
)

type session struct {
	id, app, workerID, firstTask string
	status                       string // active, ended, expired
	idle                         time.Duration
	created, expires, lastCall   time.Time
	ended                        time.Time
	calls                        int
	busy                         string // id of the task running in it
	state                        jsonObject
}

// refresh marks an idle-expired session; s.mu is held.
func (s *Server) refresh(ss *session) {
	if ss.status == "active" && ss.busy == "" && s.now().After(ss.expires) {
		ss.status = "expired"
	}
}

// dto is the session as the API answers it: the client's generated type.
func (ss *session) dto() infsh.Session {
	last := ss.lastCall
	out := infsh.Session{
		ID: ss.id, Status: infsh.SessionStatus(ss.status), AppID: ss.app, WorkerID: ss.workerID,
		CallCount: ss.calls, IdleTimeout: int(ss.idle / time.Second), ExpiresAt: ss.expires,
		CreatedAt: ss.created, UpdatedAt: ss.lastCall, LastCallAt: &last, TaskID: ss.firstTask,
	}
	if !ss.ended.IsZero() {
		ended := ss.ended
		out.EndedAt = &ended
	}
	return out
}

func sessionMessage(code, id string) string {
	switch code {
	case CodeSessionNotFound:
		return fmt.Sprintf("session %s not found", id)
	case CodeSessionExpired:
		return fmt.Sprintf("session %s expired after its idle timeout", id)
	case CodeSessionEnded:
		return fmt.Sprintf("session %s has ended", id)
	case CodeWorkerLeased:
		return fmt.Sprintf("the worker of session %s is busy with another call", id)
	case CodeAppMismatch:
		return fmt.Sprintf("session %s belongs to another app", id)
	}
	return "session error"
}

// claimSession starts ("new") or continues a session for task t. On failure
// it returns nil, the HTTP status and the error code.
func (s *Server) claimSession(ref, app string, timeout *int, t *task) (*session, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if ref == "new" {
		idle := s.cfg.defaultIdle
		if timeout != nil {
			idle = time.Duration(*timeout) * time.Second
		}
		ss := &session{
			id: "sess_" + s.newID(), app: appName(app), workerID: "worker_" + s.newID()[:8],
			status: "active", idle: idle, created: now, state: jsonObject{}, firstTask: t.id,
		}
		ss.calls, ss.lastCall, ss.busy, ss.expires = 1, now, t.id, now.Add(idle)
		s.sessions[ss.id] = ss
		return ss, 0, ""
	}
	ss := s.sessions[ref]
	if ss == nil {
		return nil, http.StatusNotFound, CodeSessionNotFound
	}
	s.refresh(ss)
	switch {
	case ss.status == "ended":
		return nil, http.StatusGone, CodeSessionEnded
	case ss.status == "expired":
		return nil, http.StatusGone, CodeSessionExpired
	case ss.app != appName(app):
		return nil, http.StatusBadRequest, CodeAppMismatch
	case ss.busy != "":
		return nil, http.StatusConflict, CodeWorkerLeased
	}
	ss.calls++
	ss.lastCall, ss.busy, ss.expires = now, t.id, now.Add(ss.idle)
	return ss, 0, ""
}

// releaseSession ends t's claim; the idle timer restarts.
func (s *Server) releaseSession(ss *session, t *task) {
	if ss == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss.busy == t.id {
		ss.busy = ""
		if ss.status == "active" {
			ss.expires = s.now().Add(ss.idle)
		}
	}
}

// lookupSession finds a session and applies expiry; on failure it answers.
func (s *Server) lookupSession(w http.ResponseWriter, r *http.Request, id string) (*infsh.Session, *session) {
	s.mu.Lock()
	ss := s.sessions[id]
	if ss == nil {
		s.mu.Unlock()
		s.problem(w, r, http.StatusNotFound, CodeSessionNotFound, sessionMessage(CodeSessionNotFound, id))
		return nil, nil
	}
	s.refresh(ss)
	dto := ss.dto()
	s.mu.Unlock()
	return &dto, ss
}

// listSessions implements GET /sessions.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	out := make([]infsh.Session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		s.refresh(ss)
		out = append(out, ss.dto())
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	s.ok(w, r, out)
}

// getSession implements GET /sessions/{id}. An expired or ended session is
// still returned, with its status.
func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if dto, _ := s.lookupSession(w, r, id); dto != nil {
		s.ok(w, r, dto)
	}
}

// keepaliveSession implements POST /sessions/{id}/keepalive.
func (s *Server) keepaliveSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if dto, ok := s.changeActive(w, r, id, func(ss *session) { ss.expires = s.now().Add(ss.idle) }); ok {
		s.ok(w, r, dto)
	}
}

// endSession implements DELETE /sessions/{id}.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := s.changeActive(w, r, id, func(ss *session) { ss.status, ss.ended = "ended", s.now() }); ok {
		w.WriteHeader(http.StatusNoContent)
	}
}

// changeActive applies change (under s.mu) to session id if it is active and
// returns the changed session; otherwise it answers 404 or 410 and reports
// false.
func (s *Server) changeActive(w http.ResponseWriter, r *http.Request, id string, change func(*session)) (*infsh.Session, bool) {
	dto, ss := s.lookupSession(w, r, id)
	if dto == nil {
		return nil, false
	}
	s.mu.Lock()
	status := ss.status
	if status == "active" {
		change(ss)
		changed := ss.dto()
		dto = &changed
	}
	s.mu.Unlock()
	return dto, !s.gone(w, r, id, status)
}

// gone answers 410 for a session that has ended or expired; it reports
// whether it answered.
func (s *Server) gone(w http.ResponseWriter, r *http.Request, id, status string) bool {
	code := map[string]string{"ended": CodeSessionEnded, "expired": CodeSessionExpired}[status]
	if code == "" {
		return false
	}
	s.problem(w, r, http.StatusGone, code, sessionMessage(code, id))
	return true
}
