"""MultiSports frame-mAP and video-mAP with the semantics of the official scorer.

Reproduced from ``evaluate_multisports.py`` (MCG-NJU/MultiSports):

* the six classes of :data:`~.multisports_gt.SKIPPED_CLASSES` are not evaluated; a class without
  ground truth in the test videos is left out of the mean; a class with ground truth and no
  detection scores 0;
* detections of a class are ranked by ``np.argsort(-scores)`` on the class's detections in input
  order (the same call, so ties rank identically), then matched greedily: the ground-truth box
  (tube) of highest IoU (first on ties), IoU >= threshold and not yet taken -> true positive;
* frame level: ground truth of a class is keyed by ``(test video index, frame)``; detections on
  any other key are false positives; IoU is the VOC IoU without ``+1``;
* video level: spatio-temporal IoU of :mod:`.tube_iou`; a detection on a video without ground
  truth of its class is a false positive;
* AP is VOC all-point AP; results are percentages, ``videoAP@0.1:0.9`` is the mean over the
  thresholds ``0.1 + 0.1 * i`` (``i = 0..8``, computed that way, like the official loop).

Differences, all loud: detections with a label outside the label list are counted and logged
(the official scorer silently never reads them); a label missing from the video-detection dict
means "no detections" (the official scorer raises ``KeyError``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.multisports_gt import (
    SKIPPED_CLASSES,
    check_frame_dets,
    check_multisports_gt,
    check_video_dets,
)
from mmaction_plugins.evaluation.tube_iou import TubeSet, iou3dt, tube_pair_ious
from mmaction_plugins.evaluation.voc_ap import voc_ap

__all__ = ['frame_ap_per_class', 'frame_map', 'video_ap_per_class',
           'video_ap_per_class_thresholds', 'video_map',
           'video_map_thresholds', 'multisports_summary', 'VIDEO_THRESHOLDS']

logger = logging.getLogger(__name__)

#: ``videoAP@0.1:0.9`` thresholds, computed as the official ``videoAP_all`` does.
VIDEO_THRESHOLDS: tuple[float, ...] = tuple(0.1 + 0.1 * i for i in range(9))

# re-check a vectorised decision with the official arithmetic when this close
_EPS = 1e-5


def _eval_labels(gt: dict[str, Any]) -> list[int]:
    return [i for i, name in enumerate(gt['labels']) if name not in SKIPPED_CLASSES]


def _pr_from_tp(tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    cum_tp = np.cumsum(tp)
    n = np.arange(1, tp.size + 1)
    return cum_tp / n.astype(np.float64), cum_tp / float(num_gt)


def _first_claims(cand: np.ndarray, matched: np.ndarray, n: int) -> np.ndarray:
    """TP flags: candidate ``cand[i]`` (ranked order) claims ``matched[i]`` if first to do so."""
    tp = np.zeros(n, dtype=bool)
    if cand.size:
        _, first = np.unique(matched, return_index=True)
        tp[cand[first]] = True
    return tp


def frame_ap_per_class(gt: dict[str, Any], frame_dets: np.ndarray, iou_thr: float = 0.5
                       ) -> dict[str, float]:
    """Frame AP (fraction) of each evaluated class with ground truth.

    Args:
        gt: MultiSports ground truth (see :mod:`.multisports_gt`).
        frame_dets: ``(N, 8)`` ``[video_index, frame, label, score, x1, y1, x2, y2]``.
        iou_thr: IoU threshold.

    Returns:
        dict: class name -> AP in [0, 1], in label order.
    """
    check_multisports_gt(gt)
    check_frame_dets(frame_dets)
    return _frame_aps(gt, frame_dets, iou_thr)


def _gt_boxes_by_class(gt: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                    np.ndarray]:
    """All ground-truth boxes as flat arrays, each class's rows in the official order.

    Returns:
        tuple: ``(label, video index, frame, boxes (G, 4) float64)``, grouped by label (stable:
        video, then tube, then row, as the official ``frameAP`` builds its dict).
    """
    labs, vids, frames, boxes = [], [], [], []
    for iv, v in enumerate(gt['test_videos'][0]):
        for c, lst in gt['gttubes'][v].items():
            for tube in lst:
                n = tube.shape[0]
                labs.append(np.full(n, int(c), dtype=np.int64))
                vids.append(np.full(n, iv, dtype=np.int64))
                frames.append(np.trunc(tube[:, 0]).astype(np.int64))
                boxes.append(tube[:, 1:5].astype(np.float64))
    if not labs:
        return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64),
                np.empty((0, 4)))
    lab = np.concatenate(labs)
    order = np.argsort(lab, kind='stable')
    return (lab[order], np.concatenate(vids)[order], np.concatenate(frames)[order],
            np.concatenate(boxes)[order])


def _frame_aps(gt: dict[str, Any], frame_dets: np.ndarray, iou_thr: float) -> dict[str, float]:
    vlist = gt['test_videos'][0]
    n_labels = len(gt['labels'])
    labels_col = frame_dets[:, 2]
    bad = (labels_col < 0) | (labels_col >= n_labels) | (labels_col != np.round(labels_col))
    if bad.any():
        logger.warning('%d frame detections have labels outside 0..%d and are ignored (the '
                       'official scorer never reads them).', int(bad.sum()), n_labels - 1)
    vid_col = np.trunc(frame_dets[:, 0]).astype(np.int64)
    off_list = (vid_col < 0) | (vid_col >= len(vlist))
    if off_list.any():
        logger.warning('%d frame detections name a video index outside test_videos[0]; they are '
                       'false positives.', int(off_list.sum()))
    frame_col = np.trunc(frame_dets[:, 1]).astype(np.int64)
    _warn_out_of_frame(gt, frame_dets, vid_col, off_list)
    g_lab, g_vid, g_frame, g_box = _gt_boxes_by_class(gt)
    eval_labels = [c for c in _eval_labels(gt) if np.any(g_lab == c)]
    if not eval_labels:
        return {}
    f_min = int(min(frame_col.min(initial=0), g_frame.min(initial=0)))
    span = int(max(frame_col.max(initial=0), g_frame.max(initial=0))) - f_min + 1
    v_span = len(vlist) + 1
    # ranked detections of every evaluated class, class after class; each class ranked by the
    # official call np.argsort(-scores) on its own detections in input order
    ranked_parts = []
    by_label = np.argsort(labels_col, kind='stable')  # each class in input order
    bounds = np.searchsorted(labels_col[by_label], np.array(eval_labels), side='left')
    ends = np.searchsorted(labels_col[by_label], np.array(eval_labels), side='right')
    for lo, hi in zip(bounds.tolist(), ends.tolist()):
        sel = by_label[lo:hi]
        ranked_parts.append(sel[np.argsort(-frame_dets[sel, 3])])
    ranked = np.concatenate(ranked_parts)
    seg_len = np.array([p.size for p in ranked_parts])
    n = ranked.size
    d_lab = labels_col[ranked].astype(np.int64)
    d_key = (d_lab * v_span + vid_col[ranked]) * span + frame_col[ranked] - f_min
    d_key[off_list[ranked]] = -1
    g_key = (g_lab * v_span + g_vid) * span + g_frame - f_min
    g_order = np.argsort(g_key, kind='stable')
    gk_sorted = g_key[g_order]
    lo = np.searchsorted(gk_sorted, d_key, side='left')
    hi = np.searchsorted(gk_sorted, d_key, side='right')
    cnt = np.where(d_key >= 0, hi - lo, 0)
    total = int(cnt.sum())
    owner = np.repeat(np.arange(n), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    g_row = g_order[np.repeat(lo, cnt) + offs]
    gb = g_box[g_row]
    db = frame_dets[ranked[owner], 4:8].astype(np.float64)
    w = np.maximum(0, np.minimum(gb[:, 2], db[:, 2]) - np.maximum(gb[:, 0], db[:, 0]))
    h = np.maximum(0, np.minimum(gb[:, 3], db[:, 3]) - np.maximum(gb[:, 1], db[:, 1]))
    ov = w * h
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = ov / (((gb[:, 2] - gb[:, 0]) * (gb[:, 3] - gb[:, 1])
                     + (db[:, 2] - db[:, 0]) * (db[:, 3] - db[:, 1])) - ov)
    best, first, has_nan = _segment_argmax(iou, owner, n)
    cand = np.flatnonzero((first >= 0) & ~has_nan & (best >= iou_thr))
    tp = _first_claims(cand, g_row[first[cand]], n)
    num_gt = np.bincount(g_lab, minlength=n_labels)
    results: dict[str, float] = {}
    start = 0
    for c, ln in zip(eval_labels, seg_len.tolist()):
        prec, rec = _pr_from_tp(tp[start:start + ln], int(num_gt[c]))
        results[gt['labels'][c]] = voc_ap(prec, rec)
        start += ln
    return results


def _warn_out_of_frame(gt: dict[str, Any], dets: np.ndarray, vid_col: np.ndarray,
                       off_list: np.ndarray) -> None:
    """Count and log boxes outside their video's ``resolution`` (evaluated as given)."""
    vlist = gt['test_videos'][0]
    ok = np.flatnonzero(~off_list)
    if ok.size == 0:
        return
    hw = np.array([gt['resolution'].get(v, (np.inf, np.inf)) for v in vlist], dtype=np.float64)
    h, w = hw[vid_col[ok], 0], hw[vid_col[ok], 1]
    b = dets[ok, 4:8]
    out = (b[:, 0] < 0) | (b[:, 1] < 0) | (b[:, 2] > w) | (b[:, 3] > h) | (b[:, 0] > b[:, 2]) | (
        b[:, 1] > b[:, 3])
    if out.any():
        logger.warning('%d frame detections have boxes outside the frame or inverted (first: row '
                       '%d); they are evaluated as given, like the official scorer does.',
                       int(out.sum()), int(ok[np.argmax(out)]))


