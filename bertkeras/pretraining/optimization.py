"""BERT's optimiser and the device settings training runs under.

BERT trains with Adam plus *decoupled* weight decay (AdamW, 0.01) that skips LayerNorm and bias weights,
a learning rate that warms up linearly from 0 and then decays linearly to 0, and gradients clipped to a
global norm of 1.0 (google-research/bert ``optimization.py``). Fine-tuning uses the same optimiser with a
smaller peak rate (paper §3.5: 5e-5, 3e-5 or 2e-5).

On a GPU, :func:`training_precision` picks mixed precision (bfloat16 where the GPU supports it, float16
with loss scaling otherwise) and XLA; on a CPU it keeps float32 and no XLA, which are fastest there.
"""

from __future__ import annotations

import keras

# Weights that get no decay, matched against the variable name (Keras names LayerNorm weights
# gamma/beta; every bias, including the masked-LM output bias, contains "bias").
NO_DECAY_NAMES = ("gamma", "beta", "bias")


@keras.saving.register_keras_serializable(package="bertkeras")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to ``peak_learning_rate`` over ``warmup_steps``, then linear decay to 0.

    Args:
        peak_learning_rate: the rate reached at the end of the warm-up (BERT pre-training: 1e-4).
        total_steps: the step at which the rate reaches 0.
        warmup_steps: length of the warm-up (BERT: 10,000 of 1,000,000 steps, i.e. 1 %; fine-tuning ~10 %).

    Example:
        >>> schedule = WarmupLinearDecay(1e-3, total_steps=100, warmup_steps=10)
        >>> [round(float(schedule(step)), 6) for step in (0, 5, 10, 55, 100, 150)]
        [0.0, 0.0005, 0.001, 0.0005, 0.0, 0.0]
    """

    def __init__(self, peak_learning_rate, total_steps, warmup_steps=0):
        if total_steps < 1:
            raise ValueError(f"total_steps={total_steps}; it must be >= 1")
        if not 0 <= warmup_steps <= total_steps:
            raise ValueError(f"warmup_steps={warmup_steps}; it must lie in [0, total_steps={total_steps}]")
        if peak_learning_rate <= 0:
            raise ValueError(f"peak_learning_rate={peak_learning_rate}; it must be > 0 (BERT: 1e-4)")
        self.peak_learning_rate = peak_learning_rate
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        peak = float(self.peak_learning_rate)
        warmup = step / max(float(self.warmup_steps), 1.0)
        decay = (float(self.total_steps) - step) / max(float(self.total_steps - self.warmup_steps), 1.0)
        rate = keras.ops.where(step < self.warmup_steps, warmup, decay)
        return peak * keras.ops.clip(rate, 0.0, 1.0)

    def get_config(self):
        return {"peak_learning_rate": self.peak_learning_rate, "total_steps": self.total_steps,
                "warmup_steps": self.warmup_steps}


def bert_optimizer(learning_rate=1e-4, total_steps=10_000, warmup_steps=None, weight_decay=0.01,
                   clip_norm=1.0, epsilon=1e-6) -> keras.optimizers.AdamW:
    """AdamW as BERT configures it: decay 0.01 except LayerNorm/bias, warm-up + linear decay, clip 1.0.

    Args:
        learning_rate: peak learning rate.
        total_steps: training steps (the schedule reaches 0 there).
        warmup_steps: warm-up steps; default 10 % of ``total_steps`` (BERT pre-training used 1 % of 1M).
        weight_decay: decoupled decay rate for the remaining weights.
        clip_norm: global gradient-norm clip (None: no clipping). Under a ``tf.distribute`` strategy Keras
            clips each replica's gradient before the replicas are summed, as google-research/bert did on each
            TPU core, so with clipping active N replicas can differ slightly from one device.
        epsilon: Adam epsilon (BERT: 1e-6).

    Example:
        >>> opt = bert_optimizer(5e-5, total_steps=1000)
        >>> opt._learning_rate.warmup_steps, opt.weight_decay, opt.global_clipnorm
        (100, 0.01, 1.0)
        >>> dense = keras.layers.Dense(2); dense.build((None, 3)); norm = keras.layers.LayerNormalization()
        >>> norm.build((None, 3)); opt.build(dense.weights + norm.weights)
        >>> [v.name for v in dense.weights + norm.weights if opt._use_weight_decay(v)]
        ['kernel']
    """
    if warmup_steps is None:
        warmup_steps = max(1, total_steps // 10) if total_steps > 1 else 0
    schedule = WarmupLinearDecay(learning_rate, total_steps, warmup_steps)
    optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=weight_decay, beta_1=0.9,
                                       beta_2=0.999, epsilon=epsilon, global_clipnorm=clip_norm)
    optimizer.exclude_from_weight_decay(var_names=list(NO_DECAY_NAMES))
    return optimizer


def training_precision(use_gpu: bool | None = None) -> dict:
    """The precision policy and XLA switch for this machine; sets the policy globally until restored.

    Returns a :class:`TrainingPrecision`, the dict ``{"policy": ..., "jit_compile": ..., "device": ...}``: on a GPU of compute capability >= 8.0
    (A100, H100, L4, RTX 30xx+) ``mixed_bfloat16``; on older GPUs ``mixed_float16`` (Keras wraps the
    optimiser in a ``LossScaleOptimizer`` when a model compiles under it); on a CPU ``float32``. XLA is
    switched on with a GPU. Build models *after* calling this: the policy applies to layers created later.

    Keras's dtype policy is global, so use it as a context manager: the caller's policy comes back when the
    block ends (``pretrain`` and the fine-tuning functions do this; a notebook may also just call it)::

        with training_precision() as precision:
            model = build_model()          # float32, or mixed precision on a GPU
            model.compile(..., jit_compile=precision["jit_compile"])
            model.fit(...)
        # here keras.config.dtype_policy() is what it was before the block

    Example:
        >>> before = keras.config.dtype_policy().name
        >>> with training_precision(use_gpu=False) as precision:
        ...     precision["policy"], keras.config.dtype_policy().name
        ('float32', 'float32')
        >>> keras.config.dtype_policy().name == before
        True

    Args:
        use_gpu: force the decision (tests); default: whether TensorFlow sees a GPU.
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if use_gpu is None:
        use_gpu = bool(gpus)
    if not use_gpu:
        policy, device = "float32", "cpu"
    else:
        capability = (0, 0)
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            capability = tuple(details.get("compute_capability", (0, 0)))
            device = details.get("device_name", "gpu")
        else:
            device = "gpu"
        policy = "mixed_bfloat16" if capability >= (8, 0) else "mixed_float16"
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    return TrainingPrecision({"policy": policy, "jit_compile": bool(use_gpu), "device": device}, previous)


class TrainingPrecision(dict):
    """What :func:`training_precision` chose (a dict), and a context manager that puts back the global
    dtype policy that was in force before it was called."""

    def __init__(self, choice: dict, previous):
        super().__init__(choice)
        self.previous = previous

    def restore(self) -> None:
        """Set Keras's global dtype policy back to the one before :func:`training_precision`."""
        keras.mixed_precision.set_global_policy(self.previous)

    def __enter__(self) -> TrainingPrecision:
        return self

    def __exit__(self, *exc_info) -> None:
        self.restore()

