#!/usr/bin/env bash
# Shared launcher of dist_train.sh / dist_test.sh: torchrun SCRIPT on NPROC local ranks.
# Usage: tools/torchrun.sh NPROC SCRIPT [args...]   (env: NNODES, NODE_RANK, MASTER_ADDR, PORT)
set -euo pipefail
NPROC=$1
SCRIPT=$2
shift 2
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python
exec "$PYTHON" -m torch.distributed.run \
  --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
  --master_addr="${MASTER_ADDR:-127.0.0.1}" --master_port="${PORT:-29500}" \
  --nproc_per_node="$NPROC" "$SCRIPT" "$@" --launcher pytorch
