# Stand-in for the official golang:<minor>-<suite> image, from Debian packages only (built by golang.sh).
# Official recipe: buildpack-deps:<suite>-scm (= debian + the curl set + the scm set), a C toolchain for
# cgo, Go's release tarball at /usr/local/go, the official ENV, /go world-writable, WORKDIR /go.
# Here Go comes from <suite>-backports (golang-<minor>-go) and is moved to /usr/local/go.
# golang.sh then adds GOLANG_VERSION (the installed upstream version) and the provenance labels.
ARG SUITE=trixie
FROM debian:${SUITE}
ARG SUITE
ARG GO_MINOR=1.26
ARG GOPROXY_PORT=12601

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# One apt run for all of it (one package-list download instead of four: the cold build is what a fresh
# CI machine pays): buildpack-deps:<suite>-curl (ca-certificates curl gnupg netbase sq wget),
# buildpack-deps:<suite>-scm (git mercurial openssh-client subversion procps), golang's C toolchain for
# cgo (g++ gcc libc6-dev make pkg-config), and Go from <suite>-backports. dpkg's unsafe-io only skips
# fsyncs that a throw-away build container does not need.
# Versions are whatever the suite carries when the stand-in is built (the Debian archive keeps only
# current versions, so pins would break at the next point release); golang.sh records them in the
# org.golangjourney.standin.packages label.
# Go is then moved to the official path. The package's relative symlinks (src -> ../../share/go-<minor>/src)
# resolve the same from /usr/local/go; a link back keeps dpkg's own paths valid.
# hadolint ignore=DL3008
RUN echo "deb http://deb.debian.org/debian ${SUITE}-backports main" >/etc/apt/sources.list.d/backports.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-unsafe-io \
      ca-certificates curl gnupg netbase sq wget \
      git mercurial openssh-client subversion procps \
      g++ gcc libc6-dev make pkg-config \
      "golang-${GO_MINOR}-go/${SUITE}-backports" \
 && rm -rf /var/lib/apt/lists/* \
 && mv "/usr/lib/go-${GO_MINOR}" /usr/local/go \
 && ln -s /usr/local/go "/usr/lib/go-${GO_MINOR}" \
 && test -f /usr/local/go/src/runtime/runtime.go

# Debian's go.env says GOTOOLCHAIN=auto; the official image pins the toolchain it ships.
ENV GOTOOLCHAIN=local
ENV GOPATH=/go
ENV PATH=$GOPATH/bin:/usr/local/go/bin:$PATH
# HTTPS does not work from inside containers on the machines that build this stand-in (a TLS proxy
# they do not trust): modules come from the host's cache, served on loopback by journey.modproxy
# during `docker buildx build --network host`. The real image uses the public proxy instead.
ENV GOPROXY=http://127.0.0.1:${GOPROXY_PORT}
RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"
WORKDIR $GOPATH
