package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// server holds the little state the endpoints share.
type server struct {
	logger *slog.Logger
	sick   atomic.Bool
}

func newServer(logger *slog.Logger) http.Handler {
	s := &server{logger: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("POST /sick", s.makeSick)
	mux.HandleFunc("GET /slow", slow)
	mux.HandleFunc("GET /alloc", alloc)
	mux.HandleFunc("GET /tempfile", tempfile)
	return s.logged(mux)
}

// logged writes one JSON line per request, except the health checks: the
// engine asks /healthz every few seconds, and those lines would drown the
// rest. No duration: it differs on every request, and these lines are shown
// as recorded.
func (s *server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path != "/healthz" {
			s.logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	if s.sick.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "sick"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// makeSick turns /healthz to 503 for good: a stand-in for a service that is
// still running but can no longer do its work (a lost database, a deadlock).
func (s *server) makeSick(w http.ResponseWriter, _ *http.Request) {
	s.sick.Store(true)
	writeJSON(w, http.StatusOK, map[string]string{"status": "sick from now on"})
}

// number reads a query parameter between 0 and limit.
func number(r *http.Request, name string, fallback, limit int) (int, bool) {
	text := r.URL.Query().Get(name)
	if text == "" {
		return fallback, true
	}
	n, err := strconv.Atoi(text)
	return n, err == nil && n >= 0 && n <= limit
}

// slow answers after ?ms= milliseconds (at most 10 s), or gives up when the
// client goes away.
func slow(w http.ResponseWriter, r *http.Request) {
	ms, ok := number(r, "ms", 1000, 10000)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be a number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		writeJSON(w, http.StatusOK, map[string]int{"slept_ms": ms})
	case <-r.Context().Done():
	}
}

// sink keeps the last allocations reachable, so the compiler cannot drop them.
var sink [][]byte

// alloc allocates ?total= MiB in 1 MiB blocks, keeping only the last ?live=
// MiB reachable: garbage piles up as fast as the collector lets it. Each page
// is written, so the memory is really used (a fresh block is not, until then).
func alloc(w http.ResponseWriter, r *http.Request) {
	total, okTotal := number(r, "total", 256, 4096)
	live, okLive := number(r, "live", 16, 1024)
	if !okTotal || !okLive || live == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "total (0-4096) and live (1-1024) are MiB"})
		return
	}
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	ring := make([][]byte, live)
	for i := range total {
		block := make([]byte, 1<<20)
		for page := 0; page < len(block); page += 4096 {
			block[page] = 1
		}
		ring[i%live] = block
	}
	sink = ring
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	sink = nil
	writeJSON(w, http.StatusOK, map[string]any{
		"allocated_mib": total,
		"live_mib":      live,
		"gc_cycles":     after.NumGC - before.NumGC,
	})
}

// tempfile writes ?kb= KiB to a new file in the temporary directory and
// removes it: what a multipart upload does past its memory limit.
func tempfile(w http.ResponseWriter, r *http.Request) {
	kb, ok := number(r, "kb", 512, 65536)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "kb must be a number from 0 to 65536"})
		return
	}
	f, err := os.CreateTemp("", "upload-*")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(make([]byte, kb<<10)); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"dir": os.TempDir(), "written_kib": kb})
}
