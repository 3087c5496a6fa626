package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Sizes of the cases.
const (
	SmallChunks     = 2000 // stream of short chunks (" word<i>")
	LargeChunks     = 300  // stream of long chunks
	LargeChunkBytes = 2000 // content bytes of one long chunk
	BigMessages     = 40   // the big create request: 40 messages …
	BigMessageBytes = 2048 // … of 2 KiB each (81 KiB of JSON)
	ListEntries     = 20
)

// Group is one kind of call made by each client; Base names the client the
// others are compared with.
type Group struct {
	Name string
	Base string
	Per  int    // units per op (chunks of a stream, 1 for a call)
	Unit string // "chunk" or "call"
	Ops  []Named
}

// Suite is the groups of the table, against the servers at smallURL (short
// stream chunks; also creates and lists) and largeURL (long chunks).
type Suite struct {
	Groups []Group
}

// NewSuite makes the clients and groups.
func NewSuite(smallURL, largeURL string) (*Suite, error) {
	small, err := NewClients(smallURL)
	if err != nil {
		return nil, err
	}
	large, err := NewClients(largeURL)
	if err != nil {
		return nil, err
	}
	return &Suite{Groups: []Group{
		{Name: "stream small chunks", Base: "bare", Per: SmallChunks, Unit: "chunk", Ops: small.StreamOps()},
		{Name: "stream large chunks", Base: "bare", Per: LargeChunks, Unit: "chunk", Ops: large.StreamOps()},
		{Name: "create small", Base: "raw", Per: 1, Unit: "call", Ops: small.CreateOps(prompt)},
		{Name: "create big (81 KB)", Base: "raw", Per: 1, Unit: "call", Ops: small.CreateOps(Messages(BigMessages, BigMessageBytes))},
		{Name: "list", Base: "raw", Per: 1, Unit: "call", Ops: small.ListOps()},
	}}, nil
}

// Servers serves the two servers of a suite; Serve and the admin endpoints
// let cmd/benchpeers run them in a process of their own, so that their
// allocations are not counted as the clients'.
type Servers struct {
	Small, Large *Server
}

// NewServers starts the servers of a suite.
func NewServers() *Servers {
	return &Servers{Small: NewServer(SmallChunks, 0), Large: NewServer(LargeChunks, LargeChunkBytes)}
}

// Close stops them.
func (s *Servers) Close() {
	s.Small.Close()
	s.Large.Close()
}

// BurstResult is what two bursts of concurrent calls through one client
// opened.
type BurstResult struct {
	Client         string
	Calls          int
	First, Second  int64 // connections the server accepted during each burst
	Errors         int64
	FirstDuration  time.Duration
	SecondDuration time.Duration
}

// Counter reads how many connections a server has accepted.
type Counter func() (int64, error)

// Bursts sends two bursts of n concurrent small creates through each
// client of a fresh Clients of url, counting with conns the connections
// the server accepts during each.
func Bursts(ctx context.Context, url string, n int, conns Counter) ([]BurstResult, error) {
	c, err := NewClients(url)
	if err != nil {
		return nil, err
	}
	var out []BurstResult
	for _, op := range c.CreateOps(prompt) {
		r := BurstResult{Client: op.Client, Calls: n}
		for i, dst := range []*int64{&r.First, &r.Second} {
			before, err := conns()
			if err != nil {
				return nil, err
			}
			start := time.Now()
			r.Errors += burst(ctx, op.Op, n)
			d := time.Since(start)
			after, err := conns()
			if err != nil {
				return nil, err
			}
			*dst = after - before
			if i == 0 {
				r.FirstDuration = d
			} else {
				r.SecondDuration = d
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// burst makes n concurrent calls of op and returns how many failed.
func burst(ctx context.Context, op Op, n int) int64 {
	var wg sync.WaitGroup
	var errs atomic.Int64
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := op(ctx); err != nil {
				errs.Add(1)
			}
		}()
	}
	wg.Wait()
	return errs.Load()
}

// Admin paths of a Server.
const (
	connsPath   = "/_bench/conns"
	barrierPath = "/_bench/barrier"
)

// RemoteCounter reads the connection count of the server at url through
// its admin endpoint, with a client of its own (whose one connection is
// counted once, before the first read returns).
func RemoteCounter(url string) Counter {
	hc := &http.Client{}
	return func() (int64, error) {
		resp, err := hc.Get(url + connsPath)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(string(b), 10, 64)
	}
}

// SetRemoteBarrier sets the barrier of the chat completions of the server
// at url (see Server.SetBarrier).
func SetRemoteBarrier(url string, n int) error {
	resp, err := http.Post(url+barrierPath+"?n="+strconv.Itoa(n), "text/plain", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("set barrier: %s", resp.Status)
	}
	return nil
}
