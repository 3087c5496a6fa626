package infsh

import (
	"context"
	"net/http"

	"github.com/aiclients/sdk-go/gen/infshapi"
	"github.com/aiclients/sdk-go/pkg/option"
)

// Delete deletes a task that has ended. Its input and output files stay;
// DeleteWithFiles deletes them too.
func (s *TaskService) Delete(ctx context.Context, id string, opts ...option.RequestOption) error {
	return s.delete(ctx, id, false, opts)
}

// DeleteWithFiles deletes a task that has ended together with its input and
// output files, even when something else still uses them.
func (s *TaskService) DeleteWithFiles(ctx context.Context, id string, opts ...option.RequestOption) error {
	return s.delete(ctx, id, true, opts)
}

func (s *TaskService) delete(ctx context.Context, id string, files bool, opts []option.RequestOption) error {
	if id == "" {
		return inputErr("task id", "must not be empty")
	}
	params := &infshapi.DeleteTaskParams{}
	if files {
		params.Files = &files
	}
	return s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.DeleteTask(ctx, id, params)
	}, nil)
}

// roleParam is the role query parameter: absent for "".
func roleParam(role TaskFileRole) *infshapi.TaskFileRoleQuery {
	if role == "" {
		return nil
	}
	r := infshapi.TaskFileRoleQuery(role)
	return &r
}

// Files lists the files a task consumed (TaskFileRoleInput) and produced
// (TaskFileRoleOutput); role "" lists both.
func (s *TaskService) Files(ctx context.Context, id string, role TaskFileRole, opts ...option.RequestOption) ([]TaskFile, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	var out []TaskFile
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.ListTaskFiles(ctx, id, &infshapi.ListTaskFilesParams{Role: roleParam(role)})
	}, &out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteFiles deletes an ended task's files (one side with role, both with
// "") and keeps the task. A file is deleted even when something else still
// uses it; the result names the deleted files and those left in place.
func (s *TaskService) DeleteFiles(ctx context.Context, id string, role TaskFileRole, opts ...option.RequestOption) (*DeletedTaskFiles, error) {
	if id == "" {
		return nil, inputErr("task id", "must not be empty")
	}
	var out DeletedTaskFiles
	err := s.c.core.Call(ctx, opts, func(ctx context.Context) (*http.Response, error) {
		return s.c.raw.DeleteTaskFiles(ctx, id, &infshapi.DeleteTaskFilesParams{Role: roleParam(role)})
	}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