def _segment_argmax(values: np.ndarray, owner: np.ndarray, n: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per owner: max, first index of the max (``np.argmax``), and whether a NaN is present.

    Args:
        values: ``(P,)`` float64 grouped by ascending owner.
        owner: ``(P,)`` owner index of each value.
        n: number of owners.
    """
    best = np.full(n, -np.inf)
    first = np.full(n, -1, dtype=np.int64)
    has_nan = np.zeros(n, dtype=bool)
    if values.size == 0:
        return best, first, has_nan
    nan = np.isnan(values)
    has_nan[owner[nan]] = True
    clean = np.where(nan, -np.inf, values)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    best[owner[starts]] = np.maximum.reduceat(clean, starts)
    hit = np.flatnonzero(clean == best[owner])
    o, idx = np.unique(owner[hit], return_index=True)
    first[o] = hit[idx]
    return best, first, has_nan


def frame_map(gt: dict[str, Any], frame_dets: np.ndarray, iou_thr: float = 0.5) -> float:
    """Frame-mAP in percent, as the official ``frameAP``.

    Args:
        gt: MultiSports ground truth.
        frame_dets: ``(N, 8)`` frame detections.
        iou_thr: IoU threshold.

    Returns:
        float: mean over evaluated classes with ground truth of 100 x AP (NaN if none).
    """
    aps = frame_ap_per_class(gt, frame_dets, iou_thr)
    if not aps:
        return float('nan')
    return float(np.mean(100 * np.array(list(aps.values()))))


@dataclass
class _VideoClassData:
    """Per-class inputs of video AP; everything that does not depend on the threshold is
    computed once (ranked detections, pair IoUs, best tube and its IoU per detection)."""

    name: str
    num_gt: int
    n_det: int
    owner: np.ndarray      # (P,) ranked detection index of each pair
    gt_idx: np.ndarray     # (P,) ground-truth tube id (global in class) of each pair
    valid: np.ndarray      # (n_det,) has at least one pair and no NaN IoU
    best: np.ndarray       # (n_det,) best IoU (float64)
    decided: np.ndarray    # (n_det,) ground-truth tube id of the best IoU (first on ties)
    near_tie: np.ndarray   # (n_det,) best and second best closer than _EPS
    exact: dict[int, list[float]]   # lazily filled official IoU lists per ranked detection
    det_tubes: list[np.ndarray]     # ranked detected tubes
    det_gt: list[list[np.ndarray]]  # ground-truth tubes of each ranked detection's video


def _prepare_video_class(gt: dict[str, Any], dets: list[tuple[str, float, np.ndarray]],
                         c: int) -> _VideoClassData | None:
    vlist = gt['test_videos'][0]
    gt_tubes: dict[str, list[np.ndarray]] = {}
    for v in vlist:
        lst = gt['gttubes'][v].get(c, [])
        if len(lst):
            gt_tubes[v] = list(lst)
    num_gt = sum(len(x) for x in gt_tubes.values())
    if num_gt == 0:
        return None
    order = np.argsort(-np.array([d[1] for d in dets])) if dets else np.empty(0, dtype=np.int64)
    ranked = [dets[i] for i in order.tolist()]
    n = len(ranked)
    flat: list[np.ndarray] = []
    base: dict[str, int] = {}
    for v, lst in gt_tubes.items():
        base[v] = len(flat)
        flat.extend(lst)
    cnt = np.array([len(gt_tubes.get(v, ())) for v, _, _ in ranked], dtype=np.int64)
    start = np.array([base.get(v, 0) for v, _, _ in ranked], dtype=np.int64)
    total = int(cnt.sum())
    owner = np.repeat(np.arange(n), cnt)
    gt_idx = np.repeat(start, cnt) + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    if total:
        spatial, temporal = tube_pair_ious(TubeSet(flat), TubeSet([t for _, _, t in ranked]),
                                           gt_idx, owner)
        iou = spatial * temporal
    else:
        iou = np.empty(0)
    best, first, has_nan = _segment_argmax(iou, owner, n)
    valid = (first >= 0) & ~has_nan
    decided = np.full(n, -1, dtype=np.int64)
    near_tie = np.zeros(n, dtype=bool)
    if total:
        decided[first >= 0] = gt_idx[first[first >= 0]]
        masked = iou.copy()
        masked[first[first >= 0]] = -np.inf
        s2, f2, _ = _segment_argmax(np.where(np.isnan(masked), -np.inf, masked), owner, n)
        with np.errstate(invalid='ignore'):
            near_tie = valid & (f2 >= 0) & (best - s2 < _EPS)
    return _VideoClassData(name=gt['labels'][c], num_gt=num_gt, n_det=n, owner=owner,
                           gt_idx=gt_idx, valid=valid, best=best, decided=decided,
                           near_tie=near_tie, exact={},
                           det_tubes=[t for _, _, t in ranked],
                           det_gt=[gt_tubes.get(v, []) for v, _, _ in ranked])


def _decide(data: _VideoClassData, thr: float) -> tuple[np.ndarray, np.ndarray]:
    """Per ranked detection of one class: matched (IoU >= thr) and the tube it would take.

    Decisions within ``_EPS`` of the threshold or of a tie between two tubes are re-checked
    with the official arithmetic (:func:`~.tube_iou.iou3dt` in the tubes' own dtypes).
    """
    ok = data.valid & (data.best >= thr)
    close = data.valid & ((np.abs(data.best - thr) < _EPS) | data.near_tie)
    decided = data.decided
    if close.any():
        decided = decided.copy()
        for i in np.flatnonzero(close).tolist():
            if i not in data.exact:
                data.exact[i] = [iou3dt(g, data.det_tubes[i]) for g in data.det_gt[i]]
            vals = data.exact[i]
            amax = int(np.argmax(vals))
            ok[i] = bool(vals[amax] >= thr)
            decided[i] = data.gt_idx[data.owner == i][amax]
    return ok, decided


def _video_ap(data: _VideoClassData, thr: float) -> float:
    ok, decided = _decide(data, thr)
    cand = np.flatnonzero(ok)
    tp = _first_claims(cand, decided[cand], data.n_det)
    prec, rec = _pr_from_tp(tp, data.num_gt)
    return voc_ap(prec, rec)


def _video_data(gt: dict[str, Any], video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
                check_gt: bool = True) -> list[_VideoClassData]:
    if check_gt:
        check_multisports_gt(gt)
    check_video_dets(video_dets)
    n_labels = len(gt['labels'])
    odd = [k for k in video_dets if not 0 <= int(k) < n_labels]
    if odd:
        logger.warning('video detections have labels outside 0..%d, ignored: %s',
                       n_labels - 1, odd)
    out = []
    for c in _eval_labels(gt):
        if c not in video_dets:
            logger.info('no video detections for label %d (%s): AP 0 if it has ground truth.',
                        c, gt['labels'][c])
        data = _prepare_video_class(gt, list(video_dets.get(c, [])), c)
        if data is not None:
            out.append(data)
    return out


def video_ap_per_class(gt: dict[str, Any],
                       video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
                       iou_thr: float) -> dict[str, float]:
    """Video AP (fraction) of each evaluated class with ground truth.

    Args:
        gt: MultiSports ground truth.
        video_dets: ``{label: [(video, score, tube (n, 6))]}``.
        iou_thr: spatio-temporal IoU threshold.
    """
    return {d.name: _video_ap(d, iou_thr) for d in _video_data(gt, video_dets)}


def video_map(gt: dict[str, Any], video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
              iou_thr: float) -> float:
    """Video-mAP in percent at one threshold, as the official ``videoAP``."""
    aps = video_ap_per_class(gt, video_dets, iou_thr)
    if not aps:
        return float('nan')
    return float(np.mean(100 * np.array(list(aps.values()))))


def video_map_thresholds(gt: dict[str, Any],
                         video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
                         thresholds: tuple[float, ...] | list[float]) -> dict[float, float]:
    """Video-mAP (percent) at several thresholds, computing the tube IoUs once.

    Returns:
        dict: threshold -> video-mAP in percent.
    """
    return _video_maps(_video_data(gt, video_dets), thresholds)


def video_ap_per_class_thresholds(gt: dict[str, Any],
                                  video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
                                  thresholds: tuple[float, ...] | list[float]
                                  ) -> dict[float, dict[str, float]]:
    """Video AP (fraction) of each evaluated class with ground truth, at several thresholds,
    computing the tube IoUs once.

    Returns:
        dict: threshold -> ``{class name: AP}``.
    """
    data = _video_data(gt, video_dets)
    return {thr: dict(zip([d.name for d in data], aps))
            for thr, aps in _video_aps(data, thresholds).items()}


def _video_maps(data: list[_VideoClassData], thresholds: tuple[float, ...] | list[float]
                ) -> dict[float, float]:
    """Video-mAP (percent) per threshold; all classes' detections are decided at once."""
    if not data:
        return dict.fromkeys(thresholds, float('nan'))
    return {thr: float(np.mean(100 * np.array(aps)))
            for thr, aps in _video_aps(data, thresholds).items()}


def _video_aps(data: list[_VideoClassData], thresholds: tuple[float, ...] | list[float]
               ) -> dict[float, list[float]]:
    """Per threshold, the video AP of every class of ``data`` (in its order)."""
    out: dict[float, list[float]] = {}
    if not data:
        return {thr: [] for thr in thresholds}
    n_det = np.array([d.n_det for d in data])
    seg_start = np.cumsum(n_det) - n_det
    total = int(n_det.sum())
    cls_of = np.repeat(np.arange(len(data)), n_det)
    valid = np.concatenate([d.valid for d in data]) if total else np.zeros(0, bool)
    best = np.concatenate([d.best for d in data]) if total else np.zeros(0)
    near_tie = np.concatenate([d.near_tie for d in data]) if total else np.zeros(0, bool)
    gt_base = np.cumsum([d.num_gt for d in data]) - np.array([d.num_gt for d in data])
    decided = (np.concatenate([np.where(d.decided >= 0, d.decided + b, -1)
                               for d, b in zip(data, gt_base.tolist())])
               if total else np.zeros(0, np.int64))
    rank = np.arange(total) - np.repeat(seg_start, n_det) + 1.0
    num_gt = np.array([float(d.num_gt) for d in data])[cls_of]
    for thr in thresholds:
        ok = valid & (best >= thr)
        dec = decided
        close = valid & ((np.abs(best - thr) < _EPS) | near_tie)
        if close.any():
            ok, dec = ok.copy(), decided.copy()
            for k in np.unique(cls_of[close]).tolist():
                s0, s1 = int(seg_start[k]), int(seg_start[k] + n_det[k])
                ok_k, dec_k = _decide(data[k], thr)
                ok[s0:s1] = ok_k
                dec[s0:s1] = np.where(dec_k >= 0, dec_k + gt_base[k], -1)
        cand = np.flatnonzero(ok)
        tp = _first_claims(cand, dec[cand], total)
        cum = np.cumsum(tp)
        cum = cum - np.repeat(np.r_[0, cum][seg_start], n_det)
        prec = cum / rank
        rec = cum / num_gt
        out[thr] = [voc_ap(prec[a:a + m], rec[a:a + m])
                    for a, m in zip(seg_start.tolist(), n_det.tolist())]
    return out


def multisports_summary(gt: dict[str, Any], frame_dets: np.ndarray | None = None,
                        video_dets: dict[int, list[tuple[str, float, np.ndarray]]] | None = None
                        ) -> dict[str, float]:
    """The numbers the MultiSports papers report, in percent.

    Returns:
        dict: ``frameAP@0.5`` (if frame detections), ``videoAP@0.2``, ``videoAP@0.5`` and
        ``videoAP@0.1:0.9`` (if video detections; the last one summed in threshold order and
        divided by 9, as the official ``videoAP_all``).
    """
    out: dict[str, float] = {}
    check_multisports_gt(gt)
    if frame_dets is not None:
        check_frame_dets(frame_dets)
        aps = _frame_aps(gt, frame_dets, 0.5)
        out['frameAP@0.5'] = (float(np.mean(100 * np.array(list(aps.values())))) if aps
                              else float('nan'))
    if video_dets is not None:
        thrs = (0.2, 0.5, *VIDEO_THRESHOLDS)
        res = _video_maps(_video_data(gt, video_dets, check_gt=False), thrs)
        out['videoAP@0.2'] = res[0.2]
        out['videoAP@0.5'] = res[0.5]
        acc = 0.0
        for t in VIDEO_THRESHOLDS:
            acc += res[t]
        out['videoAP@0.1:0.9'] = acc / 9.0
    return out
