package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"
)

// A request in flight when the server is told to stop is answered, and serve
// returns without an error once it was.
func TestServeFinishesRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, addr, NewRouter(io.Discard), log.New(io.Discard, "", 0)) }()
	waitListening(t, addr)

	answered := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/v1/slow?ms=300")
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond) // the request is now being answered
	stop()
	if code := <-answered; code != http.StatusOK {
		t.Fatalf("request in flight got %d, want 200", code)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

func TestSlowRefusesBadDurations(t *testing.T) {
	for _, path := range []string{"/v1/slow?ms=abc", "/v1/slow?ms=-1", "/v1/slow?ms=10001"} {
		if rec := get(t, path); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", path, rec.Code)
		}
	}
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 100 {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}
