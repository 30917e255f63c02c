//go:build !nosignals

package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// SIGTERM with a request in flight: the request is answered, then serve
// returns nil. (Without the handler, the test binary itself would die.)
func TestSigtermLetsTheRequestInFlightFinish(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	done := make(chan error, 1)
	go func() {
		done <- serve(addr, newServer(slog.New(slog.NewJSONHandler(io.Discard, nil))), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	}()
	for range 100 {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow?ms=300")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("request in flight: %d, want 200", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}
