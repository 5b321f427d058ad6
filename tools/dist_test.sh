#!/usr/bin/env bash
# Distributed testing with torchrun: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py args...]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
exec "$(dirname "$0")/torchrun.sh" "$NPROC" "$(dirname "$0")/test.py" "$CONFIG" "$CHECKPOINT" "$@"
