// Command benchpeers prints one table of the SDK's speed and allocations
// beside its peers (go-openai, openai-go) and hand-written net/http +
// encoding/json loops, from one run: medians of interleaved rounds of every
// case, two bursts of concurrent calls with the connections they opened,
// and the Dragoneye decode against the official Python SDK
// (conformance/dragoneye/bench.py). The servers run in a child process so
// that their allocations are not counted as the clients'.
//
//	cd bench && go run ./cmd/benchpeers -repo ..   (or: make bench-peers)
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aiclients/sdk-go/bench"
)

func main() {
	testing.Init()
	serve := flag.Bool("serve", false, "run the servers and print their URLs (the child process)")
	rounds := flag.Int("rounds", 6, "interleaved rounds of every case")
	benchtime := flag.String("benchtime", "300ms", "time of one case in one round")
	calls := flag.Int("burst", 1000, "concurrent calls of a burst")
	repo := flag.String("repo", "..", "the repository root (for the Dragoneye comparison)")
	dragoneye := flag.Bool("dragoneye", true, "run conformance/dragoneye/bench.py")
	flag.Parse()
	if *serve {
		runServers()
		return
	}
	if err := flag.Set("test.benchtime", *benchtime); err != nil {
		fail(err)
	}
	if err := run(*rounds, *calls, *repo, *dragoneye); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchpeers:", err)
	os.Exit(1)
}

// runServers serves until its standard input closes.
func runServers() {
	s := bench.NewServers()
	defer s.Close()
	fmt.Println(s.Small.URL, s.Large.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

type sample struct{ ns, allocs []float64 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func run(rounds, calls int, repo string, dragoneye bool) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe, "-serve")
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { _ = stdin.Close(); _ = child.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return fmt.Errorf("server process: %w", err)
	}
	urls := strings.Fields(line)
	if len(urls) != 2 {
		return fmt.Errorf("server process printed %q", line)
	}
	suite, err := bench.NewSuite(urls[0], urls[1])
	if err != nil {
		return err
	}
	ctx := context.Background()
	for _, g := range suite.Groups { // warm up (connections, type caches)
		for _, op := range g.Ops {
			if _, err := op.Op(ctx); err != nil {
				return fmt.Errorf("%s/%s: %w", g.Name, op.Client, err)
			}
		}
	}
	results := map[string]*sample{}
	start := time.Now()
	for r := range rounds {
		for _, g := range suite.Groups {
			ops := slices.Clone(g.Ops)
			k := r % len(ops) // rotate the order from round to round
			ops = append(ops[k:], ops[:k]...)
			for _, op := range ops {
				var opErr error
				res := testing.Benchmark(func(b *testing.B) {
					for b.Loop() {
						if _, err := op.Op(ctx); err != nil {
							opErr = err
							b.SkipNow()
						}
					}
				})
				if opErr != nil {
					return fmt.Errorf("%s/%s: %w", g.Name, op.Client, opErr)
				}
				key := g.Name + "/" + op.Client
				s := results[key]
				if s == nil {
					s = &sample{}
					results[key] = s
				}
				s.ns = append(s.ns, float64(res.NsPerOp())/float64(g.Per))
				s.allocs = append(s.allocs, float64(res.MemAllocs)/float64(res.N)/float64(g.Per))
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done (%s)\n", r+1, rounds, time.Since(start).Round(time.Second))
	}

	fmt.Printf("\nbenchpeers: medians of %d interleaved rounds (%s per case per round), GOMAXPROCS=%s, %s\n",
		rounds, flag.Lookup("test.benchtime").Value, strconv.Itoa(runtime.GOMAXPROCS(0)), time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("streams: %d chunks of ~8 content bytes (small), %d chunks of %d (large); big create: %d messages of %d bytes\n\n",
		bench.SmallChunks, bench.LargeChunks, bench.LargeChunkBytes, bench.BigMessages, bench.BigMessageBytes)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tclient\tns/unit\tallocs/unit\ttime ÷ base\tallocs ÷ base\tdial time ÷ this\t")
	for _, g := range suite.Groups {
		base := results[g.Name+"/"+g.Base]
		dial := results[g.Name+"/dial"]
		for _, op := range g.Ops {
			s := results[g.Name+"/"+op.Client]
			ns, al := median(s.ns), median(s.allocs)
			vsDial := ""
			if op.Client != "dial" {
				vsDial = fmt.Sprintf("%.2f×", median(dial.ns)/ns)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f/%s\t%.1f\t%.2f×\t%.2f×\t%s\t\n", g.Name, op.Client, ns, g.Unit, al,
				ns/median(base.ns), al/median(base.allocs), vsDial)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if calls > 0 {
		if err := bursts(ctx, urls[0], calls); err != nil {
			return err
		}
	}
	if dragoneye {
		return dragoneyeTable(repo, rounds)
	}
	return nil
}

func bursts(ctx context.Context, url string, calls int) error {
	// The server answers when all the calls of a burst wait, so that they
	// overlap (as concurrent calls to a model do) and need a connection each.
	if err := bench.SetRemoteBarrier(url, calls); err != nil {
		return err
	}
	res, err := bench.Bursts(ctx, url, calls, bench.RemoteCounter(url))
	if err != nil {
		return err
	}
	if err := bench.SetRemoteBarrier(url, 0); err != nil {
		return err
	}
	fmt.Printf("\ntwo bursts of %d concurrent small creates through one client (the server answers when all wait)\n\n", calls)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "client\tconnections burst 1\tconnections burst 2\terrors\ttime burst 1\ttime burst 2\t")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t\n", r.Client, r.First, r.Second, r.Errors,
			r.FirstDuration.Round(time.Millisecond), r.SecondDuration.Round(time.Millisecond))
	}
	return tw.Flush()
}

// dragoneyeTable runs conformance/dragoneye/bench.py (the official SDK
// against pkg/dragoneye on one polars-written file) and prints its result.
func dragoneyeTable(repo string, rounds int) error {
	repo, err := filepath.Abs(repo)
	if err != nil {
		return err
	}
	py := filepath.Join(repo, ".venv", "bin", "python")
	cmd := exec.Command(py, "conformance/dragoneye/bench.py", "--runs", strconv.Itoa(rounds))
	cmd.Dir = repo
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("conformance/dragoneye/bench.py: %w", err)
	}
	vals := map[string]float64{}
	var file string
	for _, ln := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(ln, "file: "); ok {
			file = rest
		}
		rest, ok := strings.CutPrefix(ln, "RESULT ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			k, v, _ := strings.Cut(kv, "=")
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("bench.py printed %q", ln)
			}
			vals[k] = f
		}
	}
	if len(vals) == 0 {
		return fmt.Errorf("bench.py printed no RESULT line:\n%s", out)
	}
	fmt.Printf("\nDragoneye video result decode (%s), medians of %d runs each\n\n", file, rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "decoder\tms/decode\ttime ÷ Go\t")
	fmt.Fprintf(tw, "pkg/dragoneye (Go; peak heap %.1f MiB)\t%.0f\t1.00×\t\n", vals["go_peak_heap_mb"], vals["go_ms"])
	fmt.Fprintf(tw, "dragoneye-python 2.0.0 (official)\t%.0f\t%.1f×\t\n", vals["python_ms"], vals["python_ms"]/vals["go_ms"])
	return tw.Flush()
}
