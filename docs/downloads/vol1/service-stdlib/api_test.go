package main

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// get serves one request through the real router and returns the recorder.
func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	NewRouter(io.Discard).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// The bodies are the Gin service's, byte for byte (its api_test.go has the same table).
func TestRoutes(t *testing.T) {
	cases := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", http.StatusOK, `{"status":"ok"}`},
		{"/v1/location", http.StatusOK, `{"city":"Madrid","country":"ES","timezone":"Europe/Madrid"}`},
		{"/v1/projects/2", http.StatusOK, `"name":"platform-journey"`},
		{"/v1/projects/99", http.StatusNotFound, `{"error":"no such project"}`},
		{"/v1/projects/two", http.StatusBadRequest, `{"error":"id must be a number"}`},
		{"/v1/nothing", http.StatusNotFound, ``},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(t, tc.path)
			if rec.Code != tc.status {
				t.Fatalf("GET %s: status %d, want %d", tc.path, rec.Code, tc.status)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("GET %s: body %q does not contain %q", tc.path, rec.Body.String(), tc.body)
			}
		})
	}
}

func TestHealthzIsExactlyGinsAnswer(t *testing.T) {
	rec := get(t, "/healthz")
	if rec.Body.String() != `{"status":"ok"}` {
		t.Fatalf("body %q, want Gin's exact bytes (no trailing newline)", rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q, want Gin's", ct)
	}
}

func TestProjectsAreJSON(t *testing.T) {
	rec := get(t, "/v1/projects")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var got []Project
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("decoding /v1/projects: %v", err)
	}
	if len(got) != len(projects) || got[0] != projects[0] {
		t.Fatalf("got %+v, want %+v", got, projects)
	}
}

func TestProfileCarriesLocation(t *testing.T) {
	var got Profile
	if err := json.Unmarshal(get(t, "/v1/profile").Body.Bytes(), &got); err != nil {
		t.Fatalf("decoding /v1/profile: %v", err)
	}
	if got.Location != here {
		t.Fatalf("profile location %+v, want %+v", got.Location, here)
	}
}

func TestAccessLogSkipsHealthz(t *testing.T) {
	var logs strings.Builder
	router := NewRouter(&logs)
	router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/profile", nil))
	if !strings.Contains(logs.String(), `GET "/v1/profile"`) || strings.Contains(logs.String(), "/healthz") {
		t.Fatalf("access log %q: want /v1/profile and no /healthz", logs.String())
	}
}

func TestPanicBecomes500(t *testing.T) {
	h := recovered(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	rec := httptest.NewRecorder()
	log.SetOutput(io.Discard)
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
}

// A request in flight when the signal comes is answered in full; serve
// returns only after it, and well within the grace period.
func TestServeFinishesRequestsInFlight(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		<-release
		writeJSON(w, http.StatusOK, map[string]string{"status": "done"})
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, slow, log.New(io.Discard, "", 0)) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		answer <- resp.Status + " " + string(body)
	}()
	<-started
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case err := <-served:
		t.Fatalf("serve returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if got := <-answer; got != `200 OK {"status":"done"}` {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("the listener still accepts connections after shutdown")
	}
}
