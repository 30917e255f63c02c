"""Serve Go modules from the host to builds in containers, without TLS.

Inside a container on the machines this project verifies on, HTTPS fails (a TLS-intercepting proxy
the containers do not trust), so a Dockerfile's ``RUN go mod download`` cannot reach the public
module proxy. The host can. So, for the duration of the builds, this module

1. runs ``go mod download`` on the host for every snippet module (``GOMODCACHE=<repo>/.cache/gomod``),
2. serves ``<GOMODCACHE>/cache/download`` (which is laid out exactly as the GOPROXY protocol asks) on
   ``http://127.0.0.1:<port>`` with a threaded HTTP server,

and the builds run with ``--network host``, where the golang stand-in's ``GOPROXY`` (its label
``org.golangjourney.standin.goproxy`` names the port) reaches it. The Dockerfile a reader copies is
unchanged: with the real ``golang`` image the same file uses the public proxy.

One port per machine, not one per run: the stand-in's ``ENV GOPROXY`` is baked into the image, and
nothing outside a reader's Dockerfile can change a build's environment (``--build-arg`` reaches only
declared ``ARG`` lines; the predefined proxy args are ignored by Go for loopback hosts). Builds run on the
engine's host network, so whatever listens on that one address is what every build reaches. Giving
each run its own port would mean a stand-in that names a host instead (mapped per build with
``--add-host``), a new stand-in identity and every Go result re-recorded: a decision for the lead.
So two checkouts verifying at once **share** the port: the second run leaves a *lease* (a file naming
its module cache, locked by that run for as long as it lives, and touched every 30 s) and the first
run's server serves a file it lacks from any live lease's cache; the first run, when its own builds are
done, keeps serving until no lease is live (saying for whom, every 30 s). A lease whose run died is
unlocked by the kernel and removed. Only a holder that serves no lease (an older journey) is waited
for, up to ``--timeout``; anything else on the port is an error naming that process.

A lease decides what the server reads, so only this user's own leases count, and only for module
caches (``lease_dirs``, ``live_leases``):

- leases live in a folder only this user may enter: ``$XDG_RUNTIME_DIR/journey-modproxy-<port>/`` when
  that runtime folder is private, else ``<tmp>/journey-modproxy-<uid>-<port>/``, made 0700; one of
  another owner, or open to others, is refused (``take_lease`` fails saying so; servers skip it);
- a lease counts only as a regular file of this user (opened without following a link or waiting on a
  FIFO), locked, touched within ``LEASE_STALE_SECONDS``, naming a ``<GOMODCACHE>/cache/download``
  folder of this user; anything else is ignored and said once on stderr;
- the server answers only with a regular file whose real path (links followed) is under its own cache
  or a live lease's: no ``..``, no link out, no folder listing.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import stat
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote, urlsplit

from journey.core import layout, locks, process
from journey.core.errors import MachineError
from journey.engine import daemon
from journey.engine.images import GOPROXY_LABEL, Image, lookup
from journey.model.manifest import base_refs

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from journey.model.manifest import Snippet

#: The port the golang stand-in's GOPROXY names (scripts/bases/golang.sh writes it into the label).
DEFAULT_PORT = 12601
HOST = "127.0.0.1"
#: Seconds one ``go mod download`` may take (a cold cache of a Gin service is well under a minute).
DOWNLOAD_TIMEOUT = 600
#: While another journey run holds the port: how often to try again, and to say who is waited for.
RETRY_SECONDS = 1.0
REPORT_SECONDS = 30.0
#: A lease's run touches it this often; one not touched for LEASE_STALE_SECONDS is ignored (a stuck or
#: forged lock must not keep a server up, or serving, for ever).
LEASE_RENEW_SECONDS = 30.0
LEASE_STALE_SECONDS = 300.0
#: The most a lease file holds (one path); anything longer is no lease.
LEASE_MAX_BYTES = 4096
#: How often a run makes the lease folder again when it vanished as empty under it.
LEASE_FOLDER_TRIES = 5
_LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp


class ModProxyError(MachineError):
    """The module proxy cannot be provided: download failed, or its port is taken (exit 8: the machine's)."""


def cache_dir(root: Path) -> Path:
    """Return the module cache the host fills and the proxy serves: ``<repo>/.cache/gomod``."""
    return layout.cache_dir(root, "gomod")


def port_from_labels(labels: Mapping[str, str]) -> int | None:
    """Return the port a stand-in's goproxy label names, or None for an image that has none."""
    url = labels.get(GOPROXY_LABEL)
    if not url:
        return None
    parts = urlsplit(url)
    if parts.hostname not in (HOST, "localhost") or parts.port is None:
        raise ModProxyError(f"label {GOPROXY_LABEL}={url!r} does not name a loopback port", step="modproxy")
    return parts.port


def module_dirs(folders: Iterable[Path]) -> list[Path]:
    """Keep the folders that are Go modules (hold a go.mod), each once, in the order given."""
    seen: list[Path] = []
    for folder in folders:
        path = folder.resolve()
        if (path / "go.mod").is_file() and path not in seen:
            seen.append(path)
    return seen


def download(modules: Iterable[Path], gomodcache: Path) -> None:
    """Run ``go mod download`` on the host for each module, into ``gomodcache``.

    ``-modcacherw`` keeps the cache deletable by ``make clean``. Errors name the module folder and
    carry go's own last lines, since those say which module or version is missing.
    """
    env = {**os.environ, "GOMODCACHE": str(gomodcache), "GOFLAGS": "-modcacherw"}
    for module in modules:
        try:
            done = process.run(
                ["go", "mod", "download"],
                cwd=module,
                env=env,
                capture_output=True,
                text=True,
                timeout=DOWNLOAD_TIMEOUT,
                check=False,
            )
        except FileNotFoundError as exc:
            raise ModProxyError(
                "Go is not installed on the host (needed to fetch modules)", step="modproxy"
            ) from exc
        except process.TimeoutExpired as exc:
            cause = f"`go mod download` in {module} took longer than {DOWNLOAD_TIMEOUT} s"
            raise ModProxyError(cause, step="modproxy") from exc
        if done.returncode != 0:
            last = " / ".join(done.stderr.strip().splitlines()[-3:])
            raise ModProxyError(f"`go mod download` in {module} failed: {last}", step="modproxy")


@dataclass
class ModProxy:
    """A running proxy: its URL, and the paths it served (so a test can see a module went through it)."""

    url: str
    port: int
    directory: Path
    served: list[str] = field(default_factory=list)
    #: True when another process already served this cache on the port (itself, or through a lease).
    shared: bool = False
    #: this run's lease on another run's server, held while the run uses it
    lease: Lease | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: str) -> None:
        """Remember one served request path (called from the server's threads)."""
        with self._lock:
            self.served.append(path)


