"""Check that a built wheel and sdist carry everything bertkeras needs at run time.

    python -m tests.check_dist dist/      (what `make test-colab-stack` runs after building both)

The shipped tiny BERT is package data; a wheel without it installs fine and fails only when a learner
calls ``load_pretrained()``, so the archives themselves are checked before anything is installed.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

import bertkeras
from bertkeras.pretrained import SHIPPED_FILES, SHIPPED_TINY

# Relative to the package directory; the same files `shipped_model_dir()` checks at run time.
_SHIPPED = SHIPPED_TINY.relative_to(Path(bertkeras.__file__).parent).as_posix()
REQUIRED = ("__init__.py", "py.typed", *(f"{_SHIPPED}/{name}" for name in SHIPPED_FILES))


def missing_from(archive: Path) -> list[str]:
    """The REQUIRED package files that ``archive`` (a .whl or an sdist .tar.gz) lacks."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            names = set(z.namelist())
        prefix = "bertkeras/"
    else:
        with tarfile.open(archive) as t:
            names = set(t.getnames())
        prefix = f"{archive.name.removesuffix('.tar.gz')}/bertkeras/"
    return [name for name in REQUIRED if prefix + name not in names]


def check(dist: Path) -> list[str]:
    """Problems with the wheel and sdist in ``dist`` (an empty list when both are complete)."""
    problems = []
    for pattern in ("bertkeras-*.whl", "bertkeras-*.tar.gz"):
        found = sorted(dist.glob(pattern))
        if len(found) != 1:
            problems.append(f"{dist}: expected one {pattern}, found {len(found)}; rebuild with python -m build")
            continue
        problems += [f"{found[0].name} lacks bertkeras/{name}; list it under [tool.setuptools.package-data]"
                     for name in missing_from(found[0])]
    return problems


def main(argv: list[str] | None = None) -> int:
    dist = Path((argv if argv is not None else sys.argv[1:] or ["dist"])[0])
    problems = check(dist)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        for archive in sorted(dist.glob("bertkeras-*")):
            print(f"{archive.name}: {archive.stat().st_size / 1e6:.1f} MB, carries the shipped tiny BERT")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
