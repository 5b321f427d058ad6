"""Stage one: run an mmdet person detector over keyframes or video frames and write proposals.

Keys follow the action datasets: AVA ``"video_id,TTTT"`` (keyframe second) and MultiSports /
plain videos ``"path/clip.mp4,FFFF"`` (1-based frame index). Boxes are kept when their score is at
least ``score_thr`` (seeds: 0.6 MultiSports, 0.8 AVA, 0.7 Kinetics) and written relative to the
frame as ``x1, y1, x2, y2, score`` with :func:`~mmaction_plugins.datasets.proposals.save_proposals`
(``.json`` / ``.npz`` safe layouts, or the legacy ``.pkl`` layout mmaction2 reads).

Command line::

    python -m mmaction_plugins.engine.detect_proposals DET_CONFIG DET_CKPT --out P.json \\
        (--ava-csv ANN.csv --frame-root RAWFRAMES | --videos A.mp4 [B.mp4 ...] [--every N]) \\
        [--score-thr 0.6] [--label 0] [--device cpu]
"""

from __future__ import annotations

import argparse
import os.path as osp
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from mmaction_plugins.utils.video import iter_video_frames

__all__ = ['ava_keyframes', 'video_frames', 'detect_proposals', 'main']


def ava_keyframes(ann_csv: str, frame_root: str, timestamp_start: int = 900, fps: int = 30,
                  filename_tmpl: str = 'img_{:05d}.jpg') -> Iterator[tuple[str, str]]:
    """Yield ``(img_key, frame path)`` for every distinct keyframe of an AVA-format CSV.

    The keyframe of second ``t`` is frame ``(t - timestamp_start) * fps + 1`` (AVA's 1-based
    frames, as mmaction2's ``SampleAVAFrames`` centres clips).
    """
    seen: set[str] = set()
    with open(ann_csv, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.strip().split(',')
            if len(parts) < 2 or not parts[1].isdigit():
                raise ValueError(f'{ann_csv}:{lineno}: expected "video_id,timestamp,...", '
                                 f'got {line.strip()!r}')
            key = f'{parts[0]},{int(parts[1]):04d}'
            if key in seen:
                continue
            seen.add(key)
            frame = (int(parts[1]) - timestamp_start) * fps + 1
            path = osp.join(frame_root, parts[0], filename_tmpl.format(frame))
            if not osp.isfile(path):
                raise FileNotFoundError(f'{ann_csv}:{lineno}: keyframe {key} -> {path} missing')
            yield key, path


def video_frames(path: str, key_prefix: str | None = None, every: int = 1
                 ) -> Iterator[tuple[str, np.ndarray]]:
    """Yield ``(img_key, BGR frame)`` for every ``every``-th frame of a video (1-based keys)."""
    prefix = key_prefix if key_prefix is not None else osp.basename(path)
    for idx, frame in enumerate(iter_video_frames(path), 1):
        if (idx - 1) % every == 0:
            yield f'{prefix},{idx:04d}', frame


def _inference_pipeline(model: Any) -> Any:
    """The detector's test pipeline without annotation loading, for images or arrays."""
    from mmcv.transforms import Compose
    from mmdet.utils import get_test_pipeline_cfg
    from mmengine.registry import DefaultScope

    steps = [s for s in get_test_pipeline_cfg(model.cfg.copy()) if s['type'] != 'LoadAnnotations']
    # mmdet transforms, whatever the caller's default scope (e.g. mmaction after a STAD model)
    with DefaultScope.overwrite_default_scope('mmdet'):
        return Compose(steps), Compose([dict(type='mmdet.LoadImageFromNDArray'), *steps[1:]])


def detect_proposals(model: Any, frames: Iterable[tuple[str, str | np.ndarray]],
                     score_thr: float, label: int = 0,
                     progress: bool | Callable[[int], None] = True) -> dict[str, np.ndarray]:
    """Run ``model`` (from ``mmdet.apis.init_detector``) on each frame.

    Args:
        model: An mmdet detector with ``cfg`` attached.
        frames: ``(img_key, image path or BGR array)`` pairs.
        score_thr: Keep boxes with score >= this.
        label: Class index of "person" in the detector.
        progress: Show mmengine's progress bar (``True``), nothing (``False``), or call this
            with the number of frames done after each frame.

    Returns:
        dict: ``img_key -> float64 (N, 5)`` relative ``x1, y1, x2, y2, score``, score-sorted;
        every visited key is present (possibly with 0 boxes).
    """
    import torch
    from mmengine.utils import ProgressBar

    from_path, from_array = _inference_pipeline(model)
    items = list(frames)
    bar = ProgressBar(len(items)) if progress is True and items else None
    out: dict[str, np.ndarray] = {}
    for key, img in items:
        data = (from_array(dict(img=img, img_id=0)) if isinstance(img, np.ndarray)
                else from_path(dict(img_path=img, img_id=0)))
        with torch.no_grad():
            pred = model.test_step(dict(inputs=[data['inputs']],
                                        data_samples=[data['data_samples']]))[0]
        h, w = pred.ori_shape
        inst = pred.pred_instances
        keep = (inst.labels == label) & (inst.scores >= score_thr)
        boxes = inst.bboxes[keep].cpu().numpy().astype(np.float64)
        scores = inst.scores[keep].cpu().numpy().astype(np.float64)
        boxes = np.clip(boxes / np.array([w, h, w, h], dtype=np.float64), 0.0, 1.0)
        order = np.argsort(-scores, kind='stable')
        out[key] = np.concatenate([boxes, scores[:, None]], axis=1)[order]
        if bar is not None:
            bar.update()
        elif callable(progress):
            progress(1)
    return out


def main(argv: list[str] | None = None) -> dict[str, np.ndarray]:
    """Command line: see the module docstring."""
    from mmdet.apis import init_detector

    import mmaction_plugins  # noqa: F401  (compat + registrations)
    from mmaction_plugins.datasets.proposals import save_proposals

    parser = argparse.ArgumentParser(description='Write person proposals with an mmdet detector')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='.json, .npz or .pkl (legacy)')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--ava-csv', help='AVA-format annotation CSV: detect on its keyframes')
    src.add_argument('--videos', nargs='+', help='videos: detect on every --every-th frame')
    parser.add_argument('--frame-root', help='rawframes root for --ava-csv')
    parser.add_argument('--video-root', default=None,
                        help='keys are video paths relative to this (MultiSports); default: name')
    parser.add_argument('--every', type=int, default=1)
    parser.add_argument('--timestamp-start', type=int, default=900)
    parser.add_argument('--fps', type=int, default=30)
    parser.add_argument('--score-thr', type=float, default=0.6)
    parser.add_argument('--label', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)

    model = init_detector(args.config, args.checkpoint, device=args.device)
    if args.ava_csv:
        if not args.frame_root:
            parser.error('--ava-csv needs --frame-root')
        frames: Iterable[tuple[str, Any]] = ava_keyframes(
            args.ava_csv, args.frame_root, args.timestamp_start, args.fps)
        props = detect_proposals(model, frames, args.score_thr, args.label)
    else:
        props = {}
        for video in args.videos:
            prefix = (osp.relpath(video, args.video_root) if args.video_root
                      else osp.basename(video))
            props.update(detect_proposals(model, video_frames(video, prefix, args.every),
                                          args.score_thr, args.label))
    save_proposals(props, args.out)
    n = sum(len(v) for v in props.values())
    print(f'{args.out}: {n} boxes over {len(props)} frames (score >= {args.score_thr})')
    return props


if __name__ == '__main__':
    main()
