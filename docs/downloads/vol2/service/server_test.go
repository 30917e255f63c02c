package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func call(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

func TestHealthTurnsSickAndStaysSick(t *testing.T) {
	h := newServer(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if rec := call(t, h, http.MethodGet, "/healthz"); rec.Code != http.StatusOK {
		t.Fatalf("healthz: %d", rec.Code)
	}
	if rec := call(t, h, http.MethodPost, "/sick"); rec.Code != http.StatusOK {
		t.Fatalf("sick: %d", rec.Code)
	}
	for range 2 {
		if rec := call(t, h, http.MethodGet, "/healthz"); rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("healthz after /sick: %d, want 503", rec.Code)
		}
	}
	if rec := call(t, h, http.MethodGet, "/sick"); rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /sick: %d, want 405", rec.Code)
	}
}

func TestBadNumbersAreRefused(t *testing.T) {
	h := newServer(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	for _, path := range []string{"/slow?ms=x", "/slow?ms=10001", "/alloc?live=0", "/alloc?total=-1", "/tempfile?kb=70000"} {
		if rec := call(t, h, http.MethodGet, path); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", path, rec.Code)
		}
	}
}

func TestAllocCountsItsCollections(t *testing.T) {
	h := newServer(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	rec := call(t, h, http.MethodGet, "/alloc?total=64&live=4")
	var got struct {
		Allocated int    `json:"allocated_mib"`
		GC        uint32 `json:"gc_cycles"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Allocated != 64 || got.GC == 0 {
		t.Fatalf("alloc: %d %s (%v)", rec.Code, rec.Body, err)
	}
}

func TestTempfileNeedsAWritableTempDir(t *testing.T) {
	h := newServer(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	t.Setenv("TMPDIR", t.TempDir())
	if rec := call(t, h, http.MethodGet, "/tempfile?kb=64"); rec.Code != http.StatusOK {
		t.Fatalf("tempfile: %d %s", rec.Code, rec.Body)
	}
	t.Setenv("TMPDIR", t.TempDir()+"/missing")
	rec := call(t, h, http.MethodGet, "/tempfile?kb=64")
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "no such file or directory") {
		t.Fatalf("tempfile without its dir: %d %s", rec.Code, rec.Body)
	}
}

func TestEveryRequestButHealthIsOneJSONLogLine(t *testing.T) {
	var logs bytes.Buffer
	h := newServer(slog.New(slog.NewJSONHandler(&logs, nil)))
	call(t, h, http.MethodGet, "/healthz") // not logged: the engine's health checks
	call(t, h, http.MethodGet, "/slow?ms=x")
	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q (%v)", logs.String(), err)
	}
	if line["msg"] != "request" || line["path"] != "/slow" || line["status"] != float64(400) {
		t.Fatalf("log line: %v", line)
	}
}

func TestHealthcheckFlag(t *testing.T) {
	var sick atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://127.0.0.1")
	var out, errs bytes.Buffer
	if code := run([]string{"-healthcheck", "-addr", addr}, &out, &errs); code != 0 {
		t.Fatalf("healthy: exit %d (%s)", code, errs.String())
	}
	sick.Store(true)
	if code := run([]string{"-healthcheck", "-addr", addr}, &out, &errs); code != 1 {
		t.Fatalf("sick: exit %d, want 1", code)
	}
	if !strings.Contains(errs.String(), "503 Service Unavailable") {
		t.Fatalf("stderr: %q", errs.String())
	}
}

func TestOneShotFlags(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-cpus"}, &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "GOMAXPROCS=") {
		t.Fatalf("-cpus: %d %q", code, out.String())
	}
	if code := run([]string{"serve"}, &out, &errs); code != 2 {
		t.Fatalf("a stray word: exit %d, want 2", code)
	}
}
