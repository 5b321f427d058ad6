"""Score a trained STAD model on the MultiSports layout of a synthetic benchmark, per class.

The model classifies the ground-truth person boxes (the benchmark's
``multisports_proposals_val.json``) of every ``stride``-th frame of every validation video, read
from the AVA-layout JPEG frames (the very frames the model was trained on; the MultiSports
``.mp4`` files hold the same frames re-encoded). Frame detections
(:func:`~mmaction_plugins.apis.predict_multisports`) are scored with the official-semantics
frame-mAP, linked into tubes (MOC's linker, ``min_len`` divided by the stride so that it keeps its
length in seconds) and scored with the official video-mAP, on the ground truth reduced to the same
frames (:func:`~mmaction_plugins.evaluation.subsample_multisports_gt`).

Boxes are the ground-truth persons so that an ablation of the *action head* measures the head,
not the person detector (every row gets the same boxes).
"""

from __future__ import annotations

import math
import os.path as osp
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ['VIDEO_THRESHOLDS', 'evaluate_synthetic_multisports', 'rawframes_reader']

#: Thresholds scored: V@0.2, V@0.5 and the nine of V@0.1:0.9.
VIDEO_THRESHOLDS: tuple[float, ...] = (0.2, 0.5) + tuple(0.1 + 0.1 * i for i in range(9))


def rawframes_reader(frames_root: str, filename_tmpl: str = 'img_{:05}.jpg'
                     ) -> Callable[[str], np.ndarray]:
    """``video key`` (``<sport>/<video_id>``) → ``(T, H, W, 3)`` RGB frames of
    ``frames_root/<video_id>/img_00001.jpg ...`` (all files of the folder, in order).

    Raises:
        FileNotFoundError: the folder is missing or has no frame 1.
    """
    import mmcv

    def read(key: str) -> np.ndarray:
        folder = osp.join(frames_root, key.split('/')[-1])
        first = osp.join(folder, filename_tmpl.format(1))
        if not osp.isfile(first):
            raise FileNotFoundError(f'{first}: no frames for video {key!r}')
        frames = []
        i = 1
        while True:
            path = osp.join(folder, filename_tmpl.format(i))
            if not osp.isfile(path):
                break
            frames.append(mmcv.imread(path, channel_order='rgb'))
            i += 1
        return np.stack(frames)

    return read


def evaluate_synthetic_multisports(model: Any, data_root: str, stride: int = 1,
                                   views: Sequence[Any] | None = None, labels: str = 'all',
                                   min_len_frames: int = 15, batch_size: int = 8,
                                   progress: Callable[[int], None] | None = None
                                   ) -> dict[str, Any]:
    """Per-class frame AP@0.5 and video AP of ``model`` on the benchmark's validation videos.

    Args:
        model: STAD model with ``model.cfg`` (:func:`~mmaction_plugins.apis.init_stad_model`);
            AVA-style scores (column 0 unused, MultiSports label ``c`` in column ``c + 1``).
        data_root: The benchmark folder (``ava/rawframes``, ``multisports/annotations``).
        stride: Score every ``stride``-th frame (see the module docstring).
        views: Test-time views (None: plain input).
        labels: ``'all'`` (a detection per box and class) or ``'argmax'``.
        min_len_frames: The tube linker's shortest tube at the full frame rate (mmaction2's 15).
        batch_size: Clips per backbone pass.
        progress: Called with the number of frames done.

    Returns:
        dict: ``frame_ap`` ``{class: AP}``, ``video_ap`` ``{threshold: {class: AP}}`` (fractions,
        classes with ground truth), ``frames`` (frames scored), ``detections`` (frame
        detections), ``tubes`` (linked tubes).
    """
    from mmaction_plugins.apis import predict_multisports
    from mmaction_plugins.datasets.proposals import load_proposals
    from mmaction_plugins.evaluation.multisports import (
        frame_ap_per_class,
        video_ap_per_class_thresholds,
    )
    from mmaction_plugins.evaluation.multisports_gt import load_multisports_gt
    from mmaction_plugins.evaluation.multisports_subsample import subsample_multisports_gt
    from mmaction_plugins.evaluation.tube_linking import link_tubes

    anno = osp.join(data_root, 'multisports', 'annotations')
    gt = load_multisports_gt(osp.join(anno, 'multisports_GT.pkl'))
    props = load_proposals(osp.join(anno, 'multisports_proposals_val.json'))

    def proposals(key: str, frame: int) -> np.ndarray | None:
        return props.get(f'{key}.mp4,{frame:04d}')

    dets = predict_multisports(model, gt, rawframes_reader(osp.join(data_root, 'ava', 'rawframes')),
                               proposals, stride=stride, views=views, labels=labels,
                               batch_size=batch_size, progress=progress)
    sub = subsample_multisports_gt(gt, stride)
    tubes = link_tubes(sub, dets, min_len=max(1, math.ceil(min_len_frames / stride)))
    return {
        'frame_ap': frame_ap_per_class(sub, dets),
        'video_ap': video_ap_per_class_thresholds(sub, tubes, list(VIDEO_THRESHOLDS)),
        'frames': int(sum(sub['nframes'].values())),
        'detections': int(len(dets)),
        'tubes': int(sum(len(v) for v in tubes.values())),
    }
