"""Link per-frame detections into video tubes with MOC-Detector's ``BuildTubes`` semantics.

For each test video and class, frame by frame (frame-level detections, i.e. MOC's ``K = 1``, as
mmaction2's ``link_tubes`` adapts it):

1. per-frame NMS: MOC's ``nms_tubelets`` — boxes are visited by decreasing score; a box whose IoU
   (``+1`` pixel areas) with a kept box exceeds ``nms_thr`` is not removed but re-scored by
   ``1 - IoU`` and no longer suppresses others; boxes are then re-sorted and the ``top_k`` best
   kept;
2. greedy extension: live tubes are visited by decreasing mean box score; each takes, among the
   frame's remaining boxes with IoU (VOC, no ``+1``) >= ``iou_thr`` with its last box, the one of
   highest score; a tube that takes nothing ends; boxes left over start new tubes;
3. tubes with mean score < ``min_score`` or fewer than ``min_len`` frames are dropped.

Every box keeps its own (post-NMS) score in the tube's last column, and the tube score is the mean
of those scores. mmaction2 1.2.0's ``Dataset.get_vid_dets`` reads the score from a stale loop
variable (``frm_det`` instead of ``frm_dets``) so every box gets the score of the last detection of
the whole input; this module does not replicate that. With that one line fixed, mmaction2's
``link_tubes`` and :func:`link_tubes` return identical tubes (``benchmarks/eval_speed.py`` checks
it).

Only frames and classes that have detections are visited (a frame without detections of a class
ends all its tubes, as in the original), and runs of consecutive frames shorter than ``min_len``
are skipped (no tube from them could be kept) — which is where the speed comes from.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np

__all__ = ['link_tubes', 'nms_frame']

logger = logging.getLogger(__name__)


def _div(a: float, b: float) -> float:
    """``a / b`` with numpy's float64 semantics for a zero divisor (inf or nan, no exception)."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * (
            -1.0 if math.copysign(1.0, b) < 0 else 1.0)
    return a / b


def nms_frame(dets: list[list[float]], nms_thr: float = 0.6, top_k: int = 10
              ) -> list[list[float]]:
    """MOC's ``nms_tubelets`` for single-frame boxes (score decay, then top-k).

    Plain-float version of the numpy original (the same IEEE operations in the same order; the
    two orderings still go through ``np.argsort`` so that ties break identically).

    Args:
        dets: ``n`` boxes ``[x1, y1, x2, y2, score]``; their scores are modified in place.
        nms_thr: IoU above which a box is re-scored by ``1 - IoU``.
        top_k: boxes kept.

    Returns:
        list: ``min(n, top_k)`` boxes by decreasing (new) score.
    """
    n = len(dets)
    if n <= 1:
        return dets[:top_k]
    area = [(d[2] - d[0] + 1) * (d[3] - d[1] + 1) for d in dets]
    order = np.argsort(np.array([d[4] for d in dets]))[::-1].tolist()
    weight = [1.0] * n
    while order:
        i = order[0]
        di = dets[i]
        rest = []
        for j in order[1:]:
            dj = dets[j]
            w = max(0.0, min(di[2], dj[2]) - max(di[0], dj[0]) + 1)
            h = max(0.0, min(di[3], dj[3]) - max(di[1], dj[1]) + 1)
            inter = w * h
            iou = _div(inter, area[j] + area[i] - inter)
            if iou > nms_thr:
                weight[j] = 1 - iou
            elif iou <= nms_thr:
                rest.append(j)
        order = rest
    for d, wgt in zip(dets, weight):
        d[4] = d[4] * wgt
    new_order = np.argsort(np.array([d[4] for d in dets]))[::-1].tolist()
    return [dets[k] for k in new_order[:top_k]]


class _Tube:
    __slots__ = ('first', 'last', 'rows', '_mean')

    def __init__(self, frame: int, row: list[float]) -> None:
        self.first = frame
        self.last = frame
        self.rows = [row]
        self._mean: float | None = None

    def add(self, frame: int, row: list[float]) -> None:
        self.rows.append(row)
        self.last = frame
        self._mean = None

    def mean(self) -> float:
        """``np.mean`` of the box scores (the original ``tubescore``)."""
        if self._mean is None:
            self._mean = float(np.mean(np.array([r[4] for r in self.rows])))
        return self._mean


