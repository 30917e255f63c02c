# Stand-in for the official debian:<suite>-slim image, from Debian packages only (built by
# debian-slim.sh). The official slim variant is the debian:<suite> root filesystem put through
# debuerreotype-slimify (debuerreotype/debuerreotype: scripts/debuerreotype-slimify, with
# scripts/.slimify-excludes and scripts/.slimify-includes): it writes /etc/dpkg/dpkg.cfg.d/docker, a
# path-exclude line for each of /usr/share/doc/*, groff/*, info/*, linda/*, lintian/overrides/*,
# locale/* and man/* under /usr/share, and path-include lines that keep every package's copyright file
# and a few locale files; then it deletes the installed files those lines exclude (not directories or
# links), and the directories and dangling links left empty. Later apt installs keep them out too.
# Here the debian:<suite> stand-in (debian.sh, the same debootstrap) is that root filesystem; a stage
# does the same, and scratch receives the result as one layer, as the official image is one layer.
ARG SUITE=trixie
FROM debian:${SUITE} AS slim

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The lists as debuerreotype's two files give them (its comments name their sources).
RUN excludes=(/usr/share/doc/'*' /usr/share/groff/'*' /usr/share/info/'*' /usr/share/linda/'*' \
              /usr/share/lintian/overrides/'*' /usr/share/locale/'*' /usr/share/man/'*') \
    && includes=(/usr/share/doc/'*'/copyright /usr/share/doc/kde/HTML/C/'*' /usr/share/gnome/help/'*'/C/'*' \
                 /usr/share/locale/all_languages /usr/share/locale/currency/'*' /usr/share/locale/l10n/'*' \
                 /usr/share/locale/languages /usr/share/locale/locale.alias /usr/share/omf/'*'/'*'-C.emf) \
    && keep=() \
    && for pattern in "${includes[@]}"; do keep+=(${keep[@]:+-o} -path "$pattern"); done \
    && { printf '%s\n' '# This is the "slim" variant of the Debian base image.' \
           '# Many files which are normally unnecessary in containers are excluded,' \
           '# and this configuration file keeps them that way.' \
         && printf 'path-exclude %s\n' "${excludes[@]}" \
         && printf 'path-include %s\n' "${includes[@]}"; } > /etc/dpkg/dpkg.cfg.d/docker \
    && chmod 0644 /etc/dpkg/dpkg.cfg.d/docker \
    && for pattern in "${excludes[@]}"; do \
         dir=${pattern%/\*}; \
         [ -d "$dir" ] || continue; \
         find "$dir" -depth -mindepth 1 -not \( "${keep[@]}" \) -not \( -type d -o -type l \) -delete; \
         while [ -n "$(find "$dir" -depth -mindepth 1 \( -empty -o -xtype l \) -print -delete)" ]; do :; done; \
       done

# The whole slimmed tree, as one layer: a layer that deleted files would not make the image smaller.
FROM scratch
# hadolint ignore=DL3067
COPY --from=slim / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
