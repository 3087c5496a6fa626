package faultmatrix

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aiclients/sdk-go/pkg/dial"
	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/infsh"
	"github.com/aiclients/sdk-go/pkg/option"
	"github.com/aiclients/sdk-go/pkg/vectorvein"
)

func jsonOK(text string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, text)
	}
}

func base(url string, opts []option.RequestOption) []option.RequestOption {
	return append([]option.RequestOption{option.WithBaseURL(url)}, opts...)
}

// DIAL: Deployments.Get (GET /openai/deployments/{id}; the spec requires id).
func TestDialFaults(t *testing.T) {
	Run(t, Target{
		Service: dial.ServiceName,
		OK:      jsonOK(`{"id":"gpt-4","object":"deployment"}`),
		Call: func(ctx context.Context, url string, opts ...option.RequestOption) error {
			c, err := dial.NewClient(base(url, opts)...)
			if err != nil {
				return err
			}
			_, err = c.Deployments.Get(ctx, "gpt-4")
			return err
		},
	})
}

// inference.sh: Tasks.Get (GET /tasks/{id} in its {"success": true} envelope).
func TestInfshFaults(t *testing.T) {
	Run(t, Target{
		Service: infsh.ServiceName,
		OK:      jsonOK(`{"success":true,"data":{"id":"t-1","status":7}}`),
		Call: func(ctx context.Context, url string, opts ...option.RequestOption) error {
			c, err := infsh.NewClient(base(url, opts)...)
			if err != nil {
				return err
			}
			_, err = c.Tasks.Get(ctx, "t-1")
			return err
		},
	})
}

// VectorVein: AccessKeys.GetAll (GET /vapp/access-key/get in its
// {"status": 200, "data": ...} envelope).
func TestVectorVeinFaults(t *testing.T) {
	Run(t, Target{
		Service: vectorvein.ServiceName,
		OK:      jsonOK(`{"status":200,"msg":"","data":[{"access_key":"k","access_key_type":"L","status":"AC"}]}`),
		Call: func(ctx context.Context, url string, opts ...option.RequestOption) error {
			c, err := vectorvein.NewClient(base(url, opts)...)
			if err != nil {
				return err
			}
			_, err = c.AccessKeys.GetAll(ctx)
			return err
		},
	})
}

// Dragoneye: Predictions.Status (GET /prediction-task/status).
func TestDragoneyeFaults(t *testing.T) {
	Run(t, Target{
		Service: dragoneye.ServiceName,
		OK:      jsonOK(`{"prediction_task_uuid":"t-1","prediction_type":"image","status":"predicted"}`),
		Call: func(ctx context.Context, url string, opts ...option.RequestOption) error {
			c, err := dragoneye.NewClient(base(url, opts)...)
			if err != nil {
				return err
			}
			_, err = c.Predictions.Status(ctx, "t-1")
			return err
		},
	})
}
