"""Per-box AVA predictions of a trained model, kept in memory: predict, align, write, score.

The multi-scale ablation (seed report ``003``) merges an arm model's scores into a main model's
box by box and class by class, then scores subsets of the validation videos; mmengine's test loop
only hands out the final metric. :func:`predict_ava` runs a model over its config's test split
and keeps every box's scores (:class:`AVAPredictions`); :func:`write_ava_results` writes them as
an AVA result CSV exactly as ``OfficialAVAMetric`` does (mmaction2's ``bbox2result`` threshold
``> 0.002``, ``results2csv``'s 4 decimals), so that :func:`score_ava_predictions` gives the
metric's numbers, per class, on any subset of videos.
"""

from __future__ import annotations

import os
import os.path as osp
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_text

__all__ = ['AVAPredictions', 'load_predictions', 'match_ava_predictions', 'predict_ava',
           'save_predictions', 'score_ava_predictions', 'write_ava_results']


@dataclass
class AVAPredictions:
    """Scores of every predicted box of a split.

    Attributes:
        video_ids: ``(M,)`` str, video of each box.
        timestamps: ``(M,)`` int64, keyframe second of each box.
        boxes: ``(M, 4)`` float64 ``x1, y1, x2, y2`` relative to the frame.
        scores: ``(M, C)`` float64 sigmoid scores.
        class_ids: ``(C,)`` int64, the class of each score column.
    """

    video_ids: np.ndarray
    timestamps: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    class_ids: np.ndarray

    def __post_init__(self) -> None:
        m = len(self.video_ids)
        if (self.timestamps.shape != (m,) or self.boxes.shape != (m, 4)
                or self.scores.shape != (m, len(self.class_ids))):
            raise ValueError(f'inconsistent predictions: {m} video ids, timestamps '
                             f'{self.timestamps.shape}, boxes {self.boxes.shape}, scores '
                             f'{self.scores.shape}, {len(self.class_ids)} class ids')

    def select_videos(self, videos: Iterable[str]) -> AVAPredictions:
        """The boxes of ``videos`` only."""
        keep = np.isin(self.video_ids, np.array(sorted(set(videos)), dtype=str))
        return AVAPredictions(self.video_ids[keep], self.timestamps[keep], self.boxes[keep],
                              self.scores[keep], self.class_ids)

    def with_scores(self, scores: np.ndarray, class_ids: np.ndarray | None = None
                    ) -> AVAPredictions:
        """The same boxes with other scores."""
        return AVAPredictions(self.video_ids, self.timestamps, self.boxes,
                              np.asarray(scores, dtype=np.float64),
                              self.class_ids if class_ids is None else np.asarray(class_ids))

    def check_same_boxes(self, other: AVAPredictions, atol: float = 1e-4) -> None:
        """Raise unless ``other`` has the same boxes in the same order (row-aligned)."""
        same = (len(self.video_ids) == len(other.video_ids)
                and bool((self.video_ids == other.video_ids).all())
                and bool((self.timestamps == other.timestamps).all())
                and np.allclose(self.boxes, other.boxes, atol=atol))
        if not same:
            bad = next((i for i in range(min(len(self.video_ids), len(other.video_ids)))
                        if self.video_ids[i] != other.video_ids[i]
                        or self.timestamps[i] != other.timestamps[i]
                        or not np.allclose(self.boxes[i], other.boxes[i], atol=atol)),
                       min(len(self.video_ids), len(other.video_ids)))
            raise ValueError(f'the two predictions differ from row {bad} on ({len(self.video_ids)}'
                             f' vs {len(other.video_ids)} boxes): not the same proposals / '
                             'keyframes, cannot merge them box by box')


def predict_ava(config: str | Any, checkpoint: str, class_ids: Sequence[int] | None = None,
                progress: Callable[[int], None] | None = None) -> AVAPredictions:
    """Run a STAD model over its config's test dataloader, keep every box's scores.

    Args:
        config: Config path or ``Config`` (its ``test_dataloader`` is used).
        checkpoint: Weights.
        class_ids: Class of score columns ``1..K-1`` (column 0 is background / *none* and is
            dropped); default: the test evaluator's ``custom_classes``, else ``1..K-1``.
        progress: Called with 1 per clip.

    Returns:
        :class:`AVAPredictions` in dataloader order (keyframes), proposal order within each.
    """
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmaction_plugins.apis import init_stad_model

    cfg = Config.fromfile(config) if isinstance(config, str) else config
    model = init_stad_model(cfg, checkpoint)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    vids: list[str] = []
    stamps: list[int] = []
    boxes: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    with torch.no_grad():
        for batch in loader:
            for out in model.test_step(batch):
                pred = out.pred_instances
                n = len(pred.bboxes)
                vids += [str(out.metainfo['video_id'])] * n
                stamps += [int(out.metainfo['timestamp'])] * n
                boxes.append(pred.bboxes.cpu().numpy().astype(np.float64).reshape(n, 4))
                scores.append(pred.scores.cpu().numpy().astype(np.float64)[:, 1:])
                if progress is not None:
                    progress(1)
    width = scores[0].shape[1] if scores else 0
    if class_ids is None:
        custom = (cfg.get('test_evaluator') or {}).get('custom_classes')
        class_ids = list(custom) if custom is not None else list(range(1, width + 1))
    if scores and len(class_ids) != width:
        raise ValueError(f'{len(class_ids)} class ids for {width} score columns (1..K-1)')
    return AVAPredictions(
        video_ids=np.array(vids, dtype=str), timestamps=np.array(stamps, dtype=np.int64),
        boxes=np.concatenate(boxes) if boxes else np.zeros((0, 4)),
        scores=np.concatenate(scores) if scores else np.zeros((0, len(class_ids))),
        class_ids=np.asarray(class_ids, dtype=np.int64))


