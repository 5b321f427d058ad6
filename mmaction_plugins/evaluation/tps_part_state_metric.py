"""``TPSPartStateMetric``: part-state top-1 and the Kinetics-TPS score of a part-state network.

Input: the data samples of :class:`~mmaction_plugins.models.part_state.PartStateRecognizer`
(``pred_part_states`` in frame part order) on a
:class:`~mmaction_plugins.datasets.tps.TPSPartStateDataset`, whose metainfo carries each person's
frame-space boxes (``person_box``, ``frame_part_boxes``, ``frame_part_valid``, ``person_score``)
and ground-truth states (``frame_part_states``, -1 unknown).

Output:

* ``top1``: state accuracy over the present parts with a known state (the report's Table 3
  number; with ground-truth persons and parts), ``mean_part_top1`` (mean of the ten per-part
  accuracies) and ``top1/<part>``;
* the challenge submission — ``pred_part`` ``{video: {"img_XXXXX.json": {"humans": [{"box",
  "parts": {part: {"box": [[x1, y1, x2, y2]], "verb": [state]}}}]}}}`` (one proposal per
  present part; absent parts left out) and ``pred_vid`` ``{video: category}`` — scored by
  :func:`~mmaction_plugins.evaluation.kinetics_tps.evaluate_tps` (the project's scorer):
  ``area`` with the video recognizer's categories (``pred_vid_file``; only when given),
  ``area_gt_class`` with the true categories (isolates the part states), and ``mean_psc``;
* with ``out_dir``, the submission files ``pred_part.json`` / ``pred_vid.json`` (atomic).
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

from mmaction_plugins.evaluation.kinetics_tps import MAX_HUMANS, evaluate_tps, load_tps_json

__all__ = ['TPSPartStateMetric']


def _num(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class TPSPartStateMetric(BaseMetric):
    """Part-state top-1 and the TPS score (see the module docstring).

    Args:
        gt_vid_file: ``gt_vid_<split>.json`` (video -> category).
        gt_part_file: ``gt_part_<split>.json`` (the scorer's ground truth).
        part_names: The model's part order (the order of ``pred_part_states``).
        part_states: ``{part: [state, ...]}`` (state ids index the lists).
        pred_vid_file: The video recognizer's ``{video: category}``; None scores only with the
            true categories. Defaults to None.
        out_dir: Folder for ``pred_part.json`` / ``pred_vid.json``. Defaults to None.
        human_iou_thr: Human matching threshold (> 0.5 in the challenge).
        part_iou_thr: Part IoU threshold (>= 0.3 in the challenge).
        collect_device: See ``BaseMetric``.
        prefix: See ``BaseMetric``. Defaults to ``'tps_part'``.
    """

    default_prefix: str | None = 'tps_part'

    def __init__(self, gt_vid_file: str, gt_part_file: str, part_names: Sequence[str],
                 part_states: Mapping[str, Sequence[str]],
                 pred_vid_file: str | None = None, out_dir: str | None = None,
                 human_iou_thr: float = 0.5, part_iou_thr: float = 0.3,
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.gt_vid = load_tps_json(gt_vid_file)
        self.gt_part = load_tps_json(gt_part_file)
        if not isinstance(part_states, Mapping) or sorted(part_states) != sorted(part_names):
            raise ValueError(f'TPSPartStateMetric: part_states must map each of part_names '
                             f'{list(part_names)} to its states, got {part_states!r}')
        self.parts = tuple(part_names)
        self.states = {p: tuple(part_states[p]) for p in self.parts}
        self.pred_vid = load_tps_json(pred_vid_file) if pred_vid_file else None
        self.out_dir = out_dir
        self.human_iou_thr = human_iou_thr
        self.part_iou_thr = part_iou_thr

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep per person: identifiers, frame boxes, predicted and true states."""
        for s in data_samples:
            missing = [k for k in ('video_id', 'frame', 'person_box', 'frame_part_boxes',
                                   'frame_part_valid', 'pred_part_states') if k not in s]
            if missing:
                raise KeyError(f'TPSPartStateMetric: a data sample lacks {missing} '
                               f'(img_key {s.get("img_key")!r})')
            pred = _num(s['pred_part_states']).astype(np.int64)
            if pred.shape != (len(self.parts),):
                raise ValueError(f'TPSPartStateMetric: {s.get("img_key")!r}: '
                                 f'{pred.shape} predicted states for {len(self.parts)} parts')
            gt = _num(s.get('frame_part_states', np.full(len(self.parts), -1))).astype(np.int64)
            self.results.append(dict(
                video_id=str(s['video_id']), frame=int(s['frame']),
                person_index=int(s.get('person_index', 0)),
                score=float(s.get('person_score', 1.0)),
                box=_num(s['person_box']).astype(np.float64)[:4],
                part_boxes=_num(s['frame_part_boxes']).astype(np.float64),
                valid=_num(s['frame_part_valid']).astype(bool), pred=pred, gt=gt))

    def submission(self, results: list[dict[str, Any]]) -> dict[str, Any]:
        """The challenge's ``pred_part`` layout from processed results."""
        per_frame: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for r in results:
            per_frame.setdefault((r['video_id'], r['frame']), []).append(r)
        pred_part: dict[str, Any] = {v: {} for v in self.gt_vid}
        for (vid, frame), persons in sorted(per_frame.items()):
            persons.sort(key=lambda r: (-r['score'], r['person_index']))
            humans = []
            for r in persons[:MAX_HUMANS]:
                parts = {}
                for k, name in enumerate(self.parts):
                    if r['valid'][k]:
                        parts[name] = {'box': [[round(float(v), 2) for v in r['part_boxes'][k]]],
                                       'verb': [self.states[name][int(r['pred'][k])]]}
                humans.append({'box': [round(float(v), 2) for v in r['box']], 'parts': parts})
            pred_part.setdefault(vid, {})[f'img_{frame:05d}.json'] = {'humans': humans}
        return pred_part

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Top-1 and the TPS areas (see the module docstring)."""
        from mmaction_plugins.utils.atomic_io import atomic_write_json

        metrics: dict[str, float] = {}
        if results:
            gt = np.stack([r['gt'] for r in results])
            pred = np.stack([r['pred'] for r in results])
            known = gt >= 0
            if known.any():
                metrics['top1'] = float((pred[known] == gt[known]).mean())
                per_part = []
                for k, name in enumerate(self.parts):
                    if known[:, k].any():
                        acc = float((pred[known[:, k], k] == gt[known[:, k], k]).mean())
                        metrics[f'top1/{name}'] = acc
                        per_part.append(acc)
                metrics['mean_part_top1'] = float(np.mean(per_part))
        pred_part = self.submission(results)
        res_gt = evaluate_tps(self.gt_vid, self.gt_part, dict(self.gt_vid), pred_part,
                              self.human_iou_thr, self.part_iou_thr)
        metrics['area_gt_class'] = res_gt.area
        metrics['mean_psc'] = float(np.mean(list(res_gt.psc.values())))
        if self.pred_vid is not None:
            res = evaluate_tps(self.gt_vid, self.gt_part, self.pred_vid, pred_part,
                               self.human_iou_thr, self.part_iou_thr)
            metrics['area'] = res.area
            metrics['video_acc'] = float(np.mean(list(res.video_correct.values())))
        if self.out_dir:
            atomic_write_json(osp.join(self.out_dir, 'pred_part.json'), pred_part, indent=None)
            if self.pred_vid is not None:
                atomic_write_json(osp.join(self.out_dir, 'pred_vid.json'), self.pred_vid)
        return metrics
