"""Runtime helpers: the quick switch, seeding, and the TF / tensorflow-text version check."""

from __future__ import annotations

import numpy as np
import pytest

from bertkeras import runtime


def test_quick_switch(monkeypatch):
    for value, expected in [("1", True), ("true", True), ("0", False), ("", False)]:
        monkeypatch.setenv(runtime.QUICK_ENV, value)
        assert runtime.is_quick() is expected


def test_set_seed_makes_numpy_and_keras_repeatable():
    import keras

    runtime.set_seed(7)
    a = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    runtime.set_seed(7)
    b = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_versions_lists_the_stack():
    v = runtime.versions()
    assert {"python", "tensorflow", "tensorflow-text", "keras", "keras-hub"} <= set(v)


def test_mismatched_tensorflow_text_is_caught_with_the_fix(monkeypatch):
    monkeypatch.setattr(runtime, "versions", lambda: {"tensorflow": "2.21.0", "tensorflow-text": "2.20.1"})
    with pytest.raises(ImportError, match=r"pip install 'tensorflow-text==2\.21\.\*'"):
        runtime.check_tensorflow_text()
    monkeypatch.setattr(runtime, "versions", lambda: {"tensorflow": "2.20.0", "tensorflow-text": "2.20.1"})
    runtime.check_tensorflow_text()