def _sorted_by_mean(tubes: list[_Tube]) -> list[_Tube]:
    if len(tubes) <= 1:
        return tubes
    order = np.argsort(-np.array([t.mean() for t in tubes]))
    return [tubes[i] for i in order]


def _extend(current: list[_Tube], dets: list[list[float]], frame: int, iou_thr: float
            ) -> tuple[list[int], list[list[float]]]:
    """Greedy extension of the (sorted) live tubes by one frame's boxes.

    Each tube takes, among the boxes not yet taken, the one of highest score (first on ties) whose
    IoU with the tube's last box (``iou2d_voc(boxes, last)`` arithmetic) is >= ``iou_thr``.

    Returns:
        tuple: indices (into ``current``) of the tubes that took nothing, and the boxes left.
    """
    area_d = [(d[2] - d[0]) * (d[3] - d[1]) for d in dets]
    free = [True] * len(dets)
    ended: list[int] = []
    for it, tube in enumerate(current):
        lb = tube.rows[-1]
        area_t = (lb[2] - lb[0]) * (lb[3] - lb[1])
        best = -1
        for j, d in enumerate(dets):
            if not free[j]:
                continue
            w = max(0.0, min(d[2], lb[2]) - max(d[0], lb[0]))
            h = max(0.0, min(d[3], lb[3]) - max(d[1], lb[1]))
            ov = w * h
            if _div(ov, area_d[j] + area_t - ov) >= iou_thr and (
                    best < 0 or d[4] > dets[best][4]):
                best = j
        if best >= 0:
            tube.add(frame, dets[best])
            free[best] = False
        else:
            ended.append(it)
    return ended, [d for d, f in zip(dets, free) if f]


def _link_one(frames: list[int], boxes: list[list[float]], nframes: int, nms_thr: float,
              top_k: int, iou_thr: float) -> list[_Tube]:
    """Link one (video, class): ``frames`` ascending, ``boxes`` the matching ``[x1..y2, score]``."""
    finished: list[_Tube] = []
    current: list[_Tube] = []
    prev = None
    s = 0
    n = len(frames)
    while s < n:
        frame = frames[s]
        e = s + 1
        while e < n and frames[e] == frame:
            e += 1
        if prev is not None and frame > prev + 1 and current:
            # the frame after `prev` has no box: every live tube ends there
            current = _sorted_by_mean(current)
            finished.extend(reversed(current))
            current = []
        prev = frame
        dets = nms_frame([list(b) for b in boxes[s:e]], nms_thr, top_k)
        s = e
        if not current:
            current = [_Tube(frame, d) for d in dets]
            continue
        current = _sorted_by_mean(current)
        ended, dets = _extend(current, dets, frame, iou_thr)
        for it in reversed(ended):
            finished.append(current[it])
            del current[it]
        current.extend(_Tube(frame, d) for d in dets)
    if current and prev is not None and prev < nframes:
        current = _sorted_by_mean(current)
        finished.extend(reversed(current))
        current = []
    return finished + current


