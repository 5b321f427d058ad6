"""Brute-force references for the scorer tests, written as plain loops.

* :func:`official_ava` — ActivityNet ``get_ava_performance.py`` step by step: its ``read_csv``
  (heap of ``(score, action_id, y1, x1, y2, x2)``, strict ``>`` replacement at capacity),
  ``ObjectDetectionEvaluation`` (ground truth per keyframe, detections on keyframes without
  ground truth evaluated against nothing, ``_remove_invalid_boxes``, per-class greedy matching on
  ``np.argmax`` of the IoU row) with the TF ``np_box_ops.iou`` and ``metrics`` that mmaction2
  ships verbatim, and ``np.nanmean`` over classes ``1..max(id)``.
* :func:`official_tps` — the Kinetics-TPS scorer loop with the README semantics we follow, and a
  switch reproducing xiadingZ's human indexing.
"""

from __future__ import annotations

import csv
import heapq
from collections import defaultdict

import numpy as np
from scipy.optimize import linear_sum_assignment


def _read_csv(path, whitelist, capacity):
    entries = defaultdict(list)
    with open(path) as f:
        for row in csv.reader(f):
            assert len(row) in (7, 8)
            key = f'{row[0]},{int(row[1]):04d}'
            x1, y1, x2, y2 = (float(n) for n in row[2:6])
            action = int(row[6])
            if whitelist and action not in whitelist:
                continue
            score = float(row[7]) if len(row) == 8 else 1.0
            if capacity < 1 or len(entries[key]) < capacity:
                heapq.heappush(entries[key], (score, action, y1, x1, y2, x2))
            elif score > entries[key][0][0]:
                heapq.heapreplace(entries[key], (score, action, y1, x1, y2, x2))
    boxes, labels, scores = {}, {}, {}
    for key in entries:
        entry = sorted(entries[key], key=lambda tup: -tup[0])
        boxes[key] = [list(e[2:]) for e in entry]
        labels[key] = [e[1] for e in entry]
        scores[key] = [e[0] for e in entry]
    return boxes, labels, scores


def official_ava(gt_csv, det_csv, label_map, exclusions=None, iou_thr=0.5):
    """Per-class AP (index ``id - 1``, NaN without ground truth) and mAP, officially."""
    from mmaction.evaluation.functional.ava_evaluation import metrics, np_box_ops

    whitelist = set(label_map)
    num_class = max(label_map)
    excluded = set()
    if exclusions:
        with open(exclusions) as f:
            for row in csv.reader(f):
                excluded.add(f'{row[0]},{int(row[1]):04d}')
    gt_boxes, gt_labels, _ = _read_csv(gt_csv, whitelist, 0)
    gt = {}
    num_gt = np.zeros(num_class, dtype=int)
    for key in gt_boxes:
        if key in excluded:
            continue
        lab = np.array(gt_labels[key], dtype=int) - 1
        gt[key] = (np.array(gt_boxes[key], dtype=float), lab)
        for c in range(num_class):
            num_gt[c] += np.sum(lab == c)
    d_boxes, d_labels, d_scores = _read_csv(det_csv, whitelist, 50)
    scores_pc = [[] for _ in range(num_class)]
    tp_pc = [[] for _ in range(num_class)]
    for key in d_boxes:
        if key in excluded:
            continue
        boxes = np.array(d_boxes[key], dtype=float)
        labels = np.array(d_labels[key], dtype=int) - 1
        scores = np.array(d_scores[key], dtype=float)
        valid = (boxes[:, 0] < boxes[:, 2]) & (boxes[:, 1] < boxes[:, 3])
        boxes, labels, scores = boxes[valid], labels[valid], scores[valid]
        g_boxes, g_labels = gt.get(key, (np.empty((0, 4)), np.array([], dtype=int)))
        for c in range(num_class):
            db, ds = boxes[labels == c], scores[labels == c]
            if db.size == 0:
                continue
            gb = g_boxes[g_labels == c]
            tp = np.zeros(db.shape[0], dtype=bool)
            if gb.size:
                iou = np_box_ops.iou(db, gb)
                best = np.argmax(iou, axis=1)
                taken = np.zeros(gb.shape[0], dtype=bool)
                for i in range(db.shape[0]):
                    if iou[i, best[i]] >= iou_thr and not taken[best[i]]:
                        tp[i] = True
                        taken[best[i]] = True
            scores_pc[c].append(ds)
            tp_pc[c].append(tp)
    ap = np.full(num_class, np.nan)
    for c in range(num_class):
        if num_gt[c] == 0:
            continue
        s = np.concatenate(scores_pc[c]) if scores_pc[c] else np.array([], dtype=float)
        t = np.concatenate(tp_pc[c]) if tp_pc[c] else np.array([], dtype=bool)
        p, r = metrics.compute_precision_recall(s, t, num_gt[c])
        ap[c] = metrics.compute_average_precision(p, r)
    with np.errstate(all='ignore'):
        return ap, float(np.nanmean(ap)) if not np.isnan(ap).all() else float('nan')


