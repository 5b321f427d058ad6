"""``OfficialMultiSportsMetric``: mmaction2's ``MultiSportsMetric`` with the official scoring.

Drop-in for ``dict(type='MultiSportsMetric', ann_file=...)``: same constructor arguments, same
``data_samples`` (``video_id``, ``timestamp`` = frame number, ``pred_instances.bboxes`` ``(n, 4)``
normalised ``[x1, y1, x2, y2]``, ``pred_instances.scores`` ``(n, num_classes)``; the label is the
arg-max class, boxes are scaled by the video resolution), same result keys. Differences: the
annotation pickle is read with the restricted unpickler, tube linking keeps every box's own score
(:mod:`.tube_linking`), scoring is :mod:`.multisports` (numpy-2 clean, vectorised), and values are
not rounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from mmaction_plugins.evaluation.multisports import frame_map, video_map_thresholds
from mmaction_plugins.evaluation.multisports_gt import load_multisports_gt
from mmaction_plugins.evaluation.tube_linking import link_tubes

__all__ = ['OfficialMultiSportsMetric', 'frame_dets_from_results']

_DEFAULT_OPTIONS: dict[str, Any] = dict(
    F_mAP=dict(thr=0.5), V_mAP=dict(thr=(0.2, 0.5), all=True, tube_thr=15))


def frame_dets_from_results(annos: dict[str, Any], results: list[list[Any]]) -> np.ndarray:
    """Frame detections ``(N, 8)`` from processed samples, exactly as mmaction2 builds them.

    Args:
        annos: MultiSports ground truth (``test_videos``, ``resolution``).
        results: ``[video_key, frame, bboxes (n, 4) normalised, scores (n, C)]`` per sample.

    Returns:
        np.ndarray: ``[video_index, frame, label, score, x1, y1, x2, y2]`` in pixels.
    """
    test_videos = list(annos['test_videos'][0])
    index = {v: i for i, v in enumerate(test_videos)}
    rows: list[np.ndarray] = []
    for video_key, frm_num, bboxes, cls_scores in results:
        if video_key not in index:
            raise ValueError(f'prediction for video {video_key!r}, which is not in '
                             "test_videos[0] of the annotation file")
        h, w = annos['resolution'][video_key]
        for bbox, cls_score in zip(bboxes, cls_scores):
            label = np.argmax(cls_score)
            box = bbox.copy()
            box *= np.array([w, h, w, h])
            rows.append(np.array([index[video_key], frm_num, label, cls_score[label], *box]))
    return np.array(rows) if rows else np.empty((0, 8))


@METRICS.register_module()
class OfficialMultiSportsMetric(BaseMetric):
    """MultiSports frame-mAP and video-mAP identical to the official ``evaluate_multisports.py``.

    Args:
        ann_file: ground-truth pickle (``labels``, ``gttubes``, ``nframes``, ``test_videos``,
            ``resolution``).
        metric_options: ``F_mAP.thr`` (frame IoU threshold), ``V_mAP.thr`` (video thresholds),
            ``V_mAP.all`` (also the 0.05:0.45, 0.10:0.90 and 0.50:0.95 means),
            ``V_mAP.tube_thr`` (shortest linked tube); ``V_mAP.link`` may hold more
            :func:`~.tube_linking.link_tubes` keyword arguments.
        collect_device: see ``BaseMetric``.
        verbose: log per-class numbers.
        prefix: see ``BaseMetric``.
    """

    default_prefix: str | None = 'mAP'

    def __init__(self, ann_file: str, metric_options: dict[str, Any] | None = None,
                 collect_device: str = 'cpu', verbose: bool = True,
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.metric_options = metric_options or _DEFAULT_OPTIONS
        self.annos = load_multisports_gt(ann_file)
        self.verbose = verbose

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep ``[video_key, frame, bboxes, scores]`` per sample (mmaction2's layout)."""
        for pred in data_samples:
            video_key = pred['video_id'].split('.mp4')[0]
            inst = pred['pred_instances']
            bboxes = inst['bboxes']
            scores = inst['scores']
            bboxes = bboxes.cpu().numpy() if hasattr(bboxes, 'cpu') else np.asarray(bboxes)
            scores = scores.cpu().numpy() if hasattr(scores, 'cpu') else np.asarray(scores)
            self.results.append([video_key, pred['timestamp'], bboxes, scores])

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Frame-mAP, linked-tube video-mAP at each threshold, and the threshold means.

        Returns:
            dict: ``frameAP``, ``v_map@<thr>`` and, with ``V_mAP.all``, ``v_map_0.05:0.45``,
            ``v_map_0.10:0.90``, ``v_map_0.50:0.95`` — percentages, mmaction2's keys.
        """
        opts = self.metric_options
        dets = frame_dets_from_results(self.annos, results)
        out: dict[str, float] = {'frameAP': frame_map(self.annos, dets, opts['F_mAP']['thr'])}
        v_opts = opts.get('V_mAP', {})
        link_kw = dict(v_opts.get('link', {}))
        link_kw.setdefault('min_len', v_opts.get('tube_thr', 15))
        tubes = link_tubes(self.annos, dets, **link_kw)
        thrs = [float(t) for t in np.atleast_1d(v_opts.get('thr', (0.2, 0.5)))]
        low = [0.05 + 0.05 * i for i in range(9)]
        mid = [0.1 + 0.1 * i for i in range(9)]
        high = [0.5 + 0.05 * i for i in range(10)]
        wanted = thrs + (low + mid + high if v_opts.get('all') else [])
        res = video_map_thresholds(self.annos, tubes, wanted)
        for t in thrs:
            out[f'v_map@{t}'] = res[t]
        if v_opts.get('all'):
            for name, ts in (('v_map_0.05:0.45', low), ('v_map_0.10:0.90', mid),
                             ('v_map_0.50:0.95', high)):
                acc = 0.0
                for t in ts:
                    acc += res[t]
                out[name] = acc / len(ts)
        if self.verbose:
            from mmengine.logging import MMLogger

            MMLogger.get_current_instance().info(f'MultiSports: {out}')
        return out