def link_tubes(anno: dict[str, Any], frame_dets: np.ndarray, *, nms_thr: float = 0.6,
               top_k: int = 10, iou_thr: float = 0.5, min_len: int = 15,
               min_score: float = 0.005) -> dict[int, list[tuple[str, float, np.ndarray]]]:
    """Build video detections from frame detections.

    Args:
        anno: MultiSports-style annotation dict with ``labels``, ``nframes`` and
            ``test_videos`` (the ground-truth pickle works).
        frame_dets: ``(N, 8)`` ``[video_index, frame, label, score, x1, y1, x2, y2]``;
            ``video_index`` indexes ``anno['test_videos'][0]``, frames are 1-based.
        nms_thr: per-frame NMS IoU threshold (MOC: 0.6).
        top_k: boxes kept per frame and class after NMS (MOC: 10).
        iou_thr: IoU needed to extend a tube (MOC: 0.5).
        min_len: shortest tube kept, in frames (mmaction2's ``len_thre``: 15).
        min_score: lowest mean score kept (MOC: 0.005).

    Returns:
        dict: ``{label: [(video, score, tube)]}`` for every label, ``tube`` a float32
        ``(n, 6)`` array ``[frame, x1, y1, x2, y2, box score]``.
    """
    for key in ('labels', 'nframes', 'test_videos'):
        if key not in anno:
            raise ValueError(f"annotation dict lacks {key!r} (need labels, nframes, test_videos)")
    if not isinstance(frame_dets, np.ndarray) or frame_dets.ndim != 2 or frame_dets.shape[1] != 8:
        raise ValueError('frame_dets must be an (N, 8) array [video_index, frame, label, score, '
                         f'x1, y1, x2, y2], got {getattr(frame_dets, "shape", type(frame_dets))}')
    if not np.isfinite(frame_dets).all():
        raise ValueError('frame_dets has non-finite values')
    vlist = list(anno['test_videos'][0])
    n_labels = len(anno['labels'])
    out: dict[int, list[tuple[str, float, np.ndarray]]] = {c: [] for c in range(n_labels)}
    dets = frame_dets.astype(np.float64)
    vid = np.trunc(dets[:, 0]).astype(np.int64)
    frm = np.trunc(dets[:, 1]).astype(np.int64)
    lab = np.trunc(dets[:, 2]).astype(np.int64)
    nfr = np.array([int(anno['nframes'][v]) for v in vlist], dtype=np.int64)
    ok = (vid >= 0) & (vid < len(vlist)) & (lab >= 0) & (lab < n_labels)
    ok_f = ok.copy()
    ok_f[ok] = (frm[ok] >= 1) & (frm[ok] <= nfr[vid[ok]])
    if not ok_f.all():
        logger.warning('link_tubes: %d of %d frame detections skipped (video index, label or frame '
                       'outside the annotation: %d bad video/label, %d bad frame).',
                       int((~ok_f).sum()), dets.shape[0], int((~ok).sum()),
                       int((ok & ~ok_f).sum()))
    idx = np.flatnonzero(ok_f)
    # group by (video, label, frame), input order inside a frame
    order = idx[np.lexsort((idx, frm[idx], lab[idx], vid[idx]))]
    v_s, l_s, f_s = vid[order], lab[order], frm[order]
    # runs of consecutive frames of one (video, label) shorter than min_len cannot give a kept
    # tube (a tube only grows frame by frame and a frame without boxes ends every tube), and
    # runs are independent: drop them before the sequential part
    if min_len > 1 and order.size:
        brk = np.r_[True, (np.diff(v_s) != 0) | (np.diff(l_s) != 0) | (np.diff(f_s) > 1)]
        run = np.cumsum(brk) - 1
        r_first = f_s[brk]
        r_last = f_s[np.r_[np.flatnonzero(brk)[1:] - 1, order.size - 1]]
        keep = (r_last - r_first + 1 >= min_len)[run]
        order, v_s, l_s, f_s = order[keep], v_s[keep], l_s[keep], f_s[keep]
    boxes = dets[order][:, [4, 5, 6, 7, 3]]
    cut = np.flatnonzero((np.diff(v_s) != 0) | (np.diff(l_s) != 0)) + 1
    g_start = np.concatenate([[0], cut]).astype(np.int64)
    g_end = np.concatenate([cut, [order.size]]).astype(np.int64)
    groups: dict[tuple[int, int], tuple[int, int]] = {}
    for s, e in zip(g_start.tolist(), g_end.tolist()):
        if e > s:
            groups[(int(v_s[s]), int(l_s[s]))] = (s, e)
    for iv, v in enumerate(vlist):
        for c in range(n_labels):
            span = groups.get((iv, c))
            if span is None:
                continue
            s, e = span
            for tube in _link_one(f_s[s:e].tolist(), boxes[s:e].tolist(), int(nfr[iv]), nms_thr,
                                  top_k, iou_thr):
                score = tube.mean()
                if score < min_score:
                    continue
                length = tube.last + 1 - tube.first
                if length < min_len:
                    continue
                arr = np.empty((length, 6), dtype=np.float64)
                arr[:, 0] = np.arange(tube.first, tube.last + 1)
                arr[:, 1:] = tube.rows
                out[c].append((v, float(score), arr.astype(np.float32)))
    return out