def _me() -> int:
    """Return the user whose leases, lease folders and module caches count (a seam for the tests)."""
    return os.geteuid()


def lease_dirs(port: int) -> list[Path]:
    """Return the folders leases on ``port`` may be in, the one this run writes first.

    ``$XDG_RUNTIME_DIR/journey-modproxy-<port>`` when that runtime folder is a private one of this user,
    then ``<tmp>/journey-modproxy-<uid>-<port>``. Both are read, so two runs of one user started with
    different environments still meet.
    """
    found: list[Path] = []
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/") and layout.private_folder_problem(Path(runtime), _me()) is None:
        found.append(Path(runtime) / f"journey-modproxy-{port}")
    found.append(layout.system_tmp() / f"journey-modproxy-{_me()}-{port}")
    return found


def lease_dir(port: int) -> Path:
    """Return the folder this run leaves its leases on ``port`` in, made (0700) when missing.

    Only this user may write there: a lease names a folder the server reads from, so a folder another
    user made, or may write in, is refused rather than used.
    """
    folder = lease_dirs(port)[0]
    if why := layout.make_private_folder(folder, _me()):
        cause = (
            f"the lease folder {folder} {why}; leases name the folders the shared module proxy serves, "
            "so only you may write there: remove it (or fix it) and run again"
        )
        raise ModProxyError(cause, step="modproxy")
    return folder


@dataclass
class Lease:
    """A run's claim on another run's server: a file naming its cache, locked and renewed while it lives."""

    path: Path
    fd: int
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _renewer: threading.Thread | None = field(default=None, repr=False)

    def keep_renewed(self) -> None:
        """Touch the file every LEASE_RENEW_SECONDS, so the server can tell a live run from a stuck lock."""
        self._renewer = threading.Thread(target=self._renew, name=f"lease:{self.path.name}", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(LEASE_RENEW_SECONDS):
            with contextlib.suppress(OSError):
                os.utime(self.fd)

    def release(self) -> None:
        """Drop the claim: stop renewing, unlock (by closing), remove the file, and its folder if now empty.

        The folder is one per port; a run that finds it gone while it leaves a lease makes it again
        (``take_lease``), so removing an empty one races with nobody.
        """
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=10)
        os.close(self.fd)
        self.path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # another run's lease is still in it
            self.path.parent.rmdir()


