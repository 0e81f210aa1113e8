#!/usr/bin/env bash
# The tiny ORW-CFM-W2 profile on CUDA in bf16, run twice; exits non-zero unless both runs give identical metrics.
# Needs python3 with torch (CUDA) and the project's dependencies; packages missing there can be given as wheels
# in .wheels/ (installed offline, without dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".wheels/*.whl" > /dev/null; then
  python3 -m pip install --quiet --no-deps --no-index .wheels/*.whl
fi
export CUBLAS_WORKSPACE_CONFIG=:4096:8
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 scripts/cuda_check.py
