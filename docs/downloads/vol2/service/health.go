package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// checkHealth is the exec-form HEALTHCHECK of an image without a shell or
// curl: the binary asks its own running copy. The engine records what it
// prints in the health log, and reads its exit code: 0 healthy, 1 not.
func checkHealth(addr string, stdout, stderr io.Writer) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	client := http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/healthz")
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck: /healthz answered", resp.Status)
		return 1
	}
	fmt.Fprintln(stdout, "healthcheck: /healthz answered", resp.Status)
	return 0
}