def take_lease(port: int, directory: Path) -> Lease:
    """Leave a lease naming ``directory`` for the server on ``port``, locked while this process lives.

    It is written under another name, locked, then renamed: a server never sees an unlocked or half-written
    lease (it would remove the one, and refuse the other).
    """
    name = f"{os.getpid()}-{secrets.token_hex(4)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    for attempt in range(LEASE_FOLDER_TRIES):
        folder = lease_dir(port)
        staged = folder / f"{name}.new"
        try:
            fd = os.open(staged, flags, 0o600)
            break
        except FileNotFoundError:  # the folder was removed as empty (a lease released, a sweep) meanwhile
            if attempt == LEASE_FOLDER_TRIES - 1:
                raise
    try:
        locks.acquire(fd, locks.WAIT)  # a file just made here (O_EXCL): nobody else holds it
        os.write(fd, str(directory.resolve()).encode())
        path = staged.rename(folder / f"{name}.lease")
    except OSError:
        os.close(fd)
        staged.unlink(missing_ok=True)
        raise
    lease = Lease(path, fd)
    lease.keep_renewed()
    return lease


_REPORTED: set[tuple[str, str]] = set()
_REPORTED_LOCK = threading.Lock()


def _report_once(path: Path, kind: str, text: str) -> None:
    """Say on stderr why a lease (or lease folder) is ignored, once per run: servers look every second."""
    with _REPORTED_LOCK:
        if (str(path), kind) in _REPORTED:
            return
        _REPORTED.add((str(path), kind))
    sys.stderr.write(f"modproxy: ignoring {path}: {text}\n")


def _not_a_module_cache(path: Path) -> str | None:
    """Say why ``path`` is not a module cache's download folder of this user, the only thing a lease names.

    It must be written as itself (absolute, no link on the way), end in ``cache/download`` (what
    ``serve`` serves), and be a folder of this user.
    """
    if "\0" in str(path) or not path.is_absolute() or path.parts[-2:] != ("cache", "download"):
        return f"it names {str(path)!r}, not a module cache's <GOMODCACHE>/cache/download folder"
    if Path(os.path.realpath(path)) != path:
        return f"it names {path}, which goes through a symlink"
    if _not_own_folder(path):
        return f"it names {path}, which is not a folder of yours"
    return None


def _not_own_folder(path: Path) -> bool:
    """Tell whether ``path`` is anything but a folder (not a link) of this user."""
    try:
        info = path.lstat()
    except OSError:
        return True
    return not stat.S_ISDIR(info.st_mode) or info.st_uid != _me()


def _lease_cache(path: Path) -> Path | None:
    """Return the cache a live lease file names; None for a dead (then removed), stale or bad one.

    Opened without following a link or waiting (a FIFO answers at once, and is refused as no regular
    file); only a regular file of this user, locked by its run and renewed within LEASE_STALE_SECONDS,
    counts.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:  # its run released it meanwhile
        return None
    except OSError as exc:
        _report_once(path, "open", f"cannot be opened as a lease ({exc.strerror})")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != _me():
            _report_once(path, "kind", "not a regular file of yours")
            return None
        if not locks.acquire(fd, locks.TRY_ONCE):  # its run holds it: live, if renewed and naming a cache
            return _checked_cache(path, fd, info.st_mtime)
        path.unlink(missing_ok=True)  # its run has ended without removing it
        return None
    finally:
        os.close(fd)


def _checked_cache(path: Path, fd: int, renewed: float) -> Path | None:
    """Return the cache a locked lease names, if it was renewed lately and names a module cache."""
    age = time.time() - renewed
    if abs(age) > LEASE_STALE_SECONDS:
        held = f"locked but not renewed for {age:.0f} s (more than {LEASE_STALE_SECONDS:.0f} s)"
        _report_once(path, "stale", f"{held}: its run is stuck, or it is no journey lease")
        return None
    raw = os.read(fd, LEASE_MAX_BYTES + 1)
    text = raw.decode("utf-8", "replace")
    why = "it is longer than a path" if len(raw) > LEASE_MAX_BYTES else _not_a_module_cache(Path(text))
    if why is not None:
        _report_once(path, "cache", why)
        return None
    return Path(text)


def live_leases(port: int) -> list[Path]:
    """Return the caches named by the live leases on ``port`` (a lease nobody holds is removed).

    A lease folder that is not private to this user is not read at all (said once).
    """
    caches: list[Path] = []
    for folder in lease_dirs(port):
        if not folder.exists() and not folder.is_symlink():
            continue
        if why := layout.private_folder_problem(folder, _me()):
            _report_once(folder, "folder", f"a lease folder that {why}")
            continue
        for path in sorted(folder.glob("*.lease")):
            cache = _lease_cache(path)
            if cache is not None and cache not in caches:
                caches.append(cache)
    return caches


def _is_dead_lease(path: Path) -> bool:
    """Whether ``path`` is a lease (or a staged one) of this user that no live run holds locked.

    A staged lease (``.new``) is unlocked for a moment after ``take_lease`` made it and before it locked
    it, so one counts as dead only once it is older than a lease may go unrenewed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != _me():
            return False
        if path.suffix == ".new" and time.time() - info.st_mtime < LEASE_STALE_SECONDS:
            return False
        return locks.acquire(fd, locks.TRY_ONCE)  # False: its run holds it, live
    finally:
        os.close(fd)


