// Command server is the service of Vol. 2 of Golang journey: small, standard
// library only, and made to show what happens to a Go binary when a container
// engine runs it. Each endpoint is one experiment of the volume: /slow holds a
// request in flight while the container stops, /alloc allocates on demand
// under a memory limit, /tempfile needs a writable temporary directory, and
// /sick makes the health check fail.
//
// One-shot flags: -version, -cpus (what the Go runtime sees of the CPU) and
// -healthcheck (the exec-form HEALTHCHECK of an image without a shell).
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags and does one thing; it returns the exit code so that
// tests can call it without exiting.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to listen on")
	showVersion := fs.Bool("version", false, "print the Go toolchain that built the binary, then exit")
	showCPUs := fs.Bool("cpus", false, "print GOMAXPROCS and the CPUs the process may use, then exit")
	healthcheck := fs.Bool("healthcheck", false, "ask the running server's /healthz, exit 0 if it answers 200")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q (flags only; see -h)\n", fs.Args())
		return 2
	}
	switch {
	case *showVersion:
		fmt.Fprintf(stdout, "server %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case *showCPUs:
		fmt.Fprintln(stdout, cpuReport())
		return 0
	case *healthcheck:
		return checkHealth(*addr, stdout, stderr)
	}

	// JSON lines on stdout: a container's log is its stdout and stderr, and
	// a log collector reads JSON without a parser written for this service.
	logger := slog.New(slog.NewJSONHandler(stdout, nil))
	logger.Info("starting", "addr", *addr, "go", runtime.Version(),
		"gomaxprocs", runtime.GOMAXPROCS(0), "numcpu", runtime.NumCPU(),
		"gomemlimit", debug.SetMemoryLimit(-1))
	if err := serve(*addr, newServer(logger), logger); err != nil {
		logger.Error("server stopped", "error", err.Error())
		return 1
	}
	return 0
}

// cpuReport says what the runtime decided: GOMAXPROCS is how many threads run
// Go code at once; NumCPU is how many CPUs the process may be scheduled on.
func cpuReport() string {
	return fmt.Sprintf("GOMAXPROCS=%d NumCPU=%d (%s)", runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version())
}
