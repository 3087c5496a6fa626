// Command tour walks each service's headline flow with the real Go clients
// against the emulators, started in-process on loopback. It needs no network
// and no credentials: `make demo` runs it.
//
// Usage:
//
//	go run ./examples/tour            # every service
//	go run ./examples/tour dial infsh # only these
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"time"
)

// step is one service's part of the tour.
type step struct {
	name string
	run  func(ctx context.Context, w io.Writer) error
}

// steps lists the tour in order; each service adds its walk here.
var steps = []step{
	{"dial", tourDial},
	{"infsh", tourInfsh},
	{"vectorvein", tourVectorVein},
	{"dragoneye", tourDragoneye},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, only []string) error {
	ran := 0
	for _, s := range steps {
		if len(only) > 0 && !slices.Contains(only, s.name) {
			continue
		}
		fmt.Fprintf(w, "\n=== %s ===\n", s.name)
		start := time.Now()
		stepCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := s.run(stepCtx, w)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(w, "--- %s done in %s\n", s.name, time.Since(start).Round(time.Millisecond))
		ran++
	}
	if ran == 0 {
		return fmt.Errorf("no tour step matched %v", only)
	}
	return nil
}
