package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	m.Run()
}

// get serves one request through the real router and returns the recorder.
func get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	NewRouter(io.Discard).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

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

func TestAccessLogGoesToTheGivenWriter(t *testing.T) {
	var logs strings.Builder
	NewRouter(&logs).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v1/profile", nil))
	if !strings.Contains(logs.String(), "/v1/profile") {
		t.Fatalf("access log %q does not mention the request", logs.String())
	}
}