def sweep_lease_folders(*, dry_run: bool = False) -> list[Path]:
    """Remove this user's lease folders (any port) that hold no live lease; return those removed.

    Each run of a test picks its own port, and each port its own folder: without this they pile up in
    the temporary folder. A dead lease (its run's lock went with its process) is removed first; a
    folder with anything else in it stays. ``dry_run`` removes nothing and returns what it would.
    """
    removed: list[Path] = []
    places = [(layout.system_tmp(), f"journey-modproxy-{_me()}-*")]
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/"):
        places.append((Path(runtime), "journey-modproxy-*"))
    for parent, pattern in places:
        with contextlib.suppress(OSError):
            for folder in sorted(parent.glob(pattern)):
                if (
                    not folder.name.rsplit("-", 1)[-1].isdigit()
                    or layout.private_folder_problem(folder, _me()) is not None
                ):
                    continue
                entries = list(folder.iterdir())
                if not all(e.suffix in {".lease", ".new"} and _is_dead_lease(e) for e in entries):
                    continue
                if not dry_run:
                    for entry in entries:
                        entry.unlink(missing_ok=True)
                    try:
                        folder.rmdir()
                    except OSError:
                        continue  # a run left a lease meanwhile
                removed.append(folder)
    return removed


def _request_words(target: str) -> list[str] | None:
    """Split a request path into words; None for ``.``, ``..``, a NUL or bad UTF-8 (never a module file)."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    try:
        words = [word for word in unquote(path, errors="strict").split("/") if word]
    except UnicodeDecodeError:
        return None
    if any(word in (".", "..") or "\0" in word for word in words):
        return None
    return words


def _open_under(root: Path, words: list[str]) -> tuple[BinaryIO, os.stat_result] | None:
    """Open the regular file ``root/words`` if, with every link followed, it is still under ``root``."""
    try:
        real = root.joinpath(*words).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root):
        return None
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb"), info


class _Handler(SimpleHTTPRequestHandler):
    """GET/HEAD of regular files in the download cache, or a live lease's; quiet, every request recorded."""

    proxy: ModProxy

    def __init__(self, *args: Any, proxy: ModProxy, **kwargs: Any) -> None:  # noqa: ANN401
        self.proxy = proxy
        super().__init__(*args, directory=str(proxy.directory), **kwargs)

    def do_GET(self) -> None:
        """Serve a module file (404 when the host has not downloaded it: go reports "not found")."""
        self.proxy.record(self.path)
        super().do_GET()

    def _find(self) -> tuple[BinaryIO, os.stat_result] | None:
        """Open the file in this run's cache, else in the cache of a run that leases this server.

        Only a regular file whose real path is under one of those caches: no ``..``, no link out, no
        folder listing, no FIFO to wait on.
        """
        words = _request_words(self.path)
        if words is None:
            return None
        if found := _open_under(self.proxy.directory.resolve(), words):
            return found
        for cache in live_leases(self.proxy.port):
            if found := _open_under(cache, words):
                return found
        return None

    def send_head(self) -> BinaryIO | None:
        """Send the status and headers of a module file (404 for anything else); return it to copy."""
        found = self._find()
        if found is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        handle, info = found
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(self.path.split("?", 1)[0]))
        self.send_header("Content-Length", str(info.st_size))
        self.send_header("Last-Modified", self.date_time_string(int(info.st_mtime)))
        self.end_headers()
        return handle

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401
        """Stay quiet: build logs are what a reader needs, not one line per module file."""


