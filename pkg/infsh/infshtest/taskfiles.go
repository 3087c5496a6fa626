package infshtest

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/aiclients/sdk-go/pkg/infsh"
)

// taskFile is a stored file a task names in its input or output.
type taskFile struct {
	f    *file
	role infsh.TaskFileRole
}

// taskFiles returns the stored files t names (by URI or id) in its input
// and then its output, each once per side; s.mu is held.
func (s *Server) taskFiles(t *task, role infsh.TaskFileRole) []taskFile {
	var out []taskFile
	side := func(v any, r infsh.TaskFileRole) {
		if role != "" && role != r {
			return
		}
		seen := map[string]bool{}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if f := s.fileByRef(x); f != nil && !seen[f.id] {
					seen[f.id] = true
					out = append(out, taskFile{f: f, role: r})
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case jsonObject:
				keys := make([]string, 0, len(x))
				for k := range x {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					walk(x[k])
				}
			}
		}
		walk(v)
	}
	side(t.input, infsh.TaskFileRoleInput)
	side(t.output, infsh.TaskFileRoleOutput)
	return out
}

// roleOf reads the role query parameter ("" when absent; the kit has
// checked it against the spec's enum).
func roleOf(r *http.Request) infsh.TaskFileRole {
	return infsh.TaskFileRole(r.URL.Query().Get("role"))
}

// fileByRef finds a stored file by URI or id; s.mu is held.
func (s *Server) fileByRef(ref string) *file {
	if f := s.files[ref]; f != nil {
		return f
	}
	for _, f := range s.files {
		if f.uri == ref {
			return f
		}
	}
	return nil
}

// deleteFile forgets a stored file; s.mu is held.
func (s *Server) deleteFile(f *file) {
	delete(s.files, f.id)
	if f.token != "" {
		delete(s.uploads, f.token)
	}
}

// finishedTask looks up task id and answers 404, or 409 when it has not
// ended (no source shows the real status for that; see the spec).
func (s *Server) finishedTask(w http.ResponseWriter, r *http.Request, id string) *task {
	t := s.lookupTask(w, r, id)
	if t == nil {
		return nil
	}
	s.mu.Lock()
	done := terminal(t.status)
	s.mu.Unlock()
	if !done {
		s.problem(w, r, http.StatusConflict, "TASK_NOT_FINISHED", "task "+id+" has not ended")
		return nil
	}
	return t
}

// deleteTask implements DELETE /tasks/{id}: the task goes, and with
// files=true its input and output files too.
func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t := s.finishedTask(w, r, id)
	if t == nil {
		return
	}
	s.mu.Lock()
	if files, _ := strconv.ParseBool(r.URL.Query().Get("files")); files {
		for _, tf := range s.taskFiles(t, "") {
			s.deleteFile(tf.f)
		}
	}
	delete(s.tasks, id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// listTaskFiles implements GET /tasks/{id}/files.
func (s *Server) listTaskFiles(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t := s.lookupTask(w, r, id)
	if t == nil {
		return
	}
	s.mu.Lock()
	out := make([]infsh.TaskFile, 0)
	for _, tf := range s.taskFiles(t, roleOf(r)) {
		f := tf.f
		tfd := infsh.TaskFile{ID: f.id, CreatedAt: f.created, Role: tf.role, URI: f.uri,
			Filename: f.filename, ContentType: f.contentType}
		if f.size >= 0 {
			tfd.Size = f.size
		}
		out = append(out, tfd)
	}
	s.mu.Unlock()
	s.ok(w, r, out)
}

// deleteTaskFiles implements DELETE /tasks/{id}/files: the task stays.
func (s *Server) deleteTaskFiles(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	t := s.finishedTask(w, r, id)
	if t == nil {
		return
	}
	s.mu.Lock()
	out := infsh.DeletedTaskFiles{Deleted: []string{}, Skipped: []infsh.SkippedTaskFile{}}
	for _, tf := range s.taskFiles(t, roleOf(r)) {
		if s.files[tf.f.id] != nil {
			s.deleteFile(tf.f)
			out.Deleted = append(out.Deleted, tf.f.id)
		}
	}
	s.mu.Unlock()
	s.ok(w, r, out)
}
