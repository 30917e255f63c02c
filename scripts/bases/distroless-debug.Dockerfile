# Stand-in for gcr.io/distroless/static-debian<N>:debug-nonroot, from Debian packages only (built by
# distroless-debug.sh). The published recipe (GoogleContainerTools/distroless: static/static.bzl, its
# "static debug image with busybox available", and experimental/busybox/): the static image of the same
# user, plus a layer with a busybox binary at /busybox/busybox and a link to it under /busybox for each
# command it offers, PATH extended with /busybox, and /busybox/sh as the entrypoint. distroless takes
# busybox's own static build and links a chosen list of commands (experimental/busybox/commands.bzl);
# here Debian's busybox-static package gives the binary, and every applet it lists gets its link.
ARG SUITE=trixie
ARG DEBIAN_VERSION=13
FROM debian:${SUITE} AS packages

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The version is what the suite carries when the stand-in is built; distroless-debug.sh records it in
# the image's labels (the package's files are not kept, only its binary, as distroless keeps none).
WORKDIR /debs
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get download busybox-static \
    && dpkg-deb -x busybox-static_*.deb /pkg \
    && install -D -m 0755 /pkg/usr/bin/busybox /rootfs/busybox/busybox \
    && for applet in $(/rootfs/busybox/busybox --list); do ln -s busybox "/rootfs/busybox/${applet}"; done \
    && rm -rf /var/lib/apt/lists/* /pkg

FROM gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot
COPY --from=packages /rootfs /
ENV PATH="${PATH}:/busybox"
ENTRYPOINT ["/busybox/sh"]
