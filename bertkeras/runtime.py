"""Where the code runs: quick mode, seeds, the device and the versions of the stack.

Every notebook starts with ``bertkeras.runtime.setup()``; it is the one place that decides between
the small "quick" sizes (``BERTKERAS_QUICK=1``, what CI and ``make test`` use) and the full sizes a
learner runs on a GPU.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import sys

#: Whether TensorFlow is installed (the training and data half of the package needs it). Colab's TPU
#: runtimes ship without it; the model half then runs on Keras's JAX backend.
HAS_TENSORFLOW = importlib.util.find_spec("tensorflow") is not None

#: What bertkeras says, once and at the point of use, where TensorFlow is missing.
NO_TENSORFLOW = (
    "TensorFlow is not installed here (Colab's TPU runtimes ship without it), so only bertkeras's model half "
    "works, on Keras's JAX backend (the layers, BertBackbone, the heads and task models, load_pretrained and "
    "fill_mask), while the fast tokenizer, the tf.data pipelines, pre-training, fine-tuning and the demo need "
    "it: switch to a CPU or GPU runtime (Colab: Runtime > Change runtime type) or "
    "`pip install tensorflow tensorflow-text`.")

# TensorFlow reads these when it is first imported, so they must be set before that import. Without
# TensorFlow, Keras's default backend would fail to import: JAX (on every TPU runtime) takes its place.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if HAS_TENSORFLOW or importlib.util.find_spec("jax") is None:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
else:
    os.environ.setdefault("KERAS_BACKEND", "jax")

QUICK_ENV = "BERTKERAS_QUICK"


class TensorFlowMissingError(ImportError):
    """A part of bertkeras that needs TensorFlow was used where TensorFlow is not installed."""

    def __init__(self, what: str = ""):
        super().__init__((f"{what} needs TensorFlow. " if what else "") + NO_TENSORFLOW)


@contextlib.contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null for the block (Python's own ``sys.stderr`` included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow with its C++ start-up lines kept off the terminal; returns the module.

    ``import tensorflow`` writes "All log messages before absl::InitializeLog() ..." and "cudart_stub ...
    Could not find cuda drivers" from C++ before ``TF_CPP_MIN_LOG_LEVEL`` is read, so the only way to keep
    them out of a terminal is to point the process's stderr elsewhere for the import. An import that fails
    still raises: its traceback is printed after stderr is back.

    Raises:
        TensorFlowMissingError: TensorFlow is not installed (the message says what still works).
    """
    if "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None:
        return sys.modules["tensorflow"]
    if not HAS_TENSORFLOW:
        raise TensorFlowMissingError()
    with _stderr_to_devnull():
        import tensorflow as tf
    return tf


def before_keras() -> None:
    """Import TensorFlow quietly first when Keras will run on it (Keras would import it noisily)."""
    if HAS_TENSORFLOW and os.environ.get("KERAS_BACKEND") == "tensorflow" and "keras" not in sys.modules:
        import_tensorflow()


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
    before_keras()
    import keras
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can see (an empty list on a CPU-only machine or without TensorFlow)."""
    if not HAS_TENSORFLOW:
        return []
    tf = import_tensorflow()
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

    Without TensorFlow (a Colab TPU runtime) it prints :data:`NO_TENSORFLOW` once, instead of failing
    later with a stack trace, and seeds what is there.
    """
    if not HAS_TENSORFLOW:
        print(NO_TENSORFLOW)
    else:
        # tf.function's "triggered retracing" warnings fire when a notebook predicts on batches of several
        # lengths (each new model and shape traces once); they are expected here and only bury the output.
        import_tensorflow().get_logger().setLevel("ERROR")
    set_seed(seed)
    return is_quick()
