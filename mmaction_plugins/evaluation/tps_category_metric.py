"""``TPSCategoryMetric``: the video recognizer's top-1, and its predictions as the TPS ``pred_vid``.

This is the glue between the video recognizer and the part-state network of seed 002: testing the
recognizer (``tools/test.py`` on a ``configs/kinetics_tps/swin*`` config) writes
``{video_id: category name}`` — the challenge's ``pred_vid`` layout — to ``out_file``, which the
part-state test config reads twice: as ``category_file`` of
:class:`~mmaction_plugins.datasets.tps.TPSPartStateDataset` (the category fed to the action
embedding at test time) and as ``pred_vid_file`` of
:class:`~mmaction_plugins.evaluation.tps_part_state_metric.TPSPartStateMetric` (the class of the
TPS score).

Samples are mmaction2 ``Recognizer3D`` outputs on a ``RawframeDataset`` of the TPS videos
(``prepare.py`` writes the lists); the video id is the basename of ``frame_dir`` (keep it in
``PackActionInputs``' ``meta_keys``).
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Sequence
from typing import Any

import numpy as np
from mmaction.registry import METRICS
from mmengine.evaluator import BaseMetric

__all__ = ['TPSCategoryMetric']


@METRICS.register_module()
class TPSCategoryMetric(BaseMetric):
    """Top-1 video accuracy; writes ``{video_id: predicted category}`` to ``out_file``.

    Args:
        categories_file: ``categories.txt`` (category index = line order).
        out_file: Where to write the predictions (atomic); None writes nothing.
        collect_device: See ``BaseMetric``.
        prefix: See ``BaseMetric``. Defaults to ``'tps_video'``.
    """

    default_prefix: str | None = 'tps_video'

    def __init__(self, categories_file: str, out_file: str | None = None,
                 collect_device: str = 'cpu', prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        from mmaction_plugins.datasets.tps.annotations import load_tps_categories

        self.categories = load_tps_categories(categories_file)
        self.out_file = out_file

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep ``(video_id, predicted index, true index)``."""
        for s in data_samples:
            if 'frame_dir' not in s or 'pred_score' not in s:
                raise KeyError("TPSCategoryMetric: a data sample lacks 'frame_dir' or "
                               "'pred_score' (add 'frame_dir' to PackActionInputs' meta_keys)")
            score = s['pred_score']
            score = score.detach().cpu().numpy() if hasattr(score, 'detach') else np.asarray(score)
            if score.shape[-1] != len(self.categories):
                raise ValueError(f'TPSCategoryMetric: {score.shape[-1]} scores for '
                                 f'{len(self.categories)} categories ({s["frame_dir"]})')
            gt = s.get('gt_label')
            gt = int(np.asarray(gt.cpu() if hasattr(gt, 'cpu') else gt).reshape(-1)[0]) \
                if gt is not None else -1
            self.results.append((osp.basename(osp.normpath(str(s['frame_dir']))),
                                 int(np.argmax(score)), gt))

    def compute_metrics(self, results: list) -> dict[str, float]:
        """``top1`` over the videos; the predictions file as a side effect."""
        from mmaction_plugins.utils.atomic_io import atomic_write_json

        pred: dict[str, str] = {}
        for vid, p, _ in results:
            if vid in pred and pred[vid] != self.categories[p]:
                raise ValueError(f'TPSCategoryMetric: video {vid!r} predicted twice, '
                                 'differently')
            pred[vid] = self.categories[p]
        if self.out_file:
            atomic_write_json(self.out_file, dict(sorted(pred.items())))
        labelled = [(p, g) for _, p, g in results if g >= 0]
        top1 = float(np.mean([p == g for p, g in labelled])) if labelled else float('nan')
        return {'top1': top1}
