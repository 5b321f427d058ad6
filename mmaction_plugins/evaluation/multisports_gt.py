"""MultiSports ground truth and detection files: loading and validation.

Formats (those of the official ``evaluate_multisports.py``):

* ground truth: a pickle dict with ``labels`` (list of class names), ``gttubes``
  (``{video: {label_index: [ndarray (n, 5) [frame, x1, y1, x2, y2]]}}``), ``nframes``
  (``{video: int}``), ``test_videos`` (list whose first item is the list of test videos) and
  ``resolution`` (``{video: (h, w)}``); ``train_videos`` is optional;
* frame detections: ``ndarray (N, 8)`` ``[video_index, frame, label, score, x1, y1, x2, y2]``
  where ``video_index`` indexes ``test_videos[0]``;
* video detections: ``{label_index: [(video, score, ndarray (n, 6)
  [frame, x1, y1, x2, y2, score])]}``.

Pickles are read with :func:`mmaction_plugins.utils.safe_pickle.safe_load_pickle` (builtins and
numpy only).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from mmaction_plugins.evaluation.tube_iou import check_tubes
from mmaction_plugins.utils.safe_pickle import safe_load_pickle

__all__ = ['SKIPPED_CLASSES', 'load_multisports_gt', 'check_multisports_gt',
           'load_frame_dets', 'check_frame_dets', 'load_video_dets', 'check_video_dets']

#: Classes the official scorer does not evaluate (too few instances).
SKIPPED_CLASSES: frozenset[str] = frozenset({
    'aerobic kick jump', 'aerobic off axis jump', 'aerobic butterfly jump',
    'aerobic balance turn', 'basketball save', 'basketball jump ball'})

_GT_KEYS = ('labels', 'gttubes', 'nframes', 'test_videos', 'resolution')


def check_multisports_gt(gt: Any, source: str = '<gt>') -> dict[str, Any]:
    """Validate a MultiSports ground-truth dict; return it unchanged.

    Raises:
        ValueError: naming ``source`` and the offending key / video / label.
    """
    if not isinstance(gt, dict):
        raise ValueError(f'{source}: expected a dict, got {type(gt).__name__}')
    missing = [k for k in _GT_KEYS if k not in gt]
    if missing:
        raise ValueError(f'{source}: missing keys {missing} (need {list(_GT_KEYS)})')
    labels = gt['labels']
    if not isinstance(labels, list | tuple) or not all(isinstance(x, str) for x in labels):
        raise ValueError(f"{source}: 'labels' must be a list of class names")
    tv = gt['test_videos']
    if not isinstance(tv, list | tuple) or not tv or not isinstance(tv[0], list | tuple):
        raise ValueError(f"{source}: 'test_videos' must be a list whose first item is the list "
                         'of test videos')
    for v in tv[0]:
        if v not in gt['gttubes']:
            raise ValueError(f"{source}: test video {v!r} has no entry in 'gttubes'")
        if v not in gt['nframes']:
            raise ValueError(f"{source}: test video {v!r} has no entry in 'nframes'")
    all_tubes: list[object] = []
    names: list[tuple[str, int, int]] = []
    for v, tubes in gt['gttubes'].items():
        if not isinstance(tubes, dict):
            raise ValueError(f"{source}: gttubes[{v!r}] must be a dict label -> tubes")
        for label, lst in tubes.items():
            if not isinstance(label, int | np.integer) or not 0 <= int(label) < len(labels):
                raise ValueError(f'{source}: gttubes[{v!r}] has label {label!r}, outside '
                                 f'0..{len(labels) - 1}')
            for i, tube in enumerate(lst):
                all_tubes.append(tube)
                names.append((v, int(label), i))
    check_tubes(all_tubes, where_fn=lambda k: '{}: gttubes[{!r}][{}][{}]'.format(
        source, *names[k]))
    return gt


def load_multisports_gt(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and validate a MultiSports ground-truth pickle."""
    path = os.fspath(path)
    return check_multisports_gt(safe_load_pickle(path), path)


def check_frame_dets(dets: Any, source: str = '<frame dets>') -> np.ndarray:
    """Validate frame detections ``(N, 8)``; return them as an array."""
    if not isinstance(dets, np.ndarray) or dets.ndim != 2 or dets.shape[1] != 8:
        raise ValueError(f'{source}: frame detections must be an (N, 8) array [video_index, '
                         'frame, label, score, x1, y1, x2, y2], got '
                         f'{type(dets).__name__} {getattr(dets, "shape", "")}')
    if not np.isfinite(dets).all():
        row = int(np.argmax(~np.isfinite(dets).all(axis=1)))
        raise ValueError(f'{source}: row {row} has non-finite values: {dets[row].tolist()}')
    return dets


def load_frame_dets(path: str | os.PathLike[str]) -> np.ndarray:
    """Load and validate a frame-detection pickle."""
    path = os.fspath(path)
    return check_frame_dets(safe_load_pickle(path), path)


def check_video_dets(dets: Any, source: str = '<video dets>'
                     ) -> dict[int, list[tuple[str, float, np.ndarray]]]:
    """Validate video detections ``{label: [(video, score, tube)]}``; return them."""
    if not isinstance(dets, dict):
        raise ValueError(f'{source}: video detections must be a dict label -> list of '
                         f'(video, score, tube), got {type(dets).__name__}')
    all_tubes: list[object] = []
    names: list[tuple[int, int]] = []
    for label, lst in dets.items():
        if not isinstance(label, int | np.integer):
            raise ValueError(f'{source}: label key {label!r} is not an integer')
        if not isinstance(lst, list | tuple):
            raise ValueError(f'{source}: [{label}] must be a list of (video, score, tube)')
        for i, item in enumerate(lst):
            if not isinstance(item, list | tuple) or len(item) != 3:
                raise ValueError(f'{source}: [{label}][{i}] must be (video, score, tube)')
            v, score, tube = item
            if not isinstance(v, str):
                raise ValueError(f'{source}: [{label}][{i}] video must be a str, got {v!r}')
            if not np.isfinite(float(score)):
                raise ValueError(f'{source}: [{label}][{i}] score is not finite: {score!r}')
            all_tubes.append(tube)
            names.append((int(label), i))
    check_tubes(all_tubes, where_fn=lambda k: '{}: [{}][{}]'.format(source, *names[k]))
    return dets


def load_video_dets(path: str | os.PathLike[str]
                    ) -> dict[int, list[tuple[str, float, np.ndarray]]]:
    """Load and validate a video-detection pickle."""
    path = os.fspath(path)
    return check_video_dets(safe_load_pickle(path), path)
