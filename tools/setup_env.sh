#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment at <repo>/.venv with the pinned OpenMMLab
# stack: torch, mmcv built WITH compiled ops, mmengine, mmdet, mmaction2, mmpose, and this package
# in editable mode. Every version comes from requirements/constraints.txt.
#
# Idempotent: a finished run writes .venv/.setup-stamp (a hash of this script, the constraints and
# pyproject.toml); a re-run with the same inputs checks the venv imports and exits in seconds.
# The mmcv wheel is built once per machine and kept in $MMAP_WHEEL_CACHE
# (default: ~/.cache/mmaction-plugins/wheels), so even a fresh venv re-uses it.
#
# Usage: tools/setup_env.sh [--force]
# Env:   PYTHON (default python3), MMAP_WHEEL_CACHE, MAX_JOBS (mmcv build parallelism, default nproc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
CONSTRAINTS="$ROOT/requirements/constraints.txt"
STAMP="$VENV/.setup-stamp"
PYTHON="${PYTHON:-python3}"
WHEEL_CACHE="${MMAP_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmaction-plugins/wheels}"
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

log() { printf '[setup_env %(%H:%M:%S)T] %s\n' -1 "$*"; }
pin() {  # pin NAME -> exact version from the constraints file
  local v
  v=$(grep -iE "^$1==" "$CONSTRAINTS" | head -1 | cut -d= -f3)
  [ -n "$v" ] || { echo "no pin for $1 in $CONSTRAINTS" >&2; exit 1; }
  echo "$v"
}

inputs_hash=$(cat "$0" "$CONSTRAINTS" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)
smoke='import mmcv.ops, mmdet.models, mmaction.models, mmpose.apis, mmaction_plugins'
if [ "$FORCE" = 0 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$inputs_hash" ]; then
  if "$VENV/bin/python" -c "import mmaction_plugins.compat as c; c.apply(); $smoke" 2>/dev/null; then
    log "environment up to date ($VENV)"
    exit 0
  fi
  log "stamp matches but the smoke import failed: reinstalling"
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
INSTALL=("${PIP[@]}" install -q -c "$CONSTRAINTS")

log "build tooling"
"${PIP[@]}" install -q --upgrade "pip==25.0.1"
"${INSTALL[@]}" setuptools wheel ninja psutil

log "torch $(pin torch) / torchvision $(pin torchvision) / numpy $(pin numpy)"
"${INSTALL[@]}" torch torchvision numpy

log "third-party dependencies"
"${INSTALL[@]}" addict einops importlib-metadata json-tricks matplotlib munkres packaging Pillow pycocotools pyparsing PyYAML \
  rich scipy shapely six termcolor terminaltables tqdm xtcocotools yapf opencv-python-headless \
  decord pytest hypothesis ruff mypy

MMCV_VERSION=$(pin mmcv)
TORCH_VERSION=$(pin torch)
if "$VENV/bin/python" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  log "mmcv $MMCV_VERSION with ops already installed"
else
  # The built wheel depends on the torch ABI: key the cache by torch version.
  cache_dir="$WHEEL_CACHE/mmcv-$MMCV_VERSION-torch$TORCH_VERSION-cpu-cxx20"
  wheel=$(ls "$cache_dir"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    log "building mmcv $MMCV_VERSION with ops (one-off, 13-28 min on 2 cores)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "${PIP[@]}" download -q --no-deps --no-binary :all: -d "$work" "mmcv==$MMCV_VERSION"
    tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
    # torch >= 2.14 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17.
    sed -i 's/-std=c++17/-std=c++20/g' "$work/mmcv-$MMCV_VERSION/setup.py"
    mkdir -p "$cache_dir"
    # --no-build-isolation: isolation hides torch and silently builds mmcv WITHOUT ops.
    CUDA_VISIBLE_DEVICES='' MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "${PIP[@]}" wheel -q --no-build-isolation --no-deps -w "$cache_dir" "$work/mmcv-$MMCV_VERSION"
    wheel=$(ls "$cache_dir"/mmcv-"$MMCV_VERSION"-*.whl | head -1)
  else
    log "re-using cached mmcv wheel $wheel"
  fi
  "${PIP[@]}" install -q --no-deps --force-reinstall "$wheel"
fi

log "OpenMMLab packages (--no-deps: their needs are pinned above)"
"${INSTALL[@]}" --no-deps "mmengine==$(pin mmengine)" "mmdet==$(pin mmdet)" \
  "mmaction2==$(pin mmaction2)" "mmpose==$(pin mmpose)"

log "mmaction_plugins (editable)"
"${INSTALL[@]}" --no-deps --no-build-isolation -e "$ROOT"

log "checking imports"
"$VENV/bin/python" - <<'EOF'
import mmaction_plugins.compat as compat
compat.apply()
import torch
import mmcv.ops
import mmdet.models  # noqa: F401
import mmaction.models  # noqa: F401
import mmpose.apis  # noqa: F401
import mmaction_plugins  # noqa: F401
boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.]])
mmcv.ops.nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
mmcv.ops.RoIAlign((2, 2), 1.0)(torch.rand(1, 1, 8, 8), torch.tensor([[0., 0., 0., 4., 4.]]))
print('torch', torch.__version__, '| mmcv', mmcv.__version__, 'ops OK')
EOF
echo "$inputs_hash" > "$STAMP"
log "done: activate with 'source .venv/bin/activate'"
