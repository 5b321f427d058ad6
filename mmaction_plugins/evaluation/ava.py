"""AVA frame-mAP@0.5 with the semantics of ActivityNet's official ``get_ava_performance.py``.

What the official evaluator does, and this module reproduces (vectorised, bit-identical):

* classes: the label map is a whitelist; AP is computed for ids ``1..max(id)``; a class without
  ground truth gets NaN and is left out of the mean (``np.nanmean``); a class with ground truth
  and no detection scores 0;
* at most 50 detections per keyframe, chosen by the official heap (see :mod:`.ava_csv`);
* keyframes listed in the exclusions file are removed from ground truth and detections;
* detections whose box has ``y1 >= y2`` or ``x1 >= x2`` are removed (``_remove_invalid_boxes``),
  after the capacity cut, as the official code does;
* per keyframe and class, detections are matched in order to the ground-truth box of highest IoU
  (first on ties, ``np.argmax``); IoU >= 0.5 and that box not yet taken -> true positive, else
  false positive (no fall back to the second-best box);
* detections on a keyframe without any ground truth are false positives in the official code
  (``ObjectDetectionEvaluation.add_single_detected_image_info`` evaluates them against an empty
  box list). That is the default here; ``ignore_unannotated=True`` drops them instead. Either
  way they are counted in :attr:`AVAResult.stats`;
* per class, scores are concatenated keyframe by keyframe in detection-file order and ranked by
  ``np.argsort(scores)[::-1]`` — the same call on the same array, so ties rank identically;
* AP is PASCAL VOC all-point AP (:mod:`.voc_ap`).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.ava_csv import AVACsv, read_ava_csv, read_exclusions
from mmaction_plugins.evaluation.label_map import read_label_map
from mmaction_plugins.evaluation.voc_ap import average_precision_tf, voc_ap

__all__ = ['AVAMatches', 'AVAResult', 'AVA_GROUPS', 'evaluate_ava', 'evaluate_ava_arrays',
           'match_ava', 'match_ava_arrays']

logger = logging.getLogger(__name__)

#: AVA's three action groups by class id (inclusive ranges, as mmaction2's ``ava_eval`` splits
#: them): person movement (pose), object manipulation, person interaction.
AVA_GROUPS: dict[str, tuple[int, int]] = {
    'person_movement': (1, 14), 'object_manipulation': (15, 63),
    'person_interaction': (64, 10**9)}

DET_CAPACITY = 50


@dataclass
class AVAResult:
    """AVA frame-mAP result.

    Attributes:
        mAP: mean AP over classes with ground truth (a fraction, like the official output);
            NaN when no class has ground truth.
        per_class: class name -> AP, or None for a class without ground truth.
        per_class_id: class id -> AP or None (same values keyed by id).
        group_mAP: mean AP of the AVA groups ``person_movement`` (ids 1-14),
            ``object_manipulation`` (15-63) and ``person_interaction`` (64+) over their classes
            with ground truth; None if none has any.
        num_gt: class id -> number of ground-truth boxes evaluated.
        stats: what was skipped or flagged, per input (``gt``, ``det``, ``eval``).
    """

    mAP: float
    per_class: dict[str, float | None]
    per_class_id: dict[int, float | None] = field(default_factory=dict)
    group_mAP: dict[str, float | None] = field(default_factory=dict)
    num_gt: dict[int, int] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``{"mAP": fraction or null, "per_class": {name: AP or null}}``."""
        m = None if np.isnan(self.mAP) else float(self.mAP)
        return {'mAP': m, 'per_class': dict(self.per_class)}


