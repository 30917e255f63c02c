package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	cases := []struct {
		path, want string
		status     int
	}{
		{"/", "hello from vol3/reproducible", http.StatusOK},
		{"/healthz", "ok", http.StatusOK},
		{"/missing", "404 page not found", http.StatusNotFound},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("GET %s = %d %q, want %d containing %q", c.path, rec.Code, rec.Body.String(), c.status, c.want)
		}
	}
}
