package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestLibcVersionComesFromGlibc(t *testing.T) {
	if got := libcVersion(); !strings.HasPrefix(got, "glibc 2.") {
		t.Fatalf("libcVersion() = %q, want glibc 2.x", got)
	}
}

func TestTheTestBinaryIsLinkedAgainstLibc(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	interp, needed, err := Linking(self)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(interp, "ld-linux") {
		t.Errorf("interpreter %q, want the glibc loader", interp)
	}
	if !slices.Contains(needed, "libc.so.6") {
		t.Errorf("needs %q, want libc.so.6 among them", needed)
	}
}

func TestCheckLibcSaysWhatTheBinaryNeedsAndWhoAnswered(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-check-libc"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"CGO_ENABLED=", "interpreter: ", "needs: ", "libc.so.6", "glibc 2."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-check-libc printed %q, missing %q", out.String(), want)
		}
	}
}

func TestCheckUserNamesTheUser(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"-check-user"}, &out, &errs); code != 0 {
		t.Skipf("this machine's user has no name to look up: %s", errs.String())
	}
	if !strings.HasPrefix(out.String(), "uid=") || !strings.Contains(out.String(), "(") {
		t.Errorf("-check-user printed %q", out.String())
	}
}

func TestRoutes(t *testing.T) {
	router := newRouter()
	health := httptest.NewRecorder()
	router.ServeHTTP(health, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if health.Code != http.StatusOK {
		t.Errorf("/healthz answered %d", health.Code)
	}
	libc := httptest.NewRecorder()
	router.ServeHTTP(libc, httptest.NewRequest(http.MethodGet, "/v1/libc", nil))
	var body map[string]string
	if err := json.Unmarshal(libc.Body.Bytes(), &body); err != nil {
		t.Fatalf("/v1/libc answered %q: %v", libc.Body.String(), err)
	}
	if !strings.HasPrefix(body["libc"], "glibc 2.") {
		t.Errorf("/v1/libc answered %v", body)
	}
	missing := httptest.NewRecorder()
	router.ServeHTTP(missing, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if missing.Code != http.StatusNotFound {
		t.Errorf("/nope answered %d", missing.Code)
	}
}

func TestAStrayArgumentIsRefused(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"serve"}, &out, &errs); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
