"""MultiSports video-AP error analysis, as the official ``videoAP_error``.

Every ranked false positive of a class is attributed to exactly one error type, in this order:

* ``Repeat``: matches (IoU >= thr) a ground-truth tube of its class already taken;
* ``Cls.``: matches a ground-truth tube of another class in its video;
* otherwise, against the ground-truth tube (any class) of highest IoU, if that IoU is > 0, with
  ``th_s = th_t = sqrt(thr)``: same class -> ``Loc.`` (temporal IoU >= th_t), ``Time``
  (spatial IoU >= th_s) or ``Time+Loc.``; other class -> ``Cls.+Loc.``, ``Cls.+Time`` or
  ``C+T+L``;
* ``Extra``: overlaps no ground-truth tube.

Each column's value is the VOC AP of (error count / detections so far, recall), as the official
code computes it (in float32, like its ``pr`` array); ``missed`` is ``100 - 100 * final recall``.
Unlike ``videoAP``, classes without ground truth are kept (AP 0) unless they have detections, in
which case the official code divides by zero; we raise a clear error instead. Detections on
videos outside ``test_videos[0]`` raise too (``KeyError`` in the official code); a detection on a
test video without any ground-truth tube is an ``Extra`` error (the official code fails on
``np.argmax([])``).

The IoUs come from :func:`~.tube_iou.iou3dt` (the official arithmetic on the tubes' own dtypes),
pair by pair: this analysis is a diagnostic, not on the speed-critical path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.multisports_gt import (
    SKIPPED_CLASSES,
    check_multisports_gt,
    check_video_dets,
)
from mmaction_plugins.evaluation.tube_iou import iou3dt
from mmaction_plugins.evaluation.voc_ap import voc_ap

__all__ = ['ERROR_COLUMNS', 'video_ap_error']

ERROR_COLUMNS: tuple[str, ...] = ('AP', 'Repeat', 'Extra', 'Loc.', 'Cls.', 'Time', 'Cls.+Time',
                                  'Cls.+Loc.', 'Time+Loc.', 'C+T+L', 'missed')
_COUNTERS = ('ER', 'EN', 'EL', 'EC', 'ET', 'ECT', 'ECL', 'ETL', 'ECTL')


def video_ap_error(gt: dict[str, Any],
                   video_dets: dict[int, list[tuple[str, float, np.ndarray]]],
                   iou_thr: float = 0.5) -> dict[str, dict[str, float]]:
    """Error analysis of video detections.

    Args:
        gt: MultiSports ground truth.
        video_dets: ``{label: [(video, score, tube (n, 6))]}``.
        iou_thr: spatio-temporal IoU threshold.

    Returns:
        dict: column (:data:`ERROR_COLUMNS`) -> ``{class name: value, ..., 'mean': value}``,
        values in percent.
    """
    check_multisports_gt(gt)
    check_video_dets(video_dets)
    vlist = list(gt['test_videos'][0])
    dupgt = {v: gt['gttubes'][v] for v in vlist}
    th_s = th_t = math.sqrt(iou_thr)
    per_class: dict[str, np.ndarray] = {}
    for c, name in enumerate(gt['labels']):
        if name in SKIPPED_CLASSES:
            continue
        dets = list(video_dets.get(c, []))
        gt_num = sum(len(dupgt[v][c]) for v in dupgt if c in dupgt[v])
        if gt_num == 0 and dets:
            raise ValueError(f'class {c} ({name}) has {len(dets)} video detections but no ground '
                             'truth: its error analysis is undefined (the official code divides '
                             'by zero)')
        pr = np.zeros((len(dets), 11), dtype=np.float32)
        cnt = dict.fromkeys(_COUNTERS, 0)
        tp = fp = 0
        taken: dict[str, np.ndarray] = {}
        order: list[int] = (np.argsort(-np.array([d[1] for d in dets])).tolist() if dets
                            else [])
        for i, j in enumerate(order):
            v, _, tube = dets[j]
            if v not in dupgt:
                raise ValueError(f'class {c}: detection {int(j)} is on video {v!r}, which is not '
                                 'in test_videos[0]')
            positive = end = False
            if c in dupgt[v]:
                taken.setdefault(v, np.zeros(len(dupgt[v][c]), dtype=bool))
                ious = [iou3dt(g, tube) for g in dupgt[v][c]]
                amax = int(np.argmax(ious))
                if ious[amax] >= iou_thr:
                    if not taken[v][amax]:
                        positive = True
                        taken[v][amax] = True
                    else:
                        cnt['ER'] += 1
                    end = True
            if not end:
                ious = [iou3dt(g, tube) for ll in dupgt[v] if ll != c for g in dupgt[v][ll]]
                if ious and ious[int(np.argmax(ious))] >= iou_thr:
                    cnt['EC'] += 1
                    end = True
            if not end:
                all_gt = [(ll, g) for ll in dupgt[v] for g in dupgt[v][ll]]
                ious = [iou3dt(g, tube) for _, g in all_gt]
                amax = int(np.argmax(ious)) if ious else -1
                if amax >= 0 and ious[amax] > 0:
                    ll, g = all_gt[amax]
                    t_iou = iou3dt(g, tube, temporalonly=True)
                    s_iou = iou3dt(g, tube, spatialonly=True)
                    same = ll == c
                    if t_iou >= th_t:
                        cnt['EL' if same else 'ECL'] += 1
                    elif s_iou >= th_s:
                        cnt['ET' if same else 'ECT'] += 1
                    else:
                        cnt['ETL' if same else 'ECTL'] += 1
                else:
                    cnt['EN'] += 1
            if positive:
                tp += 1
            else:
                fp += 1
            pr[i, 0] = max(float(tp) / float(tp + fp), 0.)
            pr[i, 1] = max(float(tp) / float(gt_num), 0.)
            for k, key in enumerate(_COUNTERS, start=2):
                pr[i, k] = max(float(cnt[key]) / float(tp + fp), 0.)
        per_class[name] = pr
    out: dict[str, dict[str, float]] = {col: {} for col in ERROR_COLUMNS}
    missed: dict[str, Any] = {}
    for name, pr in per_class.items():
        out['AP'][name] = 100 * voc_ap(pr[:, 0].astype(np.float64), pr[:, 1].astype(np.float64))
        for k, col in enumerate(ERROR_COLUMNS[1:-1], start=2):
            out[col][name] = 100 * voc_ap(pr[:, k].astype(np.float64),
                                          pr[:, 1].astype(np.float64))
        missed[name] = 100 - 100 * pr[-1, 1] if pr.shape[0] else 100
        out['missed'][name] = float(missed[name])
    for col in ERROR_COLUMNS[:-1]:
        vals = list(out[col].values())
        out[col]['mean'] = float(np.mean(vals)) if vals else float('nan')
    # the official mean of `missed` runs over float32 values
    out['missed']['mean'] = float(np.mean(np.array(list(missed.values())))) if missed else float(
        'nan')
    return out
