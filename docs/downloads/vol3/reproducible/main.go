// Command server is the starting point of the snippet vol3/reproducible: a small HTTP service
// with a health check, made to run in an empty (scratch) image.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	version := flag.Bool("version", false, "print the Go version the binary was built with and exit")
	flag.Parse()
	if *version {
		fmt.Println(runtime.Version())
		return
	}
	server := &http.Server{Addr: *addr, Handler: routes(), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("listening on %s", *addr)
	if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
		os.Exit(1)
	}
}

// routes maps each path to its handler; tests call it without opening a port.
func routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "hello from vol3/reproducible")
	})
	return mux
}
