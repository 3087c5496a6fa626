// Command emulator serves the service emulators as a process, for SDKs in
// other languages and the conformance tests:
//
//	emulator -service dial|infsh|vectorvein|dragoneye|all[,...] [-addr 127.0.0.1:0] [-violations-fatal]
//
// Each service gets its own listener. As soon as one listens, a line
// "<service> <url>" is printed to stdout; when all listen, a line "ready".
// The process runs until SIGINT or SIGTERM. With a fixed port in -addr and
// several services, they listen on consecutive ports in the order given.
//
// Every emulator validates requests and responses against its spec and
// serves the admin endpoints /_emulator/health and /_emulator/violations.
// At shutdown the violations each emulator recorded are printed to stderr;
// with -violations-fatal the process then exits with status 3 if there was
// any.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aiclients/sdk-go/specs"
)

// Exit statuses.
const (
	exitOK         = 0
	exitError      = 1 // a service failed to start
	exitUsage      = 2 // bad flags or an unknown / unavailable service
	exitViolations = 3 // -violations-fatal and a violation was recorded
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, registry)
	stop()
	os.Exit(code)
}

// run is the whole program; ctx ending plays the role of the signal.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, reg map[string]Factory) int {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	service := fs.String("service", "all", "services to serve: "+strings.Join(specs.Services, ", ")+", or all (comma-separated)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address; with a fixed port, services use consecutive ports")
	fatal := fs.Bool("violations-fatal", false, "exit with status 3 at shutdown if any spec violation was recorded")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "emulator: unexpected arguments %q\n", fs.Args())
		return exitUsage
	}
	names, err := selectServices(*service, reg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "emulator: %v\n", err)
		return exitUsage
	}
	addrs, err := listenAddrs(*addr, len(names))
	if err != nil {
		fmt.Fprintf(stderr, "emulator: %v\n", err)
		return exitUsage
	}

	var running []Emulator
	defer func() {
		for _, e := range running {
			e.Close()
		}
	}()
	for i, name := range names {
		e, err := reg[name](addrs[i])
		if err != nil {
			fmt.Fprintf(stderr, "emulator: starting %s: %v\n", name, err)
			return exitError
		}
		running = append(running, e)
		fmt.Fprintf(stdout, "%s %s\n", name, e.BaseURL())
	}
	fmt.Fprintln(stdout, "ready")

	<-ctx.Done()

	total := 0
	for i, e := range running {
		vs, err := violations(e.BaseURL())
		if err != nil {
			fmt.Fprintf(stderr, "emulator: %s: reading violations: %v\n", names[i], err)
		}
		for _, v := range vs {
			fmt.Fprintf(stderr, "%s: %s violation: %s\n", names[i], v.Direction, v.Message)
		}
		if len(vs) > 0 {
			fmt.Fprintf(stderr, "emulator: %s recorded %d spec violation(s)\n", names[i], len(vs))
		}
		total += len(vs)
		e.Close()
	}
	running = nil
	if *fatal && total > 0 {
		return exitViolations
	}
	return exitOK
}

// violation is the part of the kit's Violation this command prints.
type violation struct {
	Direction string `json:"direction"`
	Message   string `json:"message"`
}

// violations reads an emulator's violations from its admin endpoint.
func violations(baseURL string) ([]violation, error) {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	resp, err := c.Get(baseURL + "/_emulator/violations")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	var vs []violation
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&vs); err != nil {
		return nil, err
	}
	return vs, nil
}

// selectServices expands the -service flag. Explicit names must be
// registered; "all" takes every registered service (in specs.Services order)
// and only warns about those not available yet.
func selectServices(flagValue string, reg map[string]Factory, stderr io.Writer) ([]string, error) {
	var names []string
	for part := range strings.SplitSeq(flagValue, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
			continue
		case part == "all":
			for _, name := range allServices(reg) {
				if reg[name] == nil {
					fmt.Fprintf(stderr, "emulator: service %s is not available yet (skipped)\n", name)
					continue
				}
				names = append(names, name)
			}
		case reg[part] != nil:
			names = append(names, part)
		case slices.Contains(specs.Services, part):
			return nil, fmt.Errorf("service %s is not available yet", part)
		default:
			return nil, fmt.Errorf("unknown service %q (known: %s, all)", part, strings.Join(allServices(reg), ", "))
		}
	}
	names = dedupe(names)
	if len(names) == 0 {
		return nil, errors.New("no service available to serve")
	}
	return names, nil
}

// allServices lists the spec'd services, then any other registered ones.
func allServices(reg map[string]Factory) []string {
	out := slices.Clone(specs.Services)
	var extra []string
	for name := range reg {
		if !slices.Contains(out, name) {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// listenAddrs gives each of n services an address: port 0 stays 0 (each
// gets its own free port); a fixed port P gives P, P+1, ...
func listenAddrs(addr string, n int) ([]string, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port+n-1 > 65535 {
		return nil, fmt.Errorf("invalid -addr %q: bad port", addr)
	}
	out := make([]string, n)
	for i := range out {
		p := port
		if port != 0 {
			p = port + i
		}
		out[i] = net.JoinHostPort(host, strconv.Itoa(p))
	}
	return out, nil
}
