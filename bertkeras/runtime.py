"""Where the code runs: quick mode, seeds, the device and the versions of the stack.

Every notebook starts with ``bertkeras.runtime.setup()``; it is the one place that decides between
the small "quick" sizes (``BERTKERAS_QUICK=1``, what CI and ``make test`` use) and the full sizes a
learner runs on a GPU.
"""

from __future__ import annotations

import os
import random
import sys

# TensorFlow reads these when it is first imported, so they must be set before that import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

QUICK_ENV = "BERTKERAS_QUICK"


def is_quick() -> bool:
    """Return True when ``BERTKERAS_QUICK`` asks for the small CPU-sized runs.

    Example:
        >>> import os
        >>> saved = os.environ.get("BERTKERAS_QUICK", "0")
        >>> os.environ["BERTKERAS_QUICK"] = "0"; is_quick()
        False
        >>> os.environ["BERTKERAS_QUICK"] = "1"; is_quick()
        True
        >>> os.environ["BERTKERAS_QUICK"] = saved
    """
    return os.environ.get(QUICK_ENV, "0").strip().lower() in {"1", "true", "yes", "on"}


def set_seed(seed: int) -> None:
    """Seed Python, NumPy, TensorFlow and Keras in one call (Keras also seeds the other three)."""
    import keras
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (an empty list on a CPU-only machine)."""
    import tensorflow as tf

    return [d.name for d in tf.config.list_physical_devices("GPU")]


def versions() -> dict[str, str]:
    """Versions of Python and the packages bertkeras is built on."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    other = () if backend == "tensorflow" else (backend,)  # the model also runs on JAX: then say so, and its version
    for package in ("bertkeras", "tensorflow", "tensorflow-text", "keras", "keras-hub", "numpy", *other):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    if other:
        out["keras_backend"] = backend
    return out


def check_tensorflow_text() -> None:
    """Fail early, with the fix, when tensorflow and tensorflow-text are on different minor versions.

    Their C++ ops share an ABI, so a mismatch shows up later as an obscure ``NotFoundError`` when the
    fast tokenizer loads.
    """
    v = versions()
    tf_v, text_v = v["tensorflow"], v["tensorflow-text"]
    if "not installed" in (tf_v, text_v):
        return
    if tf_v.split(".")[:2] != text_v.split(".")[:2]:
        minor = ".".join(tf_v.split(".")[:2])
        raise ImportError(
            f"tensorflow {tf_v} and tensorflow-text {text_v} are on different minor versions; their "
            f"compiled ops only load together on the same minor. Fix: pip install 'tensorflow-text=={minor}.*'"
        )


def setup(seed: int = 42) -> bool:
    """Seed everything and return the quick switch; the first call in every notebook.

    Args:
        seed: one seed for Python, NumPy, TensorFlow and Keras.

    Returns:
        True in quick mode (``BERTKERAS_QUICK=1``), False for the full-size course.
    """
    set_seed(seed)
    # tf.function's "triggered retracing" warnings fire when a notebook predicts on batches of several
    # lengths (each new model and shape traces once); they are expected here and only bury the output.
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return is_quick()
