// Command server is the cgo recipe of Golang journey: a small HTTP service
// that calls into the C library, so its binary is linked against glibc and
// needs glibc and its loader in the image it runs in.
//
// It answers /healthz and /v1/libc (the glibc version its C call returned).
// One-shot flags show what the image gives it: -version (the Go toolchain,
// the platform and CGO_ENABLED, from the binary's build info), -check-libc
// (its interpreter and the libraries it needs, as ldd reads them, and the
// glibc that answered) and -check-user (its user, looked up through glibc).
package main

import (
	"context"
	"encoding/json"
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags and does one thing: serve, or one check. It returns the
// process exit code so that tests can call it without exiting.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to listen on")
	showVersion := fs.Bool("version", false, "print the Go toolchain, the platform and CGO_ENABLED, then exit")
	checkLibc := fs.Bool("check-libc", false, "print the loader and C libraries the binary needs, and the glibc that answers, exit")
	checkUser := fs.Bool("check-user", false, "look the process's user and group up through the C library, exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %q (flags only; see -h)\n", fs.Args())
		return 2
	}

	switch {
	case *showVersion:
		fmt.Fprintf(stdout, "server %s %s/%s CGO_ENABLED=%s\n",
			runtime.Version(), runtime.GOOS, runtime.GOARCH, buildSetting("CGO_ENABLED"))
		return 0
	case *checkLibc:
		return report(stdout, stderr, CheckLibc)
	case *checkUser:
		return report(stdout, stderr, CheckUser)
	}

	logger := log.New(stdout, "", log.LstdFlags|log.LUTC)
	// SIGTERM is what `docker stop` sends to PID 1; Ctrl-C sends SIGINT.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Printf("server stopped: %v", err)
		return 1
	}
	logger.Printf("listening on %s (%s)", *addr, libcVersion())
	if err := serve(ctx, ln, newRouter(), logger); err != nil {
		logger.Printf("server stopped: %v", err)
		return 1
	}
	return 0
}

// newRouter answers /healthz and /v1/libc; anything else is 404.
func newRouter() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /v1/libc", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"libc":        libcVersion(),
			"cgo_enabled": buildSetting("CGO_ENABLED"),
		})
	})
	return mux
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
func report(stdout, stderr io.Writer, check func() ([]string, error)) int {
	lines, err := check()
	if err != nil {
		fmt.Fprintln(stderr, "error:", err)
		return 1
	}
	for _, line := range lines {
		fmt.Fprintln(stdout, line)
	}
	return 0
}
