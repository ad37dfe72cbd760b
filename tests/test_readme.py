"""The README's code must run as printed."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_layers_snippet_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md lost its Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "(2, 2)" in capsys.readouterr().out
