"""Repairs for what upstream breaks on this project's pinned stack — the only place that does so.

Every repair is explicit, idempotent, documented here and covered by ``tests/test_compat.py``.
:func:`apply` runs them all; ``import mmaction_plugins`` calls it first, *before* anything imports
``mmaction.models`` (that import fails without repair 1).

1. **mmaction2 1.2.0 ships without** ``mmaction/models/localizers/drn/`` (upstream issue
   mmaction2#2714: the folder had no ``__init__.py`` so packaging skipped it) while
   ``localizers/__init__.py`` imports ``.drn.drn.DRN``; ``import mmaction.models`` raises
   ``ModuleNotFoundError``. We register a stand-in module whose ``DRN`` raises a clear error when
   built. Skipped when the installed mmaction2 does ship the folder.
2. **Checkpoints under torch's ``weights_only=True``** (the default since torch 2.6; mmengine 0.10.7
   calls ``torch.load`` without the argument, mmengine#1655). We allow-list, with
   ``torch.serialization.add_safe_globals``, the few non-tensor types an mmengine checkpoint holds
   (mmengine's ``HistoryBuffer`` in the message hub; numpy arrays, dtypes and scalars in the
   meta/message hub). A pickled ``HistoryBuffer`` also refers to its statistics methods as
   ``getattr(HistoryBuffer, 'mean')``: instead of allowing ``getattr`` we bind the name
   ``builtins.getattr`` *for weights-only loads only* to :func:`_history_buffer_getattr`, which
   answers exactly those look-ups and refuses any other. Arbitrary code execution on load stays
   disabled: we never set the environment variable that turns the check off.
3. **numpy 2**: not repaired but pinned away (``numpy<2``, requirements/constraints.txt):
   mmaction2's ``ava_eval`` (``np.NAN``), MultiSports ``videoAP`` and ``frame_extract``
   (``np.Inf``) and the ``xtcocotools`` wheel that mmpose imports all break on numpy 2.
   :func:`check_numpy` turns a numpy 2 environment into one clear error instead of failures deep
   inside upstream code.
4. **Silent registration failures**: ``mmaction/models/roi_heads/__init__.py`` registers
   ``AVARoIHead`` (and its bbox head / RoI extractor) into mmdet's registry inside
   ``try/except ImportError: pass``.
   :func:`check_registrations` (run by `tools/train.py` and `tools/test.py` before building)
   raises if the classes our configs rely on are missing.
"""

from __future__ import annotations

import importlib.util
import os.path as osp
import pickle
import sys
import types
from typing import Any

__all__ = ['apply', 'check_numpy', 'check_registrations', 'patch_missing_drn',
           'allow_mmengine_checkpoints', 'SAFE_CHECKPOINT_GLOBALS_NAMES']

_DRN_MODULE = 'mmaction.models.localizers.drn'
_DRN_ISSUE = 'https://github.com/open-mmlab/mmaction2/issues/2714'


class MissingUpstreamModule(ImportError):
    """Raised when code asks for an upstream component the installed wheel does not ship."""


def _mmaction_ships_drn() -> bool:
    """Whether the installed mmaction2 has ``models/localizers/drn/drn.py`` (no import needed)."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return True  # mmaction2 not installed: nothing to repair
    root = next(iter(spec.submodule_search_locations))
    return osp.isfile(osp.join(root, 'models', 'localizers', 'drn', 'drn.py'))


def patch_missing_drn() -> bool:
    """Register a stand-in for the ``drn`` package missing from the mmaction2 1.2.0 wheel.

    Returns:
        bool: True if the stand-in is (now or already) in place, False if no repair is needed.
    """
    if _DRN_MODULE + '.drn' in sys.modules:
        return getattr(sys.modules[_DRN_MODULE + '.drn'], '_MMAP_STANDIN', False)
    if _mmaction_ships_drn():
        return False

    class DRN:
        """Stand-in for mmaction2's temporal-grounding ``DRN``, absent from the 1.2.0 wheel."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            raise MissingUpstreamModule(
                'mmaction2 1.2.0 is packaged without mmaction/models/localizers/drn '
                f'({_DRN_ISSUE}); DRN cannot be built. mmaction_plugins registered this '
                'stand-in only so that `import mmaction.models` works.')

    pkg = types.ModuleType(_DRN_MODULE, 'Stand-in for the missing mmaction2 drn package.')
    pkg.__path__ = []  # a package, so that `.drn.drn` resolves
    mod = types.ModuleType(_DRN_MODULE + '.drn', 'Stand-in for mmaction2 drn.drn.')
    DRN.__module__ = mod.__name__
    mod.DRN = DRN  # type: ignore[attr-defined]
    for m in (pkg, mod):
        m._MMAP_STANDIN = True  # type: ignore[attr-defined]
    pkg.drn = mod  # type: ignore[attr-defined]
    sys.modules[pkg.__name__] = pkg
    sys.modules[mod.__name__] = mod
    return True


