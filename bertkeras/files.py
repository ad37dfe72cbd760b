"""Atomic writes: a file or a directory appears under its final name complete, or not at all.

Every file bertkeras writes for later (a vocabulary, a config, packed pre-training pairs, a head view page,
a pre-trained or fine-tuned model directory) goes through one of these two functions: the content is
written to a temporary name in the same folder, flushed, and renamed into place (a rename within one file
system is atomic), so a crash or a full disk never leaves a half-written file under the name a later run
reads. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path, write: Callable[[Path], object], *, suffix: str = ".tmp") -> Path:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then rename it to ``path``.

    The temporary file gets the mode a newly created file would have (``0o666`` less the umask), and it is
    removed if ``write`` fails. ``suffix`` ends the temporary name (``np.savez`` wants ``".npz"``).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> atomic_write(folder / "a.txt", lambda tmp: tmp.write_text("hello")).read_text()
        'hello'
        >>> sorted(p.name for p in folder.iterdir())  # no temporary file left behind
        ['a.txt']
    """
    path = Path(path)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb") as f:  # flush the contents before the rename makes them visible
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_directory(target, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_dir)``, then move ``tmp_dir`` to ``target`` in one rename (replacing it).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> model = atomic_directory(folder / "model", lambda tmp: (tmp / "config.json").write_text("{}"))
        >>> sorted(p.name for p in model.iterdir()), sorted(p.name for p in folder.iterdir())
        (['config.json'], ['model'])
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        write(tmp)
        for path in tmp.iterdir():  # flush file contents before the rename makes them visible
            if path.is_file():  # (a sub-folder, e.g. a search record, is written by its own tool)
                with open(path, "rb") as f:
                    os.fsync(f.fileno())
        os.chmod(tmp, 0o755)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


__all__ = ["atomic_directory", "atomic_write", "atomic_write_text"]
