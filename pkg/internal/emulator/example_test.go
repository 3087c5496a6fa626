package emulator_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aiclients/sdk-go/pkg/internal/emulator"
)

// A service emulator is a handler started with the kit. Here the spec comes
// from WithSpec; service emulators use specs.FS by service name.
func ExampleStart() {
	spec := []byte(`
openapi: 3.0.3
info: {title: demo, version: "1"}
paths:
  /v1/things/{id}:
    get:
      operationId: getThing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the thing
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": r.PathValue("id")})
	})
	// In a test: emulator.Start(t, ...) closes the server with the test and
	// fails it on a response that breaks the spec.
	s, err := emulator.Start(nil, "demo", h, emulator.WithSpec(spec))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// The second request gets an injected 503 with Retry-After.
	s.InjectFault(emulator.Fault{Path: "/v1/things/{id}", Nth: 2, Status: 503, RetryAfter: "1"})
	for range 2 {
		resp, err := http.Get(s.URL + "/v1/things/t1")
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Retry-After"), strings.TrimSpace(string(body)))
	}
	fmt.Println(len(s.Requests()), "requests,", len(s.Violations()), "violations")
	// Output:
	// 200  {"id":"t1"}
	// 503 1 {"error":{"message":"injected fault: 503 Service Unavailable","type":"injected_fault"}}
	// 2 requests, 0 violations
}
