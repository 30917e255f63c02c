package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// shutdownGrace bounds how long requests in flight may take to finish after
// SIGTERM. It is well under the 10 s that `docker stop` waits before SIGKILL,
// so the process exits by itself and every request that could finish did.
const shutdownGrace = 5 * time.Second

// serve answers on addr until ctx is done (SIGTERM or Ctrl-C in main), then
// stops accepting connections and waits for the requests in flight, for at
// most shutdownGrace. Without this, Go's default reaction to SIGTERM ends the
// process at once and cuts every request it was answering.
func serve(ctx context.Context, addr string, handler http.Handler, logger *log.Logger) error {
	srv := &http.Server{Addr: addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	failed := make(chan error, 1)
	go func() { failed <- srv.ListenAndServe() }()
	select {
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	logger.Printf("shutting down: finishing requests in flight (at most %s)", shutdownGrace)
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(deadline); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-failed; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Printf("stopped")
	return nil
}

// maxSlow caps /v1/slow so that one request cannot hold a worker for long.
const maxSlow = 10 * time.Second

// slow answers after ?ms= milliseconds: a request that is still in flight
// when the container is told to stop.
func slow(c *gin.Context) {
	ms, err := strconv.Atoi(c.DefaultQuery("ms", "1000"))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxSlow {
		c.JSON(http.StatusBadRequest, gin.H{"error": "ms must be a number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		c.JSON(http.StatusOK, gin.H{"slept_ms": ms})
	case <-c.Request.Context().Done():
	}
}
