"""Kinetics-TPS part-state score: PSC per video and the area under the conditioned accuracy curve.

Challenge definition (DeeperAction Kinetics-TPS, ``Kinetics-TPS-evaluation`` README): in every
evaluated frame each ground-truth human is matched to a predicted human by IoU (Hungarian
assignment, matched only if IoU > 0.5); for a matched human each ground-truth body part scores
``1 / N_p`` if at least one of the ``N_p`` predicted proposals of that part has IoU >= 0.3 with it
*and* the right state tag, else 0; a frame's score is the mean over all ground-truth parts of the
frame, the video's PSC the mean over its frames; a video counts as correct at threshold ``t`` if
``PSC >= t`` and its predicted class is right; the score is the area under accuracy(t) for
``t = k / 10000``, ``k = 1..9999`` (the scorer's ``cal_area``).

Two public forks of the scorer (``eval_detection.py``) disagree:

* ``xiadingZ/Kinetics-TPS-evaluation`` reads part proposals as lists (``box: [B1, B2, ...]``,
  ``verb: [S1, S2, ...]``, N_p = list length) — the submission format of the README — but
  evaluates a matched ground-truth human against ``pred_humans[i]``, the prediction at the index
  of the *match counter*, not the matched prediction (``match_humans``);
* ``Andy1621/Kinetics-TPS-evaluation`` fixes that (``pred_humans[idx_pred[i]]``) but wraps each
  part's ``box``/``verb`` in a one-element list, so it only accepts one proposal per part.

We follow the README, i.e. Andy1621's human matching and xiadingZ's part lists: the human whose
parts are compared is the one the assignment matched (the other choice scores a human's parts
against somebody else's), and a part may carry up to 5 proposals (the documented format). A part
given as a single ``box``/``verb`` (Andy1621's format) is read as one proposal, so both forks'
inputs are accepted. ``tests/evaluation/test_kinetics_tps.py`` has the case where the forks give
different numbers.

Everything else follows the (shared) scorer code: IoU with ``+1`` pixel areas and -1 for boxes
that do not intersect, human IoU computed in float32, ``>=`` part threshold, frames without ground
truth humans or parts not counted, a ground-truth frame missing from the prediction scoring 0, a
video without any evaluated frame getting PSC 1.0, at most 10 humans per frame and 5 proposals per
part (more raise ``ValueError``). A video missing from the predictions is scored as an empty
prediction (PSC 0, class wrong) and logged; the scorers raise ``KeyError`` there.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ['TPSResult', 'bbox_iou_tps', 'match_humans', 'video_psc', 'evaluate_tps',
           'evaluate_tps_files', 'load_tps_json', 'MAX_HUMANS', 'MAX_PROPOSALS']

logger = logging.getLogger(__name__)

MAX_HUMANS = 10
MAX_PROPOSALS = 5
STEPS = 10000


def bbox_iou_tps(a: Any, b: Any) -> float:
    """The scorer's ``bbox_iou``: ``+1`` pixel areas, -1.0 when the boxes do not intersect.

    Args:
        a: ``[x1, y1, x2, y2]``.
        b: ``[x1, y1, x2, y2]``.
    """
    iw = min(a[2], b[2]) - max(a[0], b[0]) + 1
    ih = min(a[3], b[3]) - max(a[1], b[1]) + 1
    if iw <= 0 or ih <= 0:
        return -1.0
    inter = iw * ih
    area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
    area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1)
    return inter / float(area_a + area_b - inter)


def match_humans(gt_boxes: list[Any], pred_boxes: list[Any], iou_thr: float = 0.5
                 ) -> dict[int, tuple[int, float]]:
    """Hungarian matching of ground-truth to predicted humans (the scorer's ``match_bboxes``).

    Args:
        gt_boxes: ``G`` boxes ``[x1, y1, x2, y2]``.
        pred_boxes: ``P`` boxes.
        iou_thr: a pair is kept if its IoU is > ``iou_thr``.

    Returns:
        dict: ground-truth index -> (prediction index, IoU).
    """
    from scipy.optimize import linear_sum_assignment

    g = np.asarray(gt_boxes, dtype=np.float32).reshape(-1, 4)
    p = np.asarray(pred_boxes, dtype=np.float32).reshape(-1, 4)
    n_g, n_p = g.shape[0], p.shape[0]
    iou = np.zeros((n_g, n_p), dtype=np.float32)
    for i in range(n_g):
        for j in range(n_p):
            iou[i, j] = bbox_iou_tps(g[i], p[j])
    if n_p > n_g:
        iou = np.concatenate((iou, np.full((n_p - n_g, n_p), 0.0)), axis=0)
    if n_g > n_p:
        iou = np.concatenate((iou, np.full((n_g, n_g - n_p), 0.0)), axis=1)
    rows, cols = linear_sum_assignment(1 - iou)
    keep = cols < n_p
    rows, cols = rows[keep], cols[keep]
    vals = iou[rows, cols]
    ok = vals > iou_thr
    return {int(r): (int(c), float(v)) for r, c, v in zip(rows[ok], cols[ok], vals[ok])}


def _proposals(part: dict[str, Any], where: str) -> tuple[list[Any], list[Any]]:
    boxes, verbs = part.get('box'), part.get('verb')
    if boxes is None or verbs is None:
        raise ValueError(f"{where}: a predicted part needs 'box' and 'verb'")
    if isinstance(verbs, str):  # one proposal (Andy1621 format)
        boxes, verbs = [boxes], [verbs]
    if len(boxes) != len(verbs):
        raise ValueError(f'{where}: {len(boxes)} boxes but {len(verbs)} verbs')
    if len(verbs) > MAX_PROPOSALS:
        raise ValueError(f'{where}: {len(verbs)} proposals, at most {MAX_PROPOSALS} allowed')
    return list(boxes), list(verbs)


def _human_part_score(gt_human: dict[str, Any], pred_human: dict[str, Any], part_thr: float,
                      where: str) -> float:
    total = 0.0
    pred_parts = pred_human.get('parts', {})
    for name, gt_part in gt_human['parts'].items():
        if name not in pred_parts:
            continue
        boxes, verbs = _proposals(pred_parts[name], f'{where} part {name!r}')
        correct = any(bbox_iou_tps(gt_part['box'], b) >= part_thr and gt_part['verb'] == v
                      for b, v in zip(boxes, verbs))
        total += (1.0 / len(verbs)) if (correct and verbs) else 0
    return total


def video_psc(gt_frames: dict[str, Any], pred_frames: dict[str, Any], human_thr: float = 0.5,
              part_thr: float = 0.3, where: str = '') -> float:
    """Part-state correctness of one video.

    Args:
        gt_frames: ``{frame: {'humans': [{'box': [4], 'parts': {name: {'box', 'verb'}}}]}}``.
        pred_frames: same layout; parts have ``box``/``verb`` lists (or one box and one verb).
        human_thr: human IoU threshold (strict ``>``).
        part_thr: part IoU threshold (``>=``).
        where: prefix for error messages.

    Returns:
        float: PSC in [0, 1] (1.0 if the video has no evaluated frame, as the scorer does).
    """
    total_frames = len(gt_frames)
    acc_sum = 0.0
    for frame, gt_f in gt_frames.items():
        gt_humans = gt_f.get('humans', [])
        if len(gt_humans) == 0:
            total_frames -= 1
            continue
        if frame not in pred_frames:
            continue
        pred_humans = pred_frames[frame].get('humans', [])
        if len(pred_humans) > MAX_HUMANS:
            raise ValueError(f'{where}{frame}: {len(pred_humans)} predicted humans, at most '
                             f'{MAX_HUMANS} allowed')
        matches = match_humans([h['box'] for h in gt_humans], [h['box'] for h in pred_humans],
                               human_thr)
        n_parts = 0
        f_sum = 0.0
        for i, gt_h in enumerate(gt_humans):
            n_parts += len(gt_h['parts'])
            if i in matches:
                j, iou = matches[i]
                if iou >= human_thr:
                    f_sum += _human_part_score(gt_h, pred_humans[j], part_thr,
                                               f'{where}{frame} human {j}')
        if n_parts == 0:
            total_frames -= 1
        else:
            acc_sum += f_sum / n_parts
    return 1.0 if total_frames == 0 else acc_sum / total_frames


@dataclass
class TPSResult:
    """Kinetics-TPS result.

    Attributes:
        area: area under the PSC-conditioned accuracy curve (the challenge score).
        psc: video -> PSC.
        video_correct: video -> whether the predicted class is right.
        accuracy_at: threshold -> conditioned accuracy for ``t`` in 0, 0.1, ..., 0.9.
    """

    area: float
    psc: dict[str, float]
    video_correct: dict[str, bool]
    accuracy_at: dict[float, float]

    def to_json(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return {'area': self.area, 'mean_psc': float(np.mean(list(self.psc.values())))
                if self.psc else None,
                'video_accuracy': float(np.mean(list(self.video_correct.values())))
                if self.video_correct else None,
                'accuracy_at': {str(k): v for k, v in self.accuracy_at.items()}}


def _conditioned_accuracy(pacc: np.ndarray, correct: np.ndarray, t: float) -> float:
    return int(np.sum((pacc >= t) & correct)) / pacc.size


def evaluate_tps(gt_vid: dict[str, str], gt_part: dict[str, Any], pred_vid: dict[str, str],
                 pred_part: dict[str, Any], human_thr: float = 0.5, part_thr: float = 0.3
                 ) -> TPSResult:
    """Kinetics-TPS score of predictions.

    Args:
        gt_vid: video -> ground-truth class.
        gt_part: video -> frames (see :func:`video_psc`).
        pred_vid: video -> predicted class.
        pred_part: video -> predicted frames.
        human_thr: human IoU threshold.
        part_thr: part IoU threshold.

    Returns:
        TPSResult: area, per-video PSC and class correctness.
    """
    if not gt_vid:
        raise ValueError('no ground-truth videos')
    psc: dict[str, float] = {}
    correct: dict[str, bool] = {}
    missing = [v for v in gt_vid if v not in pred_part or v not in pred_vid]
    if missing:
        logger.warning('Kinetics-TPS: %d ground-truth videos have no prediction (scored 0): %s',
                       len(missing), missing[:5])
    for vid, cls in gt_vid.items():
        if vid not in gt_part:
            raise ValueError(f'ground-truth video {vid!r} has a class but no part annotation')
        correct[vid] = pred_vid.get(vid) == cls
        psc[vid] = video_psc(gt_part[vid], pred_part.get(vid, {}), human_thr, part_thr,
                             f'{vid}/')
    pacc = np.array([psc[v] for v in gt_vid], dtype=np.float64)
    corr = np.array([correct[v] for v in gt_vid], dtype=bool)
    # the scorer's cal_area: sum_{t=1}^{9999} 1/steps * acc(t / steps), accumulated in order
    ranked = np.sort(pacc[corr])
    n = pacc.size
    area: float = 0
    for k in range(1, STEPS):
        t = k / STEPS
        cnt = ranked.size - int(np.searchsorted(ranked, t, side='left'))
        area += 1.0 / STEPS * (cnt / n)
    acc_at = {t: _conditioned_accuracy(pacc, corr, t)
              for t in (0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}
    return TPSResult(area=float(area), psc=psc, video_correct=correct, accuracy_at=acc_at)


def load_tps_json(path: str) -> Any:
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if not text.strip():
        raise ValueError(f'{path}: empty file')
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f'{path}:{e.lineno}: invalid JSON ({e.msg})') from e


def evaluate_tps_files(gt_vid: str | os.PathLike[str], gt_part: str | os.PathLike[str],
                       pred_vid: str | os.PathLike[str], pred_part: str | os.PathLike[str],
                       human_thr: float = 0.5, part_thr: float = 0.3) -> TPSResult:
    """:func:`evaluate_tps` on the challenge's four JSON files."""
    return evaluate_tps(load_tps_json(os.fspath(gt_vid)), load_tps_json(os.fspath(gt_part)),
                        load_tps_json(os.fspath(pred_vid)), load_tps_json(os.fspath(pred_part)),
                        human_thr, part_thr)
