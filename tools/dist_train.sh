#!/usr/bin/env bash
# Distributed training with torchrun: tools/dist_train.sh CONFIG NPROC [train.py args...]
# On a machine without CUDA each rank trains on CPU with the gloo backend.
set -euo pipefail
CONFIG=$1
NPROC=$2
shift 2
exec "$(dirname "$0")/torchrun.sh" "$NPROC" "$(dirname "$0")/train.py" "$CONFIG" "$@"
