# Stand-in for gcr.io/distroless/static-debian<N>:nonroot, from Debian packages only (built by
# distroless.sh). The published recipe (GoogleContainerTools/distroless: static/static.bzl,
# static/config.bzl, common/BUILD.bazel): the data of base-files, netbase, tzdata, tzdata-legacy and
# media-types; a CA bundle made from the ca-certificates package; /etc/passwd and /etc/group with root,
# nobody (65534) and nonroot (65532); /root, /home and /home/nonroot; /tmp (mode 1777); an
# /etc/nsswitch.conf; an /etc/os-release naming Distroless; one dpkg status file per package under
# /var/lib/dpkg/status.d (what scanners read); USER 65532, WORKDIR /home/nonroot for the :nonroot tag.
# Bazel assembles those tars; here a Debian stage unpacks the same packages and scratch receives them.
ARG SUITE=trixie
FROM debian:${SUITE} AS packages
ARG DEBIAN_VERSION=13
ARG SUITE

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Versions are what the suite carries when the stand-in is built (distroless pins them in a lock file
# that moves with each point release); distroless.sh records them in the image's labels.
WORKDIR /debs
# hadolint ignore=DL3008
RUN apt-get update \
    && mkdir -p /rootfs/var/lib/dpkg/status.d \
    && apt-get download base-files netbase tzdata tzdata-legacy media-types ca-certificates \
    && for deb in base-files netbase tzdata tzdata-legacy media-types; do \
         dpkg-deb -x "${deb}"_*.deb /rootfs \
         && dpkg-deb -f "${deb}"_*.deb > "/rootfs/var/lib/dpkg/status.d/${deb}"; \
       done \
    && mkdir /cacerts && dpkg-deb -x ca-certificates_*.deb /cacerts \
    && dpkg-deb -f ca-certificates_*.deb > /rootfs/var/lib/dpkg/status.d/ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# The CA bundle: every certificate the package ships, one after another (what update-ca-certificates
# writes), and the package's copyright; the package's scripts and per-certificate files are not kept.
RUN mkdir -p /rootfs/etc/ssl/certs /rootfs/usr/share/doc/ca-certificates \
    && find /cacerts/usr/share/ca-certificates -name '*.crt' | LC_ALL=C sort \
       | xargs cat > /rootfs/etc/ssl/certs/ca-certificates.crt \
    && cp /cacerts/usr/share/doc/ca-certificates/copyright /rootfs/usr/share/doc/ca-certificates/

# Users, groups, homes, /tmp, name service switch, os-release.
WORKDIR /rootfs
RUN printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
         'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
         'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > etc/passwd \
    && printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > etc/group \
    && printf '%s\n' 'passwd: compat' 'group: compat' 'shadow: compat' 'hosts: files dns' \
         'networks: files' 'protocols: db files' 'services: db files' > etc/nsswitch.conf \
    && rm -f etc/os-release \
    && printf '%s\n' 'PRETTY_NAME="Distroless"' 'NAME="Debian GNU/Linux"' 'ID="debian"' \
         "VERSION_ID=\"${DEBIAN_VERSION}\"" "VERSION=\"Debian GNU/Linux ${DEBIAN_VERSION} (${SUITE})\"" \
         'HOME_URL="https://github.com/GoogleContainerTools/distroless"' > etc/os-release \
    && install -d -m 0700 root \
    && install -d -m 0755 home \
    && install -d -m 0700 -o 65532 -g 65532 home/nonroot \
    && install -d -m 1777 tmp

FROM scratch
COPY --from=packages /rootfs /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532
WORKDIR /home/nonroot
