"""``KineticsTPSMetric``: the Kinetics-TPS part-state score as an mmengine metric.

Each data sample is a dict with ``video_id`` (str) and any of

* ``pred_part``: ``{frame: {'humans': [{'box': [4], 'parts': {name: {'box': [[4], ...],
  'verb': [state, ...]}}}]}}`` — the challenge's per-video prediction layout (several samples
  of one video are merged frame by frame);
* ``pred_class``: the predicted action class name of the video.

Ground truth is the challenge's ``gt_vid_result.json`` (video -> class) and
``gt_part_result.json`` (video -> frames). Scoring is :func:`~.kinetics_tps.evaluate_tps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from mmaction_plugins.evaluation.kinetics_tps import evaluate_tps, load_tps_json

__all__ = ['KineticsTPSMetric']


@METRICS.register_module()
class KineticsTPSMetric(BaseMetric):
    """Area under the PSC-conditioned video accuracy curve (Kinetics-TPS challenge).

    Args:
        gt_vid_file: ``gt_vid_result.json``.
        gt_part_file: ``gt_part_result.json``.
        human_iou_thr: human matching threshold (> 0.5 in the challenge).
        part_iou_thr: part IoU threshold (>= 0.3 in the challenge).
        collect_device: see ``BaseMetric``.
        prefix: see ``BaseMetric``.
    """

    default_prefix: str | None = 'tps'

    def __init__(self, gt_vid_file: str, gt_part_file: str, human_iou_thr: float = 0.5,
                 part_iou_thr: float = 0.3, collect_device: str = 'cpu',
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_vid = load_tps_json(gt_vid_file)
        self.gt_part = load_tps_json(gt_part_file)
        self.human_iou_thr = human_iou_thr
        self.part_iou_thr = part_iou_thr

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep ``(video_id, pred_part, pred_class)`` per sample."""
        for s in data_samples:
            if 'video_id' not in s:
                raise KeyError("KineticsTPSMetric: a data sample lacks 'video_id'")
            self.results.append((s['video_id'], s.get('pred_part'), s.get('pred_class')))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Merge samples per video and score.

        Returns:
            dict: ``area`` (the challenge score), ``mean_psc``, ``video_acc``.
        """
        pred_part: dict[str, dict[str, Any]] = {}
        pred_vid: dict[str, str] = {}
        for vid, part, cls in results:
            frames = pred_part.setdefault(vid, {})
            if part:
                for frame, content in part.items():
                    if frame in frames:
                        raise ValueError(f'KineticsTPSMetric: {vid}/{frame} predicted twice')
                    frames[frame] = content
            if cls is not None:
                if vid in pred_vid and pred_vid[vid] != cls:
                    raise ValueError(f'KineticsTPSMetric: two classes predicted for {vid}: '
                                     f'{pred_vid[vid]!r} and {cls!r}')
                pred_vid[vid] = cls
        res = evaluate_tps(self.gt_vid, self.gt_part, pred_vid, pred_part,
                           self.human_iou_thr, self.part_iou_thr)
        summary = res.to_json()
        return {'area': res.area, 'mean_psc': summary['mean_psc'],
                'video_acc': summary['video_accuracy']}