# Dotted names (module, attribute) of the non-tensor objects an mmengine checkpoint pickles.
SAFE_CHECKPOINT_GLOBALS_NAMES: tuple[tuple[str, str], ...] = (
    ('mmengine.logging.history_buffer', 'HistoryBuffer'),
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
)


def _safe_checkpoint_globals() -> list[Any]:
    import numpy as np

    objs: list[Any] = []
    for module, name in SAFE_CHECKPOINT_GLOBALS_NAMES:
        objs.append(getattr(importlib.import_module(module), name))
    # numpy >= 1.25 pickles dtypes by their concrete class (e.g. numpy.dtypes.Float64DType).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        objs.extend(getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType'))
    return objs


def _history_buffer_getattr(obj: object, name: str) -> object:
    """``getattr`` as a weights-only checkpoint may use it: ``HistoryBuffer`` statistics only."""
    from mmengine.logging import HistoryBuffer

    allowed = set(HistoryBuffer._statistics_methods) | {'min', 'max', 'current', 'mean'}
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'weights-only load: refusing getattr({obj!r}, {name!r}); only HistoryBuffer statistics '
        'methods may be looked up (mmaction_plugins.compat)')


def allow_mmengine_checkpoints() -> None:
    """Allow-list mmengine's checkpoint types for ``torch.load(..., weights_only=True)``."""
    import torch

    torch.serialization.add_safe_globals(
        [*_safe_checkpoint_globals(), (_history_buffer_getattr, 'builtins.getattr')])


def check_numpy() -> None:
    """Raise a clear error if numpy >= 2 is installed (see repair 3)."""
    import numpy as np

    if int(np.__version__.split('.')[0]) >= 2:
        raise RuntimeError(
            f'numpy {np.__version__} is installed; this stack needs numpy<2 (mmaction2 1.2.0 '
            'evaluation and the xtcocotools wheel break on numpy 2). Re-run tools/setup_env.sh.')


def check_registrations() -> None:
    """Raise if upstream registrations our configs need were silently skipped (repair 4)."""
    import mmaction.models  # noqa: F401  (registers mmaction's models and its mmdet RoI heads)
    from mmaction.registry import MODELS as MMACTION_MODELS
    from mmdet.registry import MODELS as MMDET_MODELS

    missing = [f'mmdet.{n}' for n in ('FastRCNN', 'AVARoIHead', 'BBoxHeadAVA',
                                      'SingleRoIExtractor3D')
               if MMDET_MODELS.get(n) is None]
    missing += [f'mmaction.{n}' for n in ('ResNet3dSlowFast', 'ActionDataPreprocessor')
                if MMACTION_MODELS.get(n) is None]
    if missing:
        raise ImportError(
            f'Upstream registrations are missing: {missing}. mmaction2 registers its RoI heads '
            'inside `try/except ImportError`; run `python -c "import mmdet.models"` to see the '
            'real import error.')


_applied = False


def apply() -> None:
    """Apply every repair above. Safe to call more than once."""
    global _applied
    if _applied:
        return
    check_numpy()
    patch_missing_drn()
    allow_mmengine_checkpoints()
    _applied = True
