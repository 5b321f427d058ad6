"""Spatio-temporal IoU of action tubes, as MultiSports' official ``iou3dt_voc`` defines it.

``iou3dt_voc(gt, det)`` = temporal IoU x mean per-frame IoU over the frames both tubes cover, with
frame numbers used as given (no ``+1``: ``temporal_inter = tmax - tmin``, ``temporal_union =
max(end) - min(start)``) and VOC box areas ``(x2 - x1) * (y2 - y1)``; tubes that do not overlap in
time score 0. :func:`iou3dt` is that definition on one pair (used for exact re-checks);
:func:`tube_pair_ious` computes many pairs at once.

Tubes are ``(n, 5+)`` arrays ``[frame, x1, y1, x2, y2, ...]`` with consecutive integer frames
(the official code slices between the rows of ``tmin`` and ``tmax`` and asserts that both slices
cover the same frames); :func:`check_tube` raises on anything else.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ['check_tube', 'check_tubes', 'iou3dt', 'tube_pair_ious', 'TubeSet']


def check_tube(tube: object, where: str) -> np.ndarray:
    """Validate one tube; return it as an array.

    Args:
        tube: ``(n, 5+)`` array, column 0 the frame number.
        where: description for error messages (file, video, label, index).

    Returns:
        np.ndarray: the tube.
    """
    if not isinstance(tube, np.ndarray) or tube.ndim != 2 or tube.shape[1] < 5:
        raise ValueError(f'{where}: a tube must be an (n, 5+) array [frame, x1, y1, x2, y2, ...],'
                         f' got {type(tube).__name__} {getattr(tube, "shape", "")}')
    if tube.shape[0] == 0:
        raise ValueError(f'{where}: empty tube')
    if not np.isfinite(tube[:, :5]).all():
        raise ValueError(f'{where}: tube has non-finite values')
    frames = tube[:, 0]
    if not (np.all(frames == np.round(frames)) and np.all(np.diff(frames) == 1)):
        raise ValueError(f'{where}: tube frames must be consecutive integers, got '
                         f'{frames[:5].tolist()}...')
    return tube


def check_tubes(tubes: list[object], where_fn: Callable[[int], str] | None = None) -> None:
    """Validate many tubes at once; on failure, :func:`check_tube` names the first bad one.

    Args:
        tubes: the tubes.
        where_fn: ``index -> description`` for the error message.
    """
    def describe(i: int) -> str:
        return where_fn(i) if where_fn is not None else f'tube {i}'

    ok = all(isinstance(t, np.ndarray) and t.ndim == 2 and t.shape[1] >= 5 and t.shape[0] > 0
             for t in tubes)
    if ok and tubes:
        arrays = [t for t in tubes if isinstance(t, np.ndarray)]
        cat = np.concatenate([t[:, :5] for t in arrays])
        n = np.array([t.shape[0] for t in arrays])
        frames = cat[:, 0]
        step = np.diff(frames)
        inner = np.ones(step.size, dtype=bool)
        inner[np.cumsum(n)[:-1] - 1] = False  # differences across tube boundaries
        ok = bool(np.isfinite(cat).all() and np.all(frames == np.round(frames))
                  and np.all(step[inner] == 1))
    if not ok:
        for i, t in enumerate(tubes):
            check_tube(t, describe(i))


def _area(b: np.ndarray) -> np.ndarray:
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _iou2d_rows(b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """Row-wise IoU of ``(n, 4)`` boxes ``[x1, y1, x2, y2]`` (``iou2d_voc`` arithmetic)."""
    w = np.maximum(0, np.minimum(b1[:, 2], b2[:, 2]) - np.maximum(b1[:, 0], b2[:, 0]))
    h = np.maximum(0, np.minimum(b1[:, 3], b2[:, 3]) - np.maximum(b1[:, 1], b2[:, 1]))
    ov = w * h
    return ov / (_area(b1) + _area(b2) - ov)


def iou3dt(gt: np.ndarray, det: np.ndarray, spatialonly: bool = False,
           temporalonly: bool = False) -> float:
    """Spatio-temporal IoU of one pair, in the official arithmetic and dtypes.

    Args:
        gt: ``(n, 5+)`` ground-truth tube.
        det: ``(m, 5+)`` detected tube.
        spatialonly: return the mean per-frame IoU only.
        temporalonly: return the temporal IoU only.

    Returns:
        float: the IoU (NaN when both tubes are single frames at the same time: 0 / 0).
    """
    tmin = max(gt[0, 0], det[0, 0])
    tmax = min(gt[-1, 0], det[-1, 0])
    if tmax < tmin:
        return 0.0
    t_inter = tmax - tmin
    t_union = max(gt[-1, 0], det[-1, 0]) - min(gt[0, 0], det[0, 0])
    with np.errstate(invalid='ignore', divide='ignore'):
        temporal = t_inter / t_union
        if temporalonly:
            return temporal
        g = gt[int(tmin - gt[0, 0]):int(tmax - gt[0, 0]) + 1, 1:5]
        d = det[int(tmin - det[0, 0]):int(tmax - det[0, 0]) + 1, 1:5]
        spatial = np.mean(_iou2d_rows(g, d))
        return spatial * (1. if spatialonly else temporal)


class TubeSet:
    """Tubes packed for vectorised pair computations.

    Args:
        tubes: list of ``(n_i, 5+)`` tubes with consecutive frames.

    Attributes:
        start: ``(T,)`` first frame; ``end``: ``(T,)`` last frame; ``offset``: ``(T,)`` first row
        of each tube in ``boxes``; ``boxes``: ``(sum n_i, 4)`` float64 ``[x1, y1, x2, y2]``.
    """

    def __init__(self, tubes: list[np.ndarray]) -> None:
        self.tubes = tubes
        n = np.array([t.shape[0] for t in tubes], dtype=np.int64)
        self.start = np.array([float(t[0, 0]) for t in tubes], dtype=np.float64)
        self.end = np.array([float(t[-1, 0]) for t in tubes], dtype=np.float64)
        self.offset = (np.cumsum(n) - n).astype(np.int64)
        self.boxes = (np.concatenate([t[:, 1:5] for t in tubes]).astype(np.float64)
                      if tubes else np.empty((0, 4)))


def tube_pair_ious(gts: TubeSet, dets: TubeSet, gi: np.ndarray, di: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Mean spatial IoU and temporal IoU of many (gt, det) pairs, in float64.

    The official code works in the tubes' own dtype (often float32), so values may differ from
    it in the last bits; callers re-check with :func:`iou3dt` wherever a decision is that close.

    Args:
        gts: ground-truth tubes.
        dets: detected tubes.
        gi: ``(P,)`` ground-truth tube index of each pair.
        di: ``(P,)`` detected tube index of each pair.

    Returns:
        tuple: ``(spatial, temporal)``, each ``(P,)`` float64; both 0 for pairs without temporal
        overlap; ``temporal`` NaN for two single-frame tubes at the same frame.
    """
    tmin = np.maximum(gts.start[gi], dets.start[di])
    tmax = np.minimum(gts.end[gi], dets.end[di])
    ok = tmax >= tmin
    t_union = np.maximum(gts.end[gi], dets.end[di]) - np.minimum(gts.start[gi], dets.start[di])
    with np.errstate(invalid='ignore', divide='ignore'):
        temporal = np.where(ok, (tmax - tmin) / t_union, 0.0)
    length = np.where(ok, tmax - tmin + 1, 0).astype(np.int64)
    spatial = np.zeros(gi.size)
    nz = np.flatnonzero(length > 0)
    if nz.size:
        ln = length[nz]
        total = int(ln.sum())
        pair = np.repeat(np.arange(nz.size), ln)
        j = np.arange(total) - np.repeat(np.cumsum(ln) - ln, ln)
        g0 = gts.offset[gi[nz]] + (tmin[nz] - gts.start[gi[nz]]).astype(np.int64)
        d0 = dets.offset[di[nz]] + (tmin[nz] - dets.start[di[nz]]).astype(np.int64)
        with np.errstate(invalid='ignore', divide='ignore'):
            per_frame = _iou2d_rows(gts.boxes[g0[pair] + j], dets.boxes[d0[pair] + j])
        seg = np.cumsum(ln) - ln
        spatial[nz] = np.add.reduceat(per_frame, seg) / ln
    return spatial, temporal
