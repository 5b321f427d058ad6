"""``OfficialAVAMetric``: mmaction2's ``AVAMetric`` with the official ActivityNet scoring.

Drop-in for ``dict(type='AVAMetric', ann_file=..., label_file=..., exclude_file=...)``: same
constructor arguments, same ``data_samples`` (``video_id``, ``timestamp``,
``pred_instances.bboxes`` ``(n, 4)`` normalised ``[x1, y1, x2, y2]`` and ``pred_instances.scores``
``(n, num_classes)``), same CSV written by mmaction2's ``results2csv`` (3 decimals, as the
evaluator then reads it), same result keys. The difference is the scoring, done by
:func:`~.ava.evaluate_ava` instead of mmaction2 1.2.0's ``ava_eval`` (which keeps more than 50
detections per keyframe, works in float32, drops classes without detections from the mean and
ignores detections on keyframes without ground truth).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmaction_plugins.evaluation.ava import evaluate_ava
from mmaction_plugins.evaluation.label_map import read_label_map
from mmaction_plugins.utils.atomic_io import atomic_write_bytes

__all__ = ['OfficialAVAMetric']


@METRICS.register_module()
class OfficialAVAMetric(BaseMetric):
    """AVA frame-mAP@0.5 identical to ActivityNet's ``get_ava_performance.py``.

    Args:
        ann_file: ground-truth CSV.
        exclude_file: excluded-timestamps CSV (or None).
        label_file: label map (pbtxt or ``id: name``).
        options: ``('mAP',)`` only, as in mmaction2.
        action_thr: score threshold when converting predictions (mmaction2's ``bbox2result``).
        num_classes: number of classes including background.
        custom_classes: class ids the model predicts, if a subset.
        ignore_unannotated: drop detections on keyframes without ground truth instead of
            counting them as false positives (the official behaviour).
        per_class: also return ``class/<name>`` (AP of every class in the label map, NaN
            without ground truth).
        out_csv: also keep the detections CSV (mmaction2's ``results2csv`` layout) at this path,
            written atomically (for ensembling, :mod:`mmaction_plugins.evaluation.ensemble`).
            Defaults to None.
        collect_device: see ``BaseMetric``.
        prefix: see ``BaseMetric``.
    """

    default_prefix: str | None = 'mAP'

    def __init__(self, ann_file: str, exclude_file: str | None, label_file: str,
                 options: tuple[str, ...] = ('mAP',), action_thr: float = 0.002,
                 num_classes: int = 81, custom_classes: list[int] | None = None,
                 ignore_unannotated: bool = False, per_class: bool = False,
                 out_csv: str | None = None, collect_device: str = 'cpu',
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if tuple(options) != ('mAP',):
            raise ValueError(f"OfficialAVAMetric supports options=('mAP',) only, got {options}")
        self.ann_file = ann_file
        self.exclude_file = exclude_file
        self.label_file = label_file
        self.action_thr = action_thr
        self.num_classes = num_classes
        self.custom_classes = [0, *custom_classes] if custom_classes is not None else None
        self.ignore_unannotated = ignore_unannotated
        self.per_class = per_class
        self.out_csv = out_csv

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Convert each sample's predictions to per-class ``(n, 5)`` arrays (mmaction2's way).

        Args:
            data_batch: unused.
            data_samples: dicts with ``video_id``, ``timestamp`` and ``pred_instances``.
        """
        from mmaction.structures import bbox2result

        for sample in data_samples:
            pred = sample['pred_instances']
            self.results.append({
                'video_id': sample['video_id'], 'timestamp': sample['timestamp'],
                'outputs': bbox2result(pred['bboxes'], pred['scores'],
                                       num_classes=self.num_classes, thr=self.action_thr)})

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Write the CSV as mmaction2 does, score it officially.

        Returns:
            dict: ``overall`` (mAP, fraction) and the group means ``person_movement``,
            ``object_manipulation``, ``person_interaction`` (NaN for a group without ground
            truth), the keys of mmaction2's ``AVAMetric``; with ``per_class``, ``class/<name>``.
        """
        from mmaction.evaluation.functional.ava_utils import results2csv

        label_map = read_label_map(self.label_file)
        if self.custom_classes is not None:
            wanted = set(self.custom_classes[1:])
            unknown = wanted - set(label_map)
            if unknown:
                raise ValueError(f'custom_classes {sorted(unknown)} are not in {self.label_file}')
            label_map = {k: v for k, v in label_map.items() if k in wanted}
        with tempfile.TemporaryDirectory(prefix='ava_eval_') as tmp:
            csv_path = os.path.join(tmp, 'detections.csv')
            results2csv(results, csv_path, self.custom_classes)
            if os.path.getsize(csv_path) == 0:
                raise ValueError('OfficialAVAMetric: the model produced no detection above '
                                 f'action_thr={self.action_thr}; nothing to evaluate')
            res = evaluate_ava(self.ann_file, csv_path, label_map, self.exclude_file,
                               ignore_unannotated=self.ignore_unannotated)
            if self.out_csv:
                with open(csv_path, 'rb') as f:
                    atomic_write_bytes(self.out_csv, f.read())
        logger = MMLogger.get_current_instance()
        for name, ap in res.per_class.items():
            logger.info(f'AP {name}: {"n/a (no ground truth)" if ap is None else f"{ap:.4f}"}')
        for part, st in res.stats.items():
            if st:
                logger.info(f'AVA evaluation {part}: {st}')
        nan = float('nan')
        out = {'overall': res.mAP,
               'person_movement': _or_nan(res.group_mAP.get('person_movement'), nan),
               'object_manipulation': _or_nan(res.group_mAP.get('object_manipulation'), nan),
               'person_interaction': _or_nan(res.group_mAP.get('person_interaction'), nan)}
        if self.per_class:
            out.update({f'class/{name}': _or_nan(ap, nan) for name, ap in res.per_class.items()})
        return out


def _or_nan(v: float | None, nan: float) -> float:
    return nan if v is None else float(v)
