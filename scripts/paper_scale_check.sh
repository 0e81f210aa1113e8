#!/usr/bin/env bash
# Every trainer at its paper's model size on one GPU (random weights, nothing downloaded): time, memory, MFU and
# same-seed determinism; prints one table and writes it as JSON (default build/paper-scale/paper_scale.json).
# Arguments go to scripts/paper_scale_check.py (--out PATH, --only flow,omni,lm, --budget-s, --cpu-smoke).
# Needs python3 with torch (CUDA) and the project's dependencies; packages missing there can be given as wheels
# in .wheels/ (installed offline, without dependencies), as for scripts/cuda_check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".wheels/*.whl" > /dev/null; then
  python3 -m pip install --quiet --no-deps --no-index .wheels/*.whl
fi
export CUBLAS_WORKSPACE_CONFIG=:4096:8
export HF_HUB_OFFLINE=1
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-8}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec python3 scripts/paper_scale_check.py "$@"
