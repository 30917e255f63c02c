package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"time"
)

// --8<-- [start:check-time]
// CheckTime loads a time zone the way the service would (time.LoadLocation
// reads /usr/share/zoneinfo, or the copy embedded with -tags timetzdata) and
// prints its offsets on two fixed dates, so the output never churns.
func CheckTime(name string) ([]string, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err // e.g. "unknown time zone Europe/Madrid"
	}
	winter := time.Date(2026, time.January, 15, 12, 0, 0, 0, time.UTC).In(loc)
	summer := time.Date(2026, time.July, 15, 12, 0, 0, 0, time.UTC).In(loc)
	return []string{fmt.Sprintf("%s: %s in January, %s in July", name, zone(winter), zone(summer))}, nil
}

// --8<-- [end:check-time]

func zone(t time.Time) string {
	abbr, _ := t.Zone()
	return fmt.Sprintf("%s (%s)", abbr, t.Format("-07:00"))
}

// --8<-- [start:check-roots]
// CheckRoots counts the root certificates Go finds in the system trust store
// (on Linux, /etc/ssl/certs/ca-certificates.crt first). With none, every TLS
// connection to any server fails verification.
func CheckRoots() ([]string, error) {
	n, err := systemRoots()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("no trusted root certificates: is /etc/ssl/certs/ca-certificates.crt in the image?")
	}
	return []string{fmt.Sprintf("trust store: %d root certificates", n)}, nil
}

// --8<-- [end:check-roots]

func systemRoots() (int, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		return 0, fmt.Errorf("reading the system trust store: %w", err)
	}
	// Subjects is deprecated because it misses the roots of macOS and Windows
	// system pools; on Linux the pool is loaded from files and it counts them.
	return len(pool.Subjects()), nil //nolint:staticcheck // Linux only, see above
}

// CheckTLS makes one HTTPS request with Go's default client, which trusts the
// system store only. The target "loopback" starts a local test server whose
// certificate comes from a throwaway CA, for machines that cannot reach the
// internet: no trust store holds that CA, so the request must fail, and the
// error shows how Go reports an untrusted certificate.
func CheckTLS(target string) ([]string, error) {
	n, err := systemRoots()
	if err != nil {
		return nil, err
	}
	lines := []string{fmt.Sprintf("trust store: %d root certificates", n)}
	shown := target
	if target == "loopback" {
		addr, stop, err := startLoopbackTLS()
		if err != nil {
			return lines, err
		}
		defer stop()
		target, shown = "https://"+addr+"/", "https://127.0.0.1/ (loopback test server, throwaway CA)"
	}
	lines = append(lines, "GET "+shown)
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(target)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // drop the URL: its port changes on every run
		}
		return lines, err
	}
	defer resp.Body.Close()
	return append(lines, resp.Proto+" "+resp.Status), nil
}

// startLoopbackTLS serves HTTPS on 127.0.0.1 with a certificate signed by a
// CA made a moment ago and thrown away afterwards.
func startLoopbackTLS() (string, func(), error) {
	cert, err := throwawayCert()
	if err != nil {
		return "", nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "hello over TLS") }),
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // the client reports the failure
	}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

func throwawayCert() (tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "golang-journey throwaway test CA"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, nil
}
