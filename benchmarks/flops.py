"""Floating-point work of a BERT pre-training step, and the model FLOPs utilisation (MFU) it implies.

MFU = the FLOPs the model needs per step / step time / the accelerator's peak. Only the matrix
products count (2 FLOPs per multiply-add); the elementwise work (GELU, softmax, LayerNorm, the
optimizer) is left out, as in the usual definition (Kaplan et al. 2020's 6·N per token, PaLM's
appendix B for attention). For one sequence of length T with P masked positions, forward:

    encoder   L · T · 2 · (4·H² + 2·H·I)     Q, K, V, output and the two feed-forward products
    attention L · 4 · T² · H                 scores Q·Kᵀ and context P·V, all heads together
    MLM head  P · 2 · (H² + H·V)             the transform and the decoder tied to the embeddings

and a training step costs three times the forward pass (the backward pass computes gradients for
both activations and weights, two products for every forward one). Embedding lookups are not
products, and the pooler and NSP head act on one token per sequence (2·H² + 4·H, under 0.01 % at
T = 128 for BERT-base), so they are left out. The encoder line is 6·N·tokens with N the encoder's
weight-matrix parameters, the figure issue 9 names.
"""

from __future__ import annotations

import math
import subprocess


def mlm_predictions(length: int) -> int:
    """Masked positions per sequence: 15 % of the length rounded up (BERT's 20 at length 128)."""
    return math.ceil(0.15 * length)


def forward_flops(config, batch: int, length: int, predictions: int) -> dict[str, int]:
    """Forward-pass matmul FLOPs of backbone + MLM head for one batch, by part (see the module doc)."""
    h, i, layers, v = config.hidden_dim, config.intermediate_dim, config.num_layers, config.vocabulary_size
    parts = {
        "encoder": batch * layers * length * 2 * (4 * h * h + 2 * h * i),
        "attention": batch * layers * 4 * length * length * h,
        "mlm_head": batch * predictions * 2 * (h * h + h * v),
    }
    parts["total"] = sum(parts.values())
    return parts


def training_flops(config, batch: int, length: int, predictions: int) -> int:
    """FLOPs of one training step (forward + backward) of backbone + MLM head."""
    return 3 * forward_flops(config, batch, length, predictions)["total"]


#: Dense (no sparsity) bf16 tensor-core peaks in TFLOP/s, from NVIDIA's data sheets; first match wins,
#: so the more specific names come first. T4 and V100 have no bf16: their fp16 peak is given.
PEAK_TFLOPS = [
    ("H100 PCIe", 756.0),   # H100 data sheet, PCIe card: 1,513 with sparsity
    ("H100 NVL", 835.0),    # H100 NVL: 1,671 with sparsity
    ("GH200", 989.0),
    ("H200", 989.0),        # H200 data sheet: same tensor cores as H100 SXM
    ("H100", 989.0),        # H100 SXM: 1,979 with sparsity
    ("A100", 312.0),        # A100 data sheet, SXM and PCIe
    ("L40S", 362.0),
    ("L4", 121.0),          # L4: 242 with sparsity
    ("A10", 125.0),         # A10 (not A10G, which NVIDIA does not list)
    ("T4", 65.0),           # fp16
    ("V100", 125.0),        # fp16, SXM2
]


def peak_tflops(device_name: str) -> float | None:
    """The dense bf16 peak of the GPU called ``device_name`` (as nvidia-smi prints it), or None."""
    if "A10G" in device_name:
        return None
    for key, peak in PEAK_TFLOPS:
        if key in device_name:
            return peak
    return None


def gpu_model() -> str | None:
    """The first GPU's model as ``nvidia-smi`` names it (e.g. "NVIDIA H100 80GB HBM3"), or None."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    names = out.stdout.strip().splitlines() if out.returncode == 0 else []
    return names[0].strip() if names else None


def utilisation(flops_per_step: int, step_s: float, device_name: str | None) -> dict:
    """Achieved TFLOP/s and, where the device's peak is known, the MFU (a fraction of the peak)."""
    achieved = flops_per_step / step_s / 1e12
    peak = peak_tflops(device_name) if device_name else None
    return {"tflops": round(achieved, 4), "peak_tflops": peak,
            "mfu": round(achieved / peak, 4) if peak else None}