def write_ava_results(preds: AVAPredictions, path: str | os.PathLike[str],
                      thr: float = 0.002) -> int:
    """Write an AVA result CSV as ``OfficialAVAMetric`` does (atomically).

    One row per box and class with score ``> thr`` (mmaction2's ``bbox2result``), in mmaction2's
    ``det2csv`` order (keyframe, then class, then box), every float with 4 decimals
    (``results2csv``).

    Returns:
        Rows written.
    """
    lines = []
    keys = list(zip(preds.video_ids.tolist(), preds.timestamps.tolist()))
    by_keyframe: dict[tuple[str, int], list[int]] = {}  # first-appearance order
    for i, key in enumerate(keys):
        by_keyframe.setdefault(key, []).append(i)
    for (vid, ts), rows in by_keyframe.items():
        for j, cid in enumerate(preds.class_ids.tolist()):
            for i in rows:
                s = preds.scores[i, j]
                if s > thr:
                    x1, y1, x2, y2 = preds.boxes[i]
                    lines.append(f'{vid},{ts},{x1:.4f},{y1:.4f},{x2:.4f},{y2:.4f},{cid},'
                                 f'{s:.4f}\n')
    atomic_write_text(path, ''.join(lines))
    return len(lines)


def score_ava_predictions(preds: AVAPredictions, gt_csv: str, label_map: dict[int, str],
                          exclusions: str | None = None, videos: Iterable[str] | None = None,
                          thr: float = 0.002) -> dict[int, float]:
    """Per-class frame AP@0.5 (official semantics) of ``preds``, on ``videos`` only if given.

    Args:
        preds: Predictions.
        gt_csv: Ground-truth AVA CSV.
        label_map: Class id -> name: the classes scored.
        exclusions: Excluded-timestamps CSV.
        videos: Restrict ground truth and predictions to these videos.
        thr: Score threshold of the written rows (see :func:`write_ava_results`).

    Returns:
        Class id -> AP (fraction; NaN for a class without ground truth in the subset).
    """
    from mmaction_plugins.evaluation.ava import evaluate_ava

    with tempfile.TemporaryDirectory(prefix='ava_pred_') as tmp:
        gt = gt_csv
        sub = preds
        if videos is not None:
            wanted = set(videos)
            sub = preds.select_videos(wanted)
            gt = osp.join(tmp, 'gt.csv')
            with open(gt_csv, encoding='utf-8') as f:
                rows = [line for line in f if line.split(',', 1)[0] in wanted]
            atomic_write_text(gt, ''.join(rows))
        det = osp.join(tmp, 'det.csv')
        write_ava_results(sub, det, thr)
        res = evaluate_ava(gt, det, label_map, exclusions)
    return {cid: (float('nan') if ap is None else float(ap))
            for cid, ap in res.per_class_id.items()}


def match_ava_predictions(preds: AVAPredictions, gt_csv: str, label_map: dict[int, str],
                          exclusions: str | None = None, thr: float = 0.002) -> Any:
    """The official matching (:func:`~mmaction_plugins.evaluation.ava.match_ava`) of ``preds``
    written as the metric writes them (:func:`write_ava_results`): per-detection true-positive
    flags for :mod:`~mmaction_plugins.evaluation.ava_bootstrap`.

    Returns:
        :class:`~mmaction_plugins.evaluation.ava.AVAMatches`.
    """
    from mmaction_plugins.evaluation.ava import match_ava

    with tempfile.TemporaryDirectory(prefix='ava_pred_') as tmp:
        det = osp.join(tmp, 'det.csv')
        write_ava_results(preds, det, thr)
        return match_ava(gt_csv, det, label_map, exclusions)


def save_predictions(preds: AVAPredictions, path: str | os.PathLike[str]) -> None:
    """Write predictions as ``.npz`` (atomically; loaded without pickle)."""
    import io

    buf = io.BytesIO()
    np.savez(buf, video_ids=preds.video_ids.astype(str), timestamps=preds.timestamps,
             boxes=preds.boxes, scores=preds.scores, class_ids=preds.class_ids)
    atomic_write_bytes(path, buf.getvalue())


def load_predictions(path: str | os.PathLike[str]) -> AVAPredictions:
    """Read :func:`save_predictions`' file."""
    with np.load(path, allow_pickle=False) as z:
        missing = {'video_ids', 'timestamps', 'boxes', 'scores', 'class_ids'} - set(z.files)
        if missing:
            raise ValueError(f'{os.fspath(path)}: not a predictions file, missing '
                             f'{sorted(missing)}')
        return AVAPredictions(z['video_ids'], z['timestamps'].astype(np.int64),
                              z['boxes'].astype(np.float64), z['scores'].astype(np.float64),
                              z['class_ids'].astype(np.int64))
