// Command emulator serves the service emulators as a process, for SDKs in
// other languages and the conformance tests:
//
//	emulator [-service dial|infsh|vectorvein|dragoneye|all[,...]] [-addr 127.0.0.1:0] [-seed N] [-violations-fatal]
//
// `emulator -help` prints the services, their credentials, the admin
// endpoints under /_emulator/ and the output format (helpText).
//
// Each service gets its own listener. Once every listener is bound, a line
// "<service> <url>" per service is printed to stdout, then a line "ready";
// if one cannot start, nothing is printed on stdout and the process exits
// with status 1. The process runs until SIGINT or SIGTERM. With a fixed
// port in -addr and several services, they listen on consecutive ports in
// the order given. -seed makes the ids the emulators generate reproducible.
//
// Every emulator validates requests and responses against its spec. At
// shutdown the violations each emulator recorded are printed to stderr;
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
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	emukit "github.com/aiclients/sdk-go/pkg/emulator"
	"github.com/aiclients/sdk-go/specs"
)

// Exit statuses.
const (
	exitOK         = 0 // also for -help
	exitError      = 1 // a service failed to start (nothing was served)
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
	fs.Usage = func() {} // -help prints helpText to stdout; a bad flag gets a one-line hint
	service := fs.String("service", "all", "services to serve: "+strings.Join(specs.Services, ", ")+", or all (comma-separated)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address; with a fixed port, services use consecutive ports")
	fatal := fs.Bool("violations-fatal", false, "exit with status 3 at shutdown if any spec violation was recorded")
	var seed *int64
	fs.Func("seed", "`N` seeds the ids the emulators generate: the same requests in the same order get the same ids in every run (the emulators' delays are fixed; timestamps follow the clock)", func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errors.New("want an integer")
		}
		seed = &n
		return nil
	})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs, reg)
			return exitOK
		}
		fmt.Fprintln(stderr, "emulator: run `emulator -help` for the flags, services and output")
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
	// All or nothing: every listener is bound before the first line.
	for i, name := range names {
		opts := []emukit.Option{emukit.WithAddr(addrs[i])}
		if seed != nil {
			opts = append(opts, emukit.WithSeed(*seed))
		}
		e, err := reg[name](opts...)
		if err != nil {
			fmt.Fprintf(stderr, "emulator: starting %s on %s: %v (no service is served)\n", name, addrs[i], err)
			return exitError
		}
		running = append(running, e)
	}
	for i, e := range running {
		fmt.Fprintf(stdout, "%s %s\n", names[i], e.BaseURL())
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

// kitAdmin lists the admin endpoints every emulator serves (the kit's,
// pkg/internal/emulator/admin.go); TestHelpAdminEndpointsAnswer checks them.
var kitAdmin = []string{
	"GET    /_emulator/health      {\"status\":\"ok\",\"service\":\"<name>\"}",
	"GET    /_emulator/violations  the spec violations seen so far: JSON list of {direction, operation, method, path, status, field, message}",
	"DELETE /_emulator/violations  forget them",
	"GET    /_emulator/requests    the requests received: JSON list of {method, path, query, header, body (base64), operation, template, path_params, time};",
	"                              credentials redacted unless ?raw=1",
	"DELETE /_emulator/requests    forget them",
	"POST   /_emulator/faults      inject a fault into matching responses, JSON: {method, path (exact or a spec template), nth, times,",
	"                              status, retry_after, body, header, delay, disconnect, drop, drop_after, trickle, trickle_size};",
	"                              durations as \"250ms\" or nanoseconds (go doc github.com/aiclients/sdk-go/pkg/emulator Fault)",
	"DELETE /_emulator/faults      remove every fault",
}

// printHelp writes `emulator -help`.
func printHelp(w io.Writer, fs *flag.FlagSet, reg map[string]Factory) {
	fmt.Fprint(w, `emulator serves the SDK's service emulators on loopback, for tests in any language.
Each emulator answers like the real service and validates every request and response
against the service's OpenAPI spec.

Usage:
  emulator [-service NAMES] [-addr HOST:PORT] [-seed N] [-violations-fatal]

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)

	fmt.Fprint(w, `
Output (stdout):
  one line "<service> <url>" per service, in the order of -service, then a line "ready".
  The lines come once every listener is bound; if a service cannot start (say, its port
  is taken), nothing is printed on stdout, the reason goes to stderr and the exit status
  is 1. The process runs until SIGINT or SIGTERM, then prints the spec violations each
  emulator recorded to stderr.

Exit status:
  0 stopped by a signal, or -help; 1 a service could not start; 2 bad flags or an unknown
  service; 3 -violations-fatal and a spec violation was recorded.

Admin endpoints of every service (below its <url>; never validated against the spec):
`)
	for _, l := range kitAdmin {
		fmt.Fprintln(w, "  "+l)
	}

	fmt.Fprintln(w, "\nServices:")
	names := allServices(reg)
	sort.SliceStable(names, func(i, j int) bool { return reg[names[i]] != nil && reg[names[j]] == nil })
	for _, name := range names {
		if reg[name] == nil {
			fmt.Fprintf(w, "  %s (not available yet)\n", name)
			continue
		}
		d := docs[name]
		fmt.Fprintf(w, "  %s\n", name)
		if d.API != "" {
			fmt.Fprintf(w, "    API at:       <url>%s\n", d.API)
		}
		for i, c := range d.Credentials {
			fmt.Fprintf(w, "    %-14s%s\n", map[bool]string{true: "credentials:", false: ""}[i == 0], c)
		}
		if len(d.Env) > 0 {
			fmt.Fprintf(w, "    Go client:    %s\n", strings.Join(d.Env, " "))
		}
		for i, a := range d.Admin {
			fmt.Fprintf(w, "    %-14s%s\n", map[bool]string{true: "admin:", false: ""}[i == 0], a)
		}
	}
}
