package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"time"
)

// Location is where the author works from.
type Location struct {
	City     string `json:"city"`
	Country  string `json:"country"`
	TimeZone string `json:"timezone"`
}

// Project is one entry of the portfolio.
type Project struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Language    string `json:"language"`
}

// Profile is the public profile.
type Profile struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Location Location `json:"location"`
	Links    []string `json:"links"`
}

var (
	here = Location{City: "Madrid", Country: "ES", TimeZone: "Europe/Madrid"}

	projects = []Project{
		{ID: 1, Name: "golang-journey", Description: "Tiny Docker images for Go services, measured", Language: "Go"},
		{ID: 2, Name: "platform-journey", Description: "Running containers on AWS ECS", Language: "HCL"},
		{ID: 3, Name: "dotfiles", Description: "A reproducible workstation", Language: "Shell"},
	}

	profile = Profile{
		Name:     "A. Gopher",
		Role:     "Backend engineer",
		Location: here,
		Links:    []string{"https://go.dev/", "https://docs.docker.com/build/building/multi-stage/"},
	}
)

// --8<-- [start:routes]
// NewRouter wires the same API as the Gin service, with the method and path
// patterns of Go 1.22's ServeMux. Access logs go to logs (stdout in production).
func NewRouter(logs io.Writer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /v1/location", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, here)
	})
	mux.HandleFunc("GET /v1/projects", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, projects)
	})
	mux.HandleFunc("GET /v1/projects/{id}", projectByID)
	mux.HandleFunc("GET /v1/profile", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, profile)
	})
	mux.HandleFunc("GET /v1/slow", slow)
	return recovered(accessLog(logs, "/healthz", mux))
}

// --8<-- [end:routes]

// projectByID answers one project, 400 for an id that is not a number and 404
// for one that does not exist.
func projectByID(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "id must be a number"})
		return
	}
	for _, p := range projects {
		if p.ID == id {
			writeJSON(w, http.StatusOK, p)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such project"})
}

// maxSlow caps /v1/slow so that one request cannot hold a worker for long.
const maxSlow = 10 * time.Second

// slow answers after ?ms= milliseconds (1000 if absent): a request that is
// still in flight when the container is told to stop.
func slow(w http.ResponseWriter, r *http.Request) {
	raw := r.URL.Query().Get("ms")
	if raw == "" {
		raw = "1000"
	}
	ms, err := strconv.Atoi(raw)
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxSlow {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ms must be a number from 0 to 10000"})
		return
	}
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		writeJSON(w, http.StatusOK, map[string]int{"slept_ms": ms})
	case <-r.Context().Done():
	}
}

// writeJSON answers as Gin's c.JSON does: json.Marshal (no trailing newline)
// and the same Content-Type, so both services send the same bytes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// accessLog writes one line per request (what Gin's logger middleware does),
// except for the path a health checker polls.
func accessLog(logs io.Writer, skip string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path != skip {
			fmt.Fprintf(logs, "%s | %3d | %12v | %s %q\n",
				start.UTC().Format("2006/01/02 - 15:04:05"), rec.status, time.Since(start), r.Method, r.URL.Path)
		}
	})
}

// recovered turns a panicking handler into a 500 answer instead of a dropped
// connection (net/http's own recovery), as gin.Recovery does.
func recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if err := recover(); err != nil {
				log.Printf("panic serving %s: %v", r.URL.Path, err)
				http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
