"""bertkeras: learn BERT by building it, in Keras 3 on TensorFlow.

The package is a small, exact layer library that the course notebooks call. Each concept lives in
its own module; the names below are the stable public API that the notebooks use.
"""

from bertkeras import runtime  # noqa: F401, I001  (sets TF's log level before TensorFlow is imported)

__version__ = "0.1.0"

# --- public API (each issue adds its names here; notebooks rely on them, so keep them stable) ---
from bertkeras import corpus, datasets  # noqa: E402,F401