@dataclass
class AVAMatches:
    """The official matching of one detection file against the ground truth, kept per detection.

    Everything the AP of a class needs (:meth:`class_ap`), with each detection's and each
    ground-truth box's video, so that AP can be recomputed on any multiset of videos (e.g. a
    bootstrap resample) without matching again.

    Attributes:
        num_class: the largest class id (AP is defined for ids ``1..num_class``).
        videos: ``(V,)`` str, the videos of the ground truth and the detections (sorted).
        det_video: ``(N,)`` int64, index into ``videos`` of each evaluated detection (after the
            capacity cut, exclusions and invalid boxes), in the official concatenation order.
        det_label: ``(N,)`` int64 class id of each detection.
        det_score: ``(N,)`` float64 score.
        det_tp: ``(N,)`` bool, True where the detection is a true positive.
        gt_count: ``(V, num_class + 1)`` int64, evaluated ground-truth boxes per video and class
            id (column 0 unused).
        stats: what the matching skipped or flagged (``AVAResult.stats['eval']``).
    """

    num_class: int
    videos: np.ndarray
    det_video: np.ndarray
    det_label: np.ndarray
    det_score: np.ndarray
    det_tp: np.ndarray
    gt_count: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)
    _by_class: list[np.ndarray] | None = field(default=None, init=False, repr=False,
                                               compare=False)
    _ranked: dict[int, np.ndarray] = field(default_factory=dict, init=False, repr=False,
                                           compare=False)

    def class_index(self, c: int) -> np.ndarray:
        """Indices of the detections of class ``c``, in the official concatenation order
        (grouped once for every class, on first use)."""
        if self._by_class is None:
            by_label = np.argsort(self.det_label, kind='stable')
            bounds = np.searchsorted(self.det_label[by_label], np.arange(1, self.num_class + 2))
            self._by_class = [by_label[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]
        return self._by_class[c - 1]

    def class_ap(self, c: int, video_weight: np.ndarray | None = None) -> float:
        """AP of class ``c``, official arithmetic; NaN without ground truth.

        Args:
            c: class id in ``1..num_class``.
            video_weight: ``(V,)`` non-negative integer multiplicity of each video (a bootstrap
                resample: a video drawn twice counts its boxes twice); default all 1, which gives
                the official AP bit for bit.

        Returns:
            float: AP in [0, 1], or NaN when the weighted ground-truth count is 0.
        """
        idx = self.class_index(c)
        if video_weight is None:
            num_gt = int(self.gt_count[:, c].sum())
            if num_gt == 0:
                return float('nan')
            return average_precision_tf(self.det_score[idx], self.det_tp[idx], num_gt)
        w = np.asarray(video_weight, dtype=np.int64)
        num_gt = int(w @ self.gt_count[:, c])
        if num_gt == 0:
            return float('nan')
        # the official ranking of the full list (kept: every resample reuses it); a video drawn
        # k times repeats each of its detections k times next to itself, which for all-point AP
        # equals weighting it by k
        if c not in self._ranked:
            self._ranked[c] = idx[np.argsort(self.det_score[idx])[::-1]]
        ranked = self._ranked[c]
        dw, tp = w[self.det_video[ranked]], self.det_tp[ranked]
        keep = dw > 0
        if not keep.any():
            return 0.0
        dw, tp = dw[keep], tp[keep]
        cum_tp = np.cumsum(dw * tp)
        cum_fp = np.cumsum(dw * ~tp)
        return voc_ap(cum_tp / (cum_tp + cum_fp), cum_tp / num_gt)


def _segment_first_argmax(values: np.ndarray, owner: np.ndarray, n_owner: int
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Per owner, the max of ``values`` and the first index reaching it (``np.argmax`` rule).

    Args:
        values: ``(P,)`` float64, grouped by owner (owners ascending, contiguous).
        owner: ``(P,)`` int64 owner of each value.
        n_owner: number of owners.

    Returns:
        tuple: ``(max, first)`` of shape ``(n_owner,)``; -inf / -1 for owners without values.
    """
    seg_max = np.full(n_owner, -np.inf)
    first = np.full(n_owner, -1, dtype=np.int64)
    if values.size == 0:
        return seg_max, first
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    seg_max[owner[starts]] = np.maximum.reduceat(values, starts)
    hit = np.flatnonzero(values == seg_max[owner])
    owners_hit, idx = np.unique(owner[hit], return_index=True)
    first[owners_hit] = hit[idx]
    return seg_max, first


def _pairwise_iou_tf(det: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """IoU of paired boxes with the float operations of the TF ``np_box_ops.iou``.

    Args:
        det: ``(P, 4)`` detection boxes ``[y1, x1, y2, x2]`` (``boxes1`` in the official call).
        gt: ``(P, 4)`` ground-truth boxes, same layout.

    Returns:
        np.ndarray: ``(P,)`` float64 IoU.
    """
    heights = np.maximum(0.0, np.minimum(det[:, 2], gt[:, 2]) - np.maximum(det[:, 0], gt[:, 0]))
    widths = np.maximum(0.0, np.minimum(det[:, 3], gt[:, 3]) - np.maximum(det[:, 1], gt[:, 1]))
    inter = heights * widths
    area1 = (det[:, 2] - det[:, 0]) * (det[:, 3] - det[:, 1])
    area2 = (gt[:, 2] - gt[:, 0]) * (gt[:, 3] - gt[:, 1])
    with np.errstate(invalid='ignore', divide='ignore'):
        return inter / (area1 + area2 - inter)


def match_ava_arrays(gt: AVACsv, det: AVACsv, label_map: dict[int, str],
                     excluded: set[tuple[str, int]] | None = None, iou_thr: float = 0.5,
                     ignore_unannotated: bool = False) -> AVAMatches:
    """Match detections to ground truth as the official evaluator does (no AP yet).

    Args: as :func:`evaluate_ava_arrays`.

    Returns:
        AVAMatches: every evaluated detection with its true-positive flag and video, and the
        ground-truth count per video and class.
    """
    if not label_map:
        raise ValueError('empty label map')
    if min(label_map) < 1:
        raise ValueError(f'class ids must be >= 1 (the official evaluator requires 1-indexed '
                         f'classes), got {min(label_map)}')
    excluded = excluded or set()
    num_class = max(label_map)
    stats_eval: dict[str, int] = {}

    gt_keys = list(zip(gt.video_ids.tolist(), gt.timestamps.tolist()))
    gt_frame_ok = np.array([k not in excluded for k in gt_keys], dtype=bool)
    gt_index = {k: i for i, k in enumerate(gt_keys) if gt_frame_ok[i]}
    det_keys = list(zip(det.video_ids.tolist(), det.timestamps.tolist()))
    det_frame_ok = np.array([k not in excluded for k in det_keys], dtype=bool)
    det_to_gt = np.array([gt_index.get(k, -1) for k in det_keys], dtype=np.int64)
    if (~gt_frame_ok).any() or (~det_frame_ok).any():
        stats_eval['excluded_gt_keyframes'] = int((~gt_frame_ok).sum())
        stats_eval['excluded_det_keyframes'] = int((~det_frame_ok).sum())

    g_keep = gt_frame_ok[gt.frame]
    g_frame, g_boxes, g_labels = gt.frame[g_keep], gt.boxes[g_keep], gt.labels[g_keep]

    d_keep = det_frame_ok[det.frame]
    valid = (det.boxes[:, 0] < det.boxes[:, 2]) & (det.boxes[:, 1] < det.boxes[:, 3])
    if (d_keep & ~valid).any():
        n_inv = int((d_keep & ~valid).sum())
        stats_eval['invalid_det_boxes'] = n_inv
        logger.warning('%s: %d detections with y1 >= y2 or x1 >= x2 were removed (as the '
                       'official evaluator does); first at line %d.', det.path, n_inv,
                       int(det.lines[np.argmax(d_keep & ~valid)]))
    d_keep &= valid
    unannotated = d_keep & (det_to_gt[det.frame] < 0)
    if unannotated.any():
        stats_eval['det_on_unannotated_keyframes'] = int(unannotated.sum())
        what = 'dropped' if ignore_unannotated else 'counted as false positives (official)'
        logger.warning('%s: %d detections on %d keyframes without ground truth were %s.',
                       det.path, int(unannotated.sum()),
                       int(np.unique(det.frame[unannotated]).size), what)
        if ignore_unannotated:
            d_keep &= ~unannotated
    d_gframe = det_to_gt[det.frame[d_keep]]
    d_boxes, d_labels, d_scores = det.boxes[d_keep], det.labels[d_keep], det.scores[d_keep]
    n_det = d_labels.size

    # ground-truth groups (keyframe, class), official order inside each group
    stride = num_class + 1
    g_order = np.lexsort((np.arange(g_labels.size), g_labels, g_frame))
    g_group = g_frame[g_order] * stride + g_labels[g_order]
    grp_keys, grp_start, grp_count = np.unique(g_group, return_index=True, return_counts=True)
    d_group = np.where(d_gframe >= 0, d_gframe * stride + d_labels, -1)
    pos = np.searchsorted(grp_keys, d_group)
    pos_c = np.minimum(pos, max(grp_keys.size - 1, 0))
    has = (d_group >= 0) & (grp_keys.size > 0)
    if grp_keys.size:
        has &= grp_keys[pos_c] == d_group
    cnt = np.where(has, grp_count[pos_c] if grp_keys.size else 0, 0)
    start = np.where(has, grp_start[pos_c] if grp_keys.size else 0, 0)

    total = int(cnt.sum())
    owner = np.repeat(np.arange(n_det), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    gt_row = g_order[np.repeat(start, cnt) + offs]
    iou = _pairwise_iou_tf(d_boxes[owner], g_boxes[gt_row])
    best, first = _segment_first_argmax(iou, owner, n_det)
    # np.argmax picks the first NaN if any; NaN >= thr is False -> false positive
    nan_owner = np.zeros(n_det, dtype=bool)
    nan_owner[owner[np.isnan(iou)]] = True
    cand = np.flatnonzero((first >= 0) & (best >= iou_thr) & ~nan_owner)
    tp = np.zeros(n_det, dtype=bool)
    if cand.size:
        matched_gt = gt_row[first[cand]]
        _, first_claim = np.unique(matched_gt, return_index=True)
        tp[cand[first_claim]] = True

    g_video = gt.video_ids[g_frame]
    d_video = det.video_ids[det.frame[d_keep]]
    videos, inverse = np.unique(np.concatenate([g_video, d_video]).astype(str),
                                return_inverse=True)
    gt_count = np.zeros((videos.size, num_class + 1), dtype=np.int64)
    np.add.at(gt_count, (inverse[:g_video.size], g_labels), 1)
    return AVAMatches(num_class=num_class, videos=videos,
                      det_video=inverse[g_video.size:].astype(np.int64), det_label=d_labels,
                      det_score=d_scores, det_tp=tp, gt_count=gt_count, stats=stats_eval)


def evaluate_ava_arrays(gt: AVACsv, det: AVACsv, label_map: dict[int, str],
                        excluded: set[tuple[str, int]] | None = None, iou_thr: float = 0.5,
                        ignore_unannotated: bool = False) -> AVAResult:
    """Evaluate rows already read by :func:`~.ava_csv.read_ava_csv`.

    Args:
        gt: ground truth, read with capacity 0.
        det: detections, read with capacity 50.
        label_map: class id -> name (ids >= 1).
        excluded: ``(video_id, timestamp)`` keyframes to remove.
        iou_thr: matching IoU threshold.
        ignore_unannotated: drop detections on keyframes without ground truth instead of
            counting them as false positives (the official behaviour).

    Returns:
        AVAResult: the scores.
    """
    m = match_ava_arrays(gt, det, label_map, excluded, iou_thr, ignore_unannotated)
    num_class = m.num_class
    num_gt = m.gt_count.sum(axis=0)
    ap = np.array([m.class_ap(c) for c in range(1, num_class + 1)], dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        mean_ap = float(np.nanmean(ap))

    per_id: dict[int, float | None] = {
        cid: (None if np.isnan(ap[cid - 1]) else float(ap[cid - 1])) for cid in label_map}
    per_name = {label_map[cid]: v for cid, v in per_id.items()}
    groups: dict[str, float | None] = {}
    for name, (lo_id, hi_id) in AVA_GROUPS.items():
        vals = np.array([ap[c - 1] for c in range(1, num_class + 1) if lo_id <= c <= hi_id])
        groups[name] = (float(np.nanmean(vals)) if vals.size and not np.isnan(vals).all()
                        else None)
    return AVAResult(
        mAP=mean_ap, per_class=per_name, per_class_id=per_id, group_mAP=groups,
        num_gt={cid: int(num_gt[cid]) for cid in label_map if cid <= num_class},
        stats={'gt': dict(gt.stats), 'det': dict(det.stats), 'eval': dict(m.stats)})


def _read_inputs(gt_csv: str | os.PathLike[str], det_csv: str | os.PathLike[str],
                 label_map: str | os.PathLike[str] | dict[int, str]
                 ) -> tuple[AVACsv, AVACsv, dict[int, str]]:
    """Ground truth, detections and label map of :func:`evaluate_ava` / :func:`match_ava`."""
    lm = dict(label_map) if isinstance(label_map, dict) else read_label_map(label_map)
    whitelist = frozenset(lm)
    gt = read_ava_csv(gt_csv, whitelist, capacity=0, check_gt_boxes=True)
    if gt.labels.size == 0:
        raise ValueError(f'{os.fspath(gt_csv)}: no ground-truth row has a class of the label map '
                         '(nothing to evaluate)')
    det = read_ava_csv(det_csv, whitelist, capacity=DET_CAPACITY)
    return gt, det, lm


def match_ava(gt_csv: str | os.PathLike[str], det_csv: str | os.PathLike[str],
              label_map: str | os.PathLike[str] | dict[int, str],
              exclusions: str | os.PathLike[str] | None = None, iou_thr: float = 0.5,
              ignore_unannotated: bool = False) -> AVAMatches:
    """:func:`match_ava_arrays` of two CSV files (arguments as :func:`evaluate_ava`)."""
    gt, det, lm = _read_inputs(gt_csv, det_csv, label_map)
    return match_ava_arrays(gt, det, lm, read_exclusions(exclusions), iou_thr=iou_thr,
                            ignore_unannotated=ignore_unannotated)


def evaluate_ava(gt_csv: str | os.PathLike[str], det_csv: str | os.PathLike[str],
                 label_map: str | os.PathLike[str] | dict[int, str],
                 exclusions: str | os.PathLike[str] | None = None, iou_thr: float = 0.5,
                 ignore_unannotated: bool = False) -> AVAResult:
    """AVA frame-mAP of a detection CSV, identical to the official ActivityNet evaluator.

    Args:
        gt_csv: ground-truth CSV (7 or 8 columns).
        det_csv: detection CSV (8 columns: ``video,timestamp,x1,y1,x2,y2,action,score``).
        label_map: pbtxt or ``id: name`` file, or a ready ``{id: name}`` dict.
        exclusions: optional ``video_id,timestamp`` CSV of keyframes to ignore.
        iou_thr: matching threshold (0.5 in the official evaluator).
        ignore_unannotated: see :func:`evaluate_ava_arrays`.

    Returns:
        AVAResult: ``mAP`` (fraction) and per-class AP.
    """
    gt, det, lm = _read_inputs(gt_csv, det_csv, label_map)
    return evaluate_ava_arrays(gt, det, lm, read_exclusions(exclusions), iou_thr=iou_thr,
                               ignore_unannotated=ignore_unannotated)
