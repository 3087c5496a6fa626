package poll_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aiclients/sdk-go/pkg/poll"
)

func ExampleUntil() {
	// A stand-in for "GET /tasks/{id}": the task finishes on the third check.
	checks := 0
	getStatus := func(ctx context.Context) (string, bool, error) {
		checks++
		if checks == 3 {
			return "completed", true, nil
		}
		return "running", false, nil
	}

	policy := poll.Policy{
		Interval:    10 * time.Millisecond,
		Multiplier:  2,
		MaxInterval: 100 * time.Millisecond,
		Timeout:     5 * time.Second,
		Immediate:   true,
	}
	status, err := poll.Until(context.Background(), policy, getStatus, func(attempt int, status string) {
		fmt.Printf("check %d: %s\n", attempt, status)
	})
	var te *poll.TimeoutError
	if errors.As(err, &te) {
		fmt.Printf("gave up after %d checks, last status %v\n", te.Attempts, te.Last)
		return
	}
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("final:", status)
	// Output:
	// check 1: running
	// check 2: running
	// check 3: completed
	// final: completed
}
