#!/usr/bin/env bash
# The GPU step benchmark on a machine that has JAX but no TensorFlow and no network (this project's lent
# GPU machines: their image holds JAX and CUDA; TensorFlow and its CUDA libraries are gigabytes, too big
# to carry). The model half of bertkeras needs Keras alone, so Keras runs on JAX here, with XLA; the
# keras-hub peer runs on the same backend in the same process, so the ratio stays like for like.
#
#   make gpu-wheels                       # here, with network: keras, keras-hub, optree, namex -> .whl/
#   bash benchmarks/gpu_jax.sh [OUTDIR]   # there, from the repository root (OUTDIR defaults to $OUT)
#
# Stages run from the most to the least wanted (issue 9's headline: BERT-base, bf16 + XLA, length 128),
# each writing benchmarks/results/model_step_<GPU>.json (entries merge) and copying it to OUTDIR, so a
# run stopped by a time limit keeps every finished stage.
set -uo pipefail
out="${1:-${OUT:-/tmp/bertkeras-gpu}}"
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/site:$PWD"
else
    export PYTHONPATH="$PWD"
fi
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import jax, keras, keras_hub, bertkeras; print('jax', jax.__version__, jax.devices(), 'keras',
keras.__version__, 'keras-hub', keras_hub.__version__, 'backend', keras.backend.backend())" || exit 1

stage() {  # name, then model_step arguments
    local name=$1; shift
    echo "== $name: python -m benchmarks.model_step $*"
    python3 -m benchmarks.model_step "$@" 2>&1 | grep -v '^ ' | tail -n 3
    cp benchmarks/results/model_step_*.json "$out"/ 2>/dev/null
}
common=(--tokens-per-step 16384 --repeats 5 --steps 10)
stage "base, length 128, bf16" --presets base --lengths 128 --precisions bf16 "${common[@]}"
stage "mini, length 128, bf16" --presets mini --lengths 128 --precisions bf16 "${common[@]}"
stage "base and mini, length 512, bf16" --presets base,mini --lengths 512 --precisions bf16 "${common[@]}"
stage "base and mini, lengths 128 and 512, fp32" --presets base,mini --lengths 128,512 --precisions fp32 \
    "${common[@]}" --no-memory
python3 -m benchmarks.report 2>&1 | grep -i "keras on jax" | cut -c1-400
