package main

import (
	"strings"
	"testing"
)

func TestCheckTimeKnownZone(t *testing.T) {
	lines, err := CheckTime("Europe/Madrid")
	if err != nil {
		t.Fatalf("CheckTime: %v", err)
	}
	want := "Europe/Madrid: CET (+01:00) in January, CEST (+02:00) in July"
	if len(lines) != 1 || lines[0] != want {
		t.Fatalf("got %q, want %q", lines, want)
	}
}

func TestCheckTimeUnknownZone(t *testing.T) {
	_, err := CheckTime("Nowhere/Land")
	if err == nil || err.Error() != "unknown time zone Nowhere/Land" {
		t.Fatalf("got %v, want Go's unknown time zone error", err)
	}
}

// The loopback server's CA exists only in memory, so no trust store can
// hold it: the request must fail certificate verification, never succeed.
func TestCheckTLSLoopbackIsUntrusted(t *testing.T) {
	lines, err := CheckTLS("loopback")
	if err == nil {
		t.Fatalf("request to the throwaway-CA server succeeded: %q", lines)
	}
	if !strings.Contains(err.Error(), "x509: certificate signed by unknown authority") {
		t.Fatalf("got %v, want an unknown authority error", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1:") {
		t.Fatalf("error %q carries the port, which changes on every run", err)
	}
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "trust store: ") {
		t.Fatalf("got %q, want the trust store count then the request", lines)
	}
}

func TestRunFlags(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-version"}, 0, "server dev go1.", ""},
		{[]string{"-check-time", "Europe/Madrid"}, 0, "CEST (+02:00) in July", ""},
		{[]string{"-check-time", "Mars/Olympus"}, 1, "", "error: unknown time zone Mars/Olympus"},
		{[]string{"-check-user"}, 0, "uid=", ""},
		{[]string{"-no-such-flag"}, 2, "", "flag provided but not defined"},
		{[]string{"/opt/server", "-version"}, 2, "", "unexpected arguments"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := run(tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stdout %q stderr %q, want %q and %q", stdout.String(), stderr.String(), tc.stdout, tc.stderr)
			}
		})
	}
}
