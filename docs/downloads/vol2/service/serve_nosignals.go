//go:build nosignals

package main

import (
	"log/slog"
	"net/http"
	"time"
)

// serve without a signal handler: what most first services do. Built with
// -tags nosignals for the page that shows what SIGTERM then does to it.
func serve(addr string, handler http.Handler, _ *slog.Logger) error {
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	return srv.ListenAndServe()
}
