"""Per-class score merger: put a specialist model's scores into the main result for chosen classes.

Seed report ``003`` (AVA 2020) trains an arm-action model (RoIs at arm boxes, arm classes only)
and merges its result "into the whole rest ones", keeping only the classes "significantly
improved" on validation (15 of its 27 arm classes). Two functions:

* :func:`merge_class_scores` — for the boxes both models scored (same rows), the columns of the
  selected classes become ``mode`` of the two scores; **every other column is the main model's,
  bit for bit**;
* :func:`select_merge_classes` — the classes whose AP with the merge beats the main model's AP
  by more than ``min_gain`` (on a selection split).

Modes: ``'mean'`` ``(1 - weight) * main + weight * specialist`` (default, weight 0.5: the
specialist's evidence added to the main model's); ``'replace'`` the specialist's score; ``'max'``
the larger. Which classes to merge is chosen on held-out data by the caller (the multi-scale
ablation selects on one half of the validation videos and applies to the other, both ways).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

__all__ = ['MERGE_MODES', 'merge_class_scores', 'select_merge_classes']

MERGE_MODES = ('mean', 'replace', 'max')


def _ids(ids: Sequence[int] | np.ndarray, what: str, width: int) -> list[int]:
    out = [int(i) for i in np.asarray(ids).reshape(-1).tolist()]
    if len(out) != width or len(set(out)) != len(out):
        raise ValueError(f'{what}: {len(out)} unique class ids needed for {width} score columns, '
                         f'got {out}')
    return out


def merge_class_scores(main: np.ndarray, main_ids: Sequence[int] | np.ndarray,
                       other: np.ndarray, other_ids: Sequence[int] | np.ndarray,
                       classes: Iterable[int], mode: str = 'mean',
                       weight: float = 0.5) -> np.ndarray:
    """Merge ``other``'s scores into ``main`` for ``classes`` only.

    Args:
        main: ``(M, C)`` main-model scores of ``M`` boxes; column ``j`` is class ``main_ids[j]``.
        main_ids: ``C`` class ids.
        other: ``(M, A)`` specialist scores of the same boxes, same row order.
        other_ids: ``A`` class ids.
        classes: Classes to merge; each must be in both id lists.
        mode: One of :data:`MERGE_MODES`.
        weight: The specialist's weight in ``'mean'``; in ``[0, 1]``.

    Returns:
        ``(M, C)`` float64: ``main`` with the columns of ``classes`` merged.
    """
    if mode not in MERGE_MODES:
        raise ValueError(f'mode must be one of {MERGE_MODES}, got {mode!r}')
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f'weight must be in [0, 1], got {weight}')
    main = np.asarray(main, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if main.ndim != 2 or other.ndim != 2 or main.shape[0] != other.shape[0]:
        raise ValueError(f'main and other must be (M, C) and (M, A) for the same M boxes, got '
                         f'{main.shape} and {other.shape}')
    mcol = {c: j for j, c in enumerate(_ids(main_ids, 'main_ids', main.shape[1]))}
    ocol = {c: j for j, c in enumerate(_ids(other_ids, 'other_ids', other.shape[1]))}
    out = main.copy()
    for c in sorted({int(c) for c in classes}):
        if c not in mcol or c not in ocol:
            raise ValueError(f'class {c} is not scored by both models (main: {sorted(mcol)}, '
                             f'other: {sorted(ocol)})')
        a, b = main[:, mcol[c]], other[:, ocol[c]]
        if mode == 'mean':
            out[:, mcol[c]] = (1.0 - weight) * a + weight * b
        elif mode == 'replace':
            out[:, mcol[c]] = b
        else:
            out[:, mcol[c]] = np.maximum(a, b)
    return out


def select_merge_classes(ap_main: Mapping[int, float | None],
                         ap_merged: Mapping[int, float | None], candidates: Iterable[int],
                         min_gain: float = 0.0) -> list[int]:
    """The candidates whose AP improves by more than ``min_gain`` with the merge.

    Args:
        ap_main: Class id -> AP of the main model (None / NaN: no ground truth).
        ap_merged: Class id -> AP of the merged scores, same split.
        candidates: Classes that may be merged (the specialist's classes).
        min_gain: Required improvement (same unit as the APs); ``>= 0``.

    Returns:
        Sorted class ids. A class without an AP on either side is never selected.
    """
    if min_gain < 0:
        raise ValueError(f'min_gain must be >= 0, got {min_gain}')
    out = []
    for c in sorted({int(c) for c in candidates}):
        a, b = ap_main.get(c), ap_merged.get(c)
        if a is None or b is None or math.isnan(float(a)) or math.isnan(float(b)):
            continue
        if float(b) > float(a) + min_gain:
            out.append(c)
    return out
