# Stand-in for gcr.io/distroless/base-debian<N>:nonroot, from Debian packages only (built by
# distroless-base.sh). The published recipe (GoogleContainerTools/distroless: base/base.bzl,
# base/config.bzl): the static-debian<N>:nonroot image, plus the data of libc6, libssl3t64, libzstd1 and
# zlib1g (debian13's BASE_PACKAGES), each with its dpkg status file under /var/lib/dpkg/status.d. Here the
# static stand-in (distroless.sh) is that image, and a Debian stage unpacks the four packages onto it.
# Neither distroless nor this recipe runs the packages' scripts: no ld.so.cache, the loader's default
# paths find the libraries. The user (65532) and workdir (/home/nonroot) come from the static image.
ARG SUITE=trixie
ARG DEBIAN_VERSION=13
FROM debian:${SUITE} AS packages

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Versions are what the suite carries when the stand-in is built (distroless pins them in a lock file
# that moves with each point release); distroless-base.sh records them in the image's labels.
WORKDIR /debs
# hadolint ignore=DL3008
RUN apt-get update \
    && mkdir -p /rootfs/var/lib/dpkg/status.d \
    && apt-get download libc6 libssl3t64 libzstd1 zlib1g \
    && for deb in libc6 libssl3t64 libzstd1 zlib1g; do \
         dpkg-deb -x "${deb}"_*.deb /rootfs \
         && dpkg-deb -f "${deb}"_*.deb > "/rootfs/var/lib/dpkg/status.d/${deb}"; \
       done \
    && rm -rf /var/lib/apt/lists/*

# /rootfs holds only what the packages unpack under /usr and /etc (trixie's packages ship nothing under
# /lib64 or /lib: base-files' links to /usr, in the static image, stay as they are).
FROM gcr.io/distroless/static-debian${DEBIAN_VERSION}:nonroot
COPY --from=packages /rootfs /