def _bind(port: int, proxy: ModProxy) -> ThreadingHTTPServer | None:
    """Bind the loopback port; None when it is taken (the caller decides whether that is fine)."""
    handler = functools.partial(_Handler, proxy=proxy)
    try:
        return ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return None
        raise ModProxyError(f"cannot listen on {HOST}:{port}: {exc}", step="modproxy") from exc


#: Seconds to wait for whatever holds the port to answer the look in :func:`serves_same_directory`.
LOOK_TIMEOUT = 5.0


def serves_same_directory(url: str, directory: Path) -> bool:
    """Whether the server at ``url`` serves ``directory`` (another journey run on the same cache).

    A file with a random name is written into the directory and fetched: only a server of these
    very files can return it. Two runs on one repository then share one proxy instead of failing.
    """
    token = secrets.token_hex(16)
    probe = directory / f".journey-probe-{token}"
    probe.write_text(token, encoding="utf-8")
    try:
        with urllib.request.urlopen(f"{url}/{probe.name}", timeout=LOOK_TIMEOUT) as answer:  # noqa: S310 - loopback
            return bool(answer.read().decode("utf-8", "replace") == token)
    except (OSError, ValueError):
        return False
    finally:
        probe.unlink(missing_ok=True)


def _port_taken(port: int, holder: str) -> ModProxyError:
    cause = (
        f"port {port} on {HOST} is held by {holder}, which does not serve this repository's module "
        f"cache, but the golang stand-in's GOPROXY ({GOPROXY_LABEL}) names that one port; "
        "let it finish (another checkout's `journey verify`) or stop it, and run again"
    )
    return ModProxyError(cause, step="modproxy")


def _listening_inode(port: int) -> str | None:
    """Return the socket inode listening on 127.0.0.1:port (from /proc/net/tcp), if any."""
    wanted = f"0100007F:{port:04X}"
    try:
        lines = Path("/proc/net/tcp").read_text(encoding="ascii").splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        cells = line.split()
        if len(cells) > 9 and cells[1] == wanted and cells[3] == _LISTEN:  # noqa: PLR2004 - /proc/net/tcp columns
            return cells[9]
    return None


@dataclass(frozen=True)
class Holder:
    """The process listening on the port, as /proc shows it (empty argv: not visible)."""

    what: str
    argv: tuple[str, ...] = ()
    #: nothing listens any more (it ended between the failed bind and the look): just try again
    gone: bool = False

    @property
    def is_journey(self) -> bool:
        """Tell whether it is a ``journey`` run (the console script, or ``python -m journey``)."""
        names = [Path(arg).name for arg in self.argv[:3]]
        return "journey" in names


