"""Frame-level detections of a STAD model on MultiSports-layout test videos, for the scorers.

For every test video of a MultiSports annotation dict, the model classifies the person boxes of
every ``stride``-th frame (the frames :func:`~mmaction_plugins.evaluation.kept_frames` keeps),
each from its own clip cut out of the video held in memory (:func:`.predict_keyframes`, optionally
over test-time views). The output is the ``(N, 8)`` frame-detection array the MultiSports scorers
and the tube linker take, in the frame numbering of
:func:`~mmaction_plugins.evaluation.subsample_multisports_gt` (``stride=1``: the original frames).

Labels: MultiSports class ``c`` is score column ``c + label_offset`` of the model (1 for an
AVA-style head whose column 0 is unused). ``labels='argmax'`` gives each box one detection, its
best class (mmaction2's ``MultiSportsMetric``); ``labels='all'`` gives each box one detection per
class with that class's score, as a per-class detector (MOC) does — for multi-label data, where
the arg-max would hide every co-occurring class behind the most frequent one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from mmaction_plugins.apis.stad_inference import clip_pipeline, predict_keyframes
from mmaction_plugins.evaluation.multisports_subsample import kept_frames

__all__ = ['frame_detections', 'predict_multisports']


def frame_detections(video_index: int, frame: int, boxes: np.ndarray, scores: np.ndarray,
                     resolution: tuple[int, int], labels: str = 'all') -> np.ndarray:
    """Detection rows of one frame.

    Args:
        video_index: Index of the video in ``test_videos[0]``.
        frame: Frame number written in column 1.
        boxes: ``(n, 4)`` relative ``x1, y1, x2, y2``.
        scores: ``(n, C)`` per-class scores (column ``c`` = MultiSports label ``c``).
        resolution: ``(h, w)`` of the video.
        labels: ``'all'`` (a row per box and class) or ``'argmax'`` (a row per box).

    Returns:
        ``(n * C or n, 8)`` ``[video_index, frame, label, score, x1, y1, x2, y2]``, pixels.
    """
    if labels not in ('all', 'argmax'):
        raise ValueError(f"labels must be 'all' or 'argmax', got {labels!r}")
    n, c = scores.shape
    if len(boxes) != n:
        raise ValueError(f'{len(boxes)} boxes but {n} score rows')
    h, w = resolution
    px = np.asarray(boxes, dtype=np.float64) * np.array([w, h, w, h], dtype=np.float64)
    if labels == 'argmax':
        lab = scores.argmax(axis=1)
        sc = scores[np.arange(n), lab]
        box = px
    else:
        lab = np.tile(np.arange(c), n)
        sc = scores.reshape(-1)
        box = np.repeat(px, c, axis=0)
    head = np.column_stack([np.full(len(lab), video_index, np.float64),
                            np.full(len(lab), frame, np.float64), lab, sc])
    return np.concatenate([head, box], axis=1)


def predict_multisports(model: Any, gt: Mapping[str, Any], read_frames: Callable[[str], np.ndarray],
                        proposals: Callable[[str, int], np.ndarray | None], stride: int = 1,
                        views: Sequence[Any] | None = None, labels: str = 'all',
                        label_offset: int = 1, batch_size: int = 8,
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Frame detections of ``model`` on every test video of ``gt``.

    Args:
        model: STAD model in eval mode with its config as ``model.cfg``
            (:func:`~mmaction_plugins.apis.init_stad_model`).
        gt: MultiSports annotation dict (``test_videos``, ``nframes``, ``resolution``, ``labels``).
        read_frames: Video key → ``(T, H, W, 3)`` uint8 RGB frames (``T`` = ``nframes``).
        proposals: ``(video key, 1-based frame)`` → ``(N, 4|5)`` relative person boxes, or None.
        stride: Classify frames ``1, 1 + stride, ...``; their rows are numbered
            ``(f - 1) // stride + 1`` (pair with ``subsample_multisports_gt(gt, stride)``).
        views: Test-time views for :func:`.predict_keyframes` (None: plain input).
        labels: ``'all'`` or ``'argmax'`` (see the module docstring).
        label_offset: Score column of MultiSports label 0.
        batch_size: Clips per backbone pass.
        progress: Called with the number of frames done.

    Returns:
        ``(N, 8)`` float64 frame detections.
    """
    pipeline = clip_pipeline(model.cfg)
    num_classes = int(model.cfg.model.roi_head.bbox_head.num_classes)
    n_labels = len(gt['labels'])
    if label_offset + n_labels > num_classes:
        raise ValueError(f'{n_labels} MultiSports labels from score column {label_offset} do not '
                         f'fit the model\'s {num_classes} columns')
    rows: list[np.ndarray] = []
    for vi, key in enumerate(gt['test_videos'][0]):
        frames = read_frames(key)
        nframes = int(gt['nframes'][key])
        if len(frames) != nframes:
            raise ValueError(f'{key}: {len(frames)} frames read, the annotation says {nframes}')
        keep = kept_frames(nframes, stride)
        props = {}
        for f in keep.tolist():
            p = proposals(key, f)
            if p is not None and len(p):
                props[f - 1] = np.asarray(p, dtype=np.float32)
        preds = predict_keyframes(model, pipeline, frames, sorted(props), props, num_classes,
                                  batch_size=batch_size, views=views)
        res = tuple(int(v) for v in gt['resolution'][key])
        for k, (boxes, scores) in sorted(preds.items()):
            sc = scores[:, label_offset:label_offset + n_labels]
            rows.append(frame_detections(vi, k // stride + 1, boxes, sc, res, labels))
        if progress is not None:
            progress(len(keep))
    return np.concatenate(rows) if rows else np.zeros((0, 8))
