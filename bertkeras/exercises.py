"""Exercises in the notebooks: a blank answer gets a hint, a filled-in one is checked.

An exercise cell starts with ``# EXERCISE``, leaves the learner's answers blank (``None`` or ``...``) and
ends with a call to :func:`check`. Run as stored, the cell prints a hint and nothing fails, so the
notebook runs top to bottom; once every answer is filled in, :func:`check` either confirms it or raises
an ``AssertionError`` that says what is wrong and repeats the hint. The solution sits in the collapsed
``<details>`` block right after the cell. The test suite runs each notebook as stored and each solution
right after its blank cell, in the same kernel, so CI proves each solution right and each blank cell harmless.

Example:
    >>> check("greedy split", None, ["unh", "##app", "##iness"], hint="take the longest piece that matches")
    [greedy split] not answered yet. Hint: take the longest piece that matches
    >>> check("greedy split", ["unh", "##app", "##iness"], ["unh", "##app", "##iness"], hint="...")
    [greedy split] correct.
    >>> check("greedy split", ["un", "##happ", "##iness"], ["unh", "##app", "##iness"], hint="longest first")
    Traceback (most recent call last):
    ...
    AssertionError: [greedy split] not yet: got ['un', '##happ', '##iness']. Hint: longest first
    >>> check("softmax", [0.2, 0.8], [0.2, 0.8000001], hint="exp, then divide by the sum", tolerance=1e-4)
    [softmax] correct.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

CORRECT = "correct."  # what a checked answer prints; the test suite counts it after each solution


def is_blank(answer: Any) -> bool:
    """True while an answer, or any value of a dict/tuple/list of answers, is still ``None`` or ``...``.

    >>> is_blank(None), is_blank(...), is_blank({"a": 1, "b": None}), is_blank((1, 2)), is_blank([])
    (True, True, True, False, False)
    """
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, Mapping):
        return any(is_blank(v) for v in answer.values())
    if isinstance(answer, tuple | list) and not isinstance(answer, str):
        return any(v is None or v is Ellipsis for v in answer)
    return False


def _equal(answer: Any, expected: Any, tolerance: float | None) -> bool:
    if tolerance is not None:
        a, e = np.asarray(answer, dtype=float), np.asarray(expected, dtype=float)
        return a.shape == e.shape and bool(np.allclose(a, e, atol=tolerance, rtol=0))
    if isinstance(answer, np.ndarray) or isinstance(expected, np.ndarray):
        return np.shape(answer) == np.shape(expected) and bool(np.all(np.asarray(answer) == np.asarray(expected)))
    if isinstance(expected, tuple | list) and isinstance(answer, tuple | list):
        return list(answer) == list(expected)
    return answer == expected


def check(name: str, answer: Any, expected: Any = None, *, hint: str, test: Callable[[Any], bool] | None = None,
          tolerance: float | None = None) -> None:
    """Print a hint while ``answer`` is blank; once it is filled in, assert it is right.

    Args:
        name: the exercise, as the notebook calls it.
        answer: the learner's answer: a value, or a dict of values when the exercise asks for several.
        expected: the right answer (compared with ``==``, or within ``tolerance`` for numbers/arrays).
        hint: what to think about; printed while blank and repeated when wrong.
        test: instead of ``expected``, a function of the answer that returns True when it is right (for
            answers with more than one right form, e.g. a function the learner wrote).
        tolerance: absolute tolerance for numeric answers.

    It returns nothing, so a notebook cell that ends with it shows only what it prints.

    Raises:
        AssertionError: the answer is filled in and wrong.
    """
    if is_blank(answer):
        print(f"[{name}] not answered yet. Hint: {hint}")
        return
    ok = test(answer) if test is not None else _equal(answer, expected, tolerance)
    if not ok:
        shown = repr(answer) if len(repr(answer)) <= 200 else repr(answer)[:197] + "..."
        raise AssertionError(f"[{name}] not yet: got {shown}. Hint: {hint}")
    print(f"[{name}] {CORRECT}")


__all__ = ["CORRECT", "check", "is_blank"]