def port_holder(port: int) -> Holder:
    """Say which process listens on 127.0.0.1:port: pid, command line and working folder.

    Found through /proc (the socket's inode among each process's fds); a process of another user is
    invisible to a non-root caller, and the answer says so.
    """
    inode = _listening_inode(port)
    if inode is None:
        return Holder("a process that has ended", gone=True)
    target = f"socket:[{inode}]"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if any(str(fd.readlink()) == target for fd in (proc / "fd").iterdir()):
                raw = (proc / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
                argv = tuple(a.decode(errors="replace") for a in raw)
                shown = " ".join(argv)[:160]
                return Holder(f"pid {proc.name} ({shown}, in {(proc / 'cwd').readlink()})", argv)
    return Holder("a process this user cannot see (another user's)")


class _Every:
    """Say a line of a long wait at most every REPORT_SECONDS (so CI logs show the wait, not a flood)."""

    def __init__(self) -> None:
        self.last = time.monotonic() - REPORT_SECONDS

    def say(self, text: str) -> None:
        """Write ``modproxy: <text>`` to stderr if the last line is old enough."""
        now = time.monotonic()
        if now - self.last >= REPORT_SECONDS:
            sys.stderr.write(f"modproxy: {text}\n")
            self.last = now


def _wait_for_port(port: int, proxy: ModProxy, wait: float) -> ThreadingHTTPServer | None:
    """Bind the port, waiting while another journey run holds it; None when it serves this cache."""
    started = time.monotonic()
    every = _Every()
    while (server := _bind(port, proxy)) is None:
        if serves_same_directory(proxy.url, proxy.directory):
            return None
        lease = take_lease(port, proxy.directory)
        if serves_same_directory(proxy.url, proxy.directory):  # the holder serves leases: share it
            proxy.lease = lease
            return None
        lease.release()
        holder = port_holder(port)
        now = time.monotonic()
        if holder.gone and now - started < wait:
            time.sleep(RETRY_SECONDS / 10)
            continue
        if not holder.is_journey or now - started >= wait:
            raise _port_taken(port, holder.what)
        every.say(
            f"{HOST}:{port} is held by {holder.what}; waiting for it "
            f"({now - started:.0f} s so far, up to {wait:.0f} s)"
        )
        time.sleep(RETRY_SECONDS)
    return server


def _serve_while_leased(port: int) -> None:
    """Keep serving while another checkout's run leases this server (its builds need it); say so."""
    every = _Every()
    while caches := live_leases(port):
        shown = ", ".join(str(c) for c in caches)
        every.say(f"{HOST}:{port} still serves another checkout's verify ({shown}); waiting for it to finish")
        time.sleep(RETRY_SECONDS)


@contextlib.contextmanager
def serve(gomodcache: Path, port: int = DEFAULT_PORT, wait: float = 0.0) -> Iterator[ModProxy]:
    """Serve ``<gomodcache>/cache/download`` on ``http://127.0.0.1:<port>`` until the block ends.

    If the port is already taken by a server of the same directory (another journey run on this
    repository), that one is used (``ModProxy.shared``); another journey process holding it is
    waited for, up to ``wait`` seconds; anything else on the port is an error naming it.
    """
    directory = gomodcache / "cache" / "download"
    directory.mkdir(parents=True, exist_ok=True)
    proxy = ModProxy(url=f"http://{HOST}:{port}", port=port, directory=directory)
    server = _wait_for_port(port, proxy, wait)
    if server is None:
        proxy.shared = True
        try:
            yield proxy
        finally:
            if proxy.lease is not None:
                proxy.lease.release()
        return
    thread = threading.Thread(target=server.serve_forever, name=f"modproxy:{port}", daemon=True)
    thread.start()
    try:
        yield proxy
        _serve_while_leased(port)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextlib.contextmanager
def serving_modules(
    folders: Iterable[Path], root: Path, port: int = DEFAULT_PORT, wait: float = 0.0
) -> Iterator[ModProxy]:
    """Download the modules of ``folders`` (those holding a go.mod) on the host, then serve them.

    Use around the builds of the snippets whose build contexts are ``folders``; build them with
    ``--network host`` so that the stand-in's ``GOPROXY=http://127.0.0.1:<port>`` reaches this.
    """
    gomodcache = cache_dir(root)
    download(module_dirs(folders), gomodcache)
    with serve(gomodcache, port, wait) as proxy:
        yield proxy


def proxy_port(bases: Iterable[Image]) -> int | None:
    """Return the port the first of these base images names in its goproxy label, else None.

    None means no base is a stand-in with a loopback GOPROXY (real images use the public proxy), so
    there is nothing to serve. The verifier has already looked the bases up: no engine call here.
    """
    for base in bases:
        port = port_from_labels(base.labels)
        if port is not None:
            return port
    return None


@contextlib.contextmanager
def serving_for(
    snippets: Iterable[Snippet], root: Path, bases: Iterable[Image] | None = None, wait: float = 0.0
) -> Iterator[ModProxy | None]:
    """Serve the modules of these snippets' build contexts if a base of theirs asks for it.

    The verifier wraps its builds in this (and builds with ``--network host``); it yields None and
    serves nothing when no base is a stand-in whose GOPROXY points at the host, or when no build context
    has a go.sum (nothing to download).
    """
    chosen = [s for s in snippets if s.build is not None and s.context_dir is not None]
    contexts = [s.context_dir for s in chosen if s.context_dir is not None]
    if bases is None:  # not looked up yet (the benchmark, the tests): ask the engine once per ref
        client = daemon.connect()
        bases = [lookup(client, ref) for ref in dict.fromkeys(r for s in chosen for r in base_refs(s))]
    port = proxy_port(bases)
    # No go.sum anywhere means no module to download: leave the port free (another checkout may use it).
    if port is None or not any((context / "go.sum").is_file() for context in contexts):
        yield None
        return
    with serving_modules(contexts, root, port, wait) as proxy:
        yield proxy