def _bbox_iou(a, b):
    iw = min(a[2], b[2]) - max(a[0], b[0]) + 1
    ih = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return -1.0
    inter = iw * ih
    return inter / float((a[2] - a[0] + 1) * (a[3] - a[1] + 1)
                         + (b[2] - b[0] + 1) * (b[3] - b[1] + 1) - inter)


def official_tps(gt_vid, gt_part, pred_vid, pred_part, human_thr=0.5, part_thr=0.3,
                 xiading_indexing=False):
    """The scorer loop; ``xiading_indexing`` evaluates ``pred_humans[i]`` like that fork."""
    part_vid_acc = []
    for vid, cls in gt_vid.items():
        frames = gt_part[vid]
        total = len(frames)
        acc = 0
        for frame, gf in frames.items():
            gh = gf['humans']
            if len(gh) == 0:
                total -= 1
                continue
            if frame not in pred_part[vid]:
                continue
            ph = pred_part[vid][frame]['humans']
            g = np.float32([h['box'] for h in gh]).reshape(-1, 4)
            p = np.float32([h['box'] for h in ph]).reshape(-1, 4)
            m = np.zeros((len(g), len(p)), dtype=np.float32)
            for i in range(len(g)):
                for j in range(len(p)):
                    m[i, j] = _bbox_iou(g[i], p[j])
            if len(p) > len(g):
                m = np.concatenate((m, np.full((len(p) - len(g), len(p)), 0.0)), axis=0)
            if len(g) > len(p):
                m = np.concatenate((m, np.full((len(g), len(g) - len(p)), 0.0)), axis=1)
            r, c = linear_sum_assignment(1 - m)
            sel = c < len(p)
            r, c = r[sel], c[sel]
            ok = m[r, c] > human_thr
            match = {}
            for k, (ri, ci) in enumerate(zip(r[ok], c[ok])):
                match[ri] = ph[k] if xiading_indexing else ph[ci]
            n_parts, f_sum = 0, 0
            for i, human in enumerate(gh):
                n_parts += len(human['parts'])
                if i not in match:
                    continue
                for name, part in human['parts'].items():
                    pp = match[i]['parts'].get(name)
                    if pp is None:
                        continue
                    boxes, verbs = pp['box'], pp['verb']
                    if isinstance(verbs, str):
                        boxes, verbs = [boxes], [verbs]
                    hit = 0
                    for b, v in zip(boxes, verbs):
                        if _bbox_iou(part['box'], b) >= part_thr and part['verb'] == v:
                            hit = 1
                            break
                    f_sum += 1.0 * hit / len(verbs) if verbs else 0
            if n_parts == 0:
                total -= 1
            else:
                acc += 1.0 * f_sum / n_parts
        psc = 1.0 if total == 0 else 1.0 * acc / total
        part_vid_acc.append((psc, 1 if pred_vid.get(vid) == cls else 0))
    area = 0
    for t in range(1, 10000):
        t = t / 10000
        cor = sum(1 for p, v in part_vid_acc if p >= t and v == 1)
        area += 1.0 / 10000 * (cor / len(part_vid_acc))
    return area, [p for p, _ in part_vid_acc]
