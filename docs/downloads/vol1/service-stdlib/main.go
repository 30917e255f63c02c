// Command server is the small HTTP API of Volume 1 of Golang journey, on the
// standard library only: the same routes, answers and one-shot checks as the
// Gin service next to it, so the two images weigh what the framework costs.
//
// Besides serving the API it has a few one-shot checks (-check-time,
// -check-tls, -check-roots, -check-user, -version). They exist so that each
// piece an empty image can miss (zoneinfo, the CA bundle, a user) can be
// probed with a single `docker run`, and the real error shown to readers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// shutdownGrace bounds how long requests in flight may take to finish after
// SIGTERM: well under the 10 s that `docker stop` waits before it kills.
const shutdownGrace = 5 * time.Second

// version is set at build time with -ldflags="-X main.version=…" when wanted.
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags and does one thing: serve, or one check. It returns the
// process exit code so that tests can call it without exiting.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":5000", "address to listen on")
	showVersion := fs.Bool("version", false, "print the version and the Go toolchain, then exit")
	checkTime := fs.String("check-time", "", "load a time zone by name (e.g. Europe/Madrid), print its offsets, exit")
	checkTLS := fs.String("check-tls", "", "make an HTTPS request to a URL (or \"loopback\": a local test server), exit")
	checkRoots := fs.Bool("check-roots", false, "count the trusted root certificates the system offers, exit")
	checkUser := fs.Bool("check-user", false, "print the user and group ids the process runs as, exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		// A stray word would otherwise stop flag parsing and start the server.
		fmt.Fprintf(stderr, "unexpected arguments: %q (flags only; see -h)\n", fs.Args())
		return 2
	}

	switch {
	case *showVersion:
		fmt.Fprintf(stdout, "server %s %s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case *checkTime != "":
		return report(stdout, stderr, func() ([]string, error) { return CheckTime(*checkTime) })
	case *checkTLS != "":
		return report(stdout, stderr, func() ([]string, error) { return CheckTLS(*checkTLS) })
	case *checkRoots:
		return report(stdout, stderr, CheckRoots)
	case *checkUser:
		fmt.Fprintf(stdout, "uid=%d gid=%d\n", os.Getuid(), os.Getgid())
		return 0
	}

	// Logs go to stdout only: a container's logs are its stdout and stderr.
	// (The 2019 service also wrote to a file under out/, which does not exist
	// in a scratch image; io.MultiWriter then stopped at the failing file and
	// not a single line reached stdout.)
	logger := log.New(stdout, "", log.LstdFlags|log.LUTC)
	// SIGTERM is what `docker stop` sends to PID 1; Ctrl-C sends SIGINT.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Printf("server stopped: %v", err)
		return 1
	}
	logger.Printf("listening on %s", *addr)
	if err := serve(ctx, ln, NewRouter(stdout), logger); err != nil {
		logger.Printf("server stopped: %v", err)
		return 1
	}
	return 0
}

// serve answers on ln until ctx is cancelled, then stops taking connections
// and lets the requests in flight finish, for at most shutdownGrace.
func serve(ctx context.Context, ln net.Listener, handler http.Handler, logger *log.Logger) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err // the listener failed before any signal
	case <-ctx.Done():
	}
	logger.Printf("shutting down: finishing requests in flight (at most %v)", shutdownGrace)
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(deadline); err != nil {
		return fmt.Errorf("requests still running after %v: %w", shutdownGrace, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("stopped")
	return nil
}

// report runs a check, prints what it found and turns it into an exit code.
// A failed check prints everything to stderr, so that what led to the error
// and the error itself stay in order in `docker logs`.
func report(stdout, stderr io.Writer, check func() ([]string, error)) int {
	lines, err := check()
	out := stdout
	if err != nil {
		out = stderr
	}
	for _, line := range lines {
		fmt.Fprintln(out, line)
	}
	if err != nil {
		fmt.Fprintln(out, "error:", err)
		return 1
	}
	return 0
}
