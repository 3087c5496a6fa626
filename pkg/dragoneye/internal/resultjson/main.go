// Command resultjson is the Go side of the Dragoneye cross-checks in
// conformance/: it decodes results bodies to JSON with pkg/dragoneye, and
// encodes result descriptions to bodies with the emulator's writer.
//
//	resultjson decode image|video FILE       print {"objects": …, "frame_timestamps_microseconds": …}
//	resultjson encode DESCRIPTION.json FILE  write the emulator's archive for a description
//	resultjson fetch image|video BASE_URL TASK_ID  print the client's result (DRAGONEYE_API_KEY)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aiclients/sdk-go/pkg/dragoneye"
	"github.com/aiclients/sdk-go/pkg/dragoneye/dragoneyetest"
	"github.com/aiclients/sdk-go/pkg/option"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "resultjson:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 4 && args[0] == "fetch" {
		return fetch(args[1], args[2], args[3])
	}
	if len(args) != 3 {
		return errors.New("usage: resultjson decode image|video FILE | resultjson encode DESCRIPTION.json FILE | resultjson fetch image|video BASE_URL TASK_ID")
	}
	switch args[0] {
	case "decode":
		body, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		out := map[string]any{}
		switch args[1] {
		case "image":
			objs, err := dragoneye.DecodeImageObjects(body)
			if err != nil {
				return err
			}
			out["objects"] = objs
		case "video":
			objs, ts, err := dragoneye.DecodeVideoObjects(body)
			if err != nil {
				return err
			}
			out["objects"] = objs
			out["frame_timestamps_microseconds"] = ts
		default:
			return fmt.Errorf("unknown kind %q", args[1])
		}
		return json.NewEncoder(os.Stdout).Encode(out)
	case "encode":
		data, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		var kind struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(data, &kind); err != nil {
			return err
		}
		var body []byte
		switch kind.Kind {
		case "image":
			var d struct {
				Objects []dragoneye.ImageDetectedObject `json:"objects"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			body, err = dragoneyetest.EncodeImageResults(d.Objects)
		case "video":
			var d struct {
				Objects []dragoneye.VideoDetectedObject `json:"objects"`
				Frames  []int64                         `json:"frame_timestamps_microseconds"`
			}
			if err := json.Unmarshal(data, &d); err != nil {
				return err
			}
			body, err = dragoneyetest.EncodeVideoResults(d.Objects, d.Frames)
		default:
			return fmt.Errorf("unknown kind %q", kind.Kind)
		}
		if err != nil {
			return err
		}
		return os.WriteFile(args[2], body, 0o644)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// fetch prints the result of a finished task as the Go client returns it.
func fetch(kind, baseURL, task string) error {
	c, err := dragoneye.NewClient(option.WithBaseURL(baseURL))
	if err != nil {
		return err
	}
	var res any
	switch kind {
	case "image":
		res, err = c.Predictions.ImageResults(context.Background(), task)
	case "video":
		res, err = c.Predictions.VideoResults(context.Background(), task)
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
