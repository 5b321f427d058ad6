"""Stage one, per person: keypoints (mmpose top-down) and body parts (top-down part detector).

Given person proposals (``{img_key: (N, 4|5)}`` relative boxes, as
:mod:`mmaction_plugins.datasets.proposals` loads them) and the frames they came from:

* :func:`person_keypoints` runs an mmpose top-down model on each person box and returns
  ``(N, 17, 3)`` keypoints ``x, y, score`` (x, y relative to the frame, clipped to it);
* :func:`person_parts` crops each person like the part detector's training data
  (:func:`mmaction_plugins.datasets.person_crops.crop_box`, scale ``person_crop_scale`` of the
  part config, 1.25 by default), runs the detector on the crops and maps, per part class, the
  best-scoring box back to the frame: ``(N, P, 5)`` ``x1, y1, x2, y2, score`` relative to the
  frame. **A part class without a detection (or below ``score_thr``) is the row
  ``0, 0, 0, 0, 0``.**
* :func:`run_person_parts` does both over many frames and returns a
  :class:`~mmaction_plugins.datasets.person_parts_file.PersonParts`, written with
  :func:`~mmaction_plugins.datasets.person_parts_file.save_person_parts` (``.npz`` / ``.json``).

Proposals without a score column get score 1. Command line::

    python -m mmaction_plugins.engine.person_parts --proposals P.json --out PARTS.npz \\
        (--frame-root RAWFRAMES [--timestamp-start 900] [--fps 30] | --video-root ROOT) \\
        [--pose-config C --pose-checkpoint K] [--part-config C --part-checkpoint K] \\
        [--crop-scale 1.25] [--part-score-thr 0.0] [--device cpu]

AVA keys ``"video_id,TTTT"`` read the keyframe ``FRAME_ROOT/video_id/img_XXXXX.jpg`` (frame
``(T - timestamp_start) * fps + 1``); video keys ``"path/clip.mp4,FFFF"`` (MultiSports) read the
1-based frame ``FFFF`` of ``VIDEO_ROOT/path/clip.mp4``.
"""

from __future__ import annotations

import argparse
import os.path as osp
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from mmaction_plugins.datasets.person_crops import DEFAULT_SCALE, boxes_from_crop, crop_box
from mmaction_plugins.datasets.person_parts_file import PersonParts

__all__ = ['frames_for_keys', 'person_keypoints', 'person_parts', 'run_person_parts', 'main']


def frames_for_keys(keys: Iterable[str], frame_root: str | None = None,
                    video_root: str | None = None, timestamp_start: int = 900, fps: int = 30,
                    filename_tmpl: str = 'img_{:05d}.jpg'
                    ) -> Iterator[tuple[str, str | np.ndarray]]:
    """Yield ``(img_key, frame path or BGR array)`` for proposal keys.

    Args:
        keys: ``"video_id,TTTT"`` (with ``frame_root``) or ``"rel/clip.mp4,FFFF"`` (with
            ``video_root``) keys.
        frame_root: AVA rawframes root; exclusive with ``video_root``.
        video_root: Root the video paths of the keys are relative to.
        timestamp_start: AVA second of frame 1.
        fps: Frames per second of the rawframes.
        filename_tmpl: Rawframe file name template.

    Raises:
        FileNotFoundError / ValueError: naming the key whose frame is missing or malformed.
    """
    if (frame_root is None) == (video_root is None):
        raise ValueError('give exactly one of frame_root and video_root')
    parsed: list[tuple[str, str, int]] = []
    for key in keys:
        video, _, number = key.rpartition(',')
        if not video or not number.isdigit():
            raise ValueError(f'key {key!r} is not "video_id,timestamp"')
        parsed.append((key, video, int(number)))
    if frame_root is not None:
        for key, video, stamp in parsed:
            path = osp.join(frame_root, video,
                            filename_tmpl.format((stamp - timestamp_start) * fps + 1))
            if not osp.isfile(path):
                raise FileNotFoundError(f'key {key!r}: frame {path} missing')
            yield key, path
        return
    from mmaction_plugins.utils.video import iter_video_frames

    by_video: dict[str, dict[int, str]] = {}
    for key, video, idx in parsed:
        by_video.setdefault(video, {})[idx] = key
    for video, wanted in by_video.items():
        path = osp.join(str(video_root), video)
        if not osp.isfile(path):
            raise FileNotFoundError(f'key {next(iter(wanted.values()))!r}: video {path} missing')
        last = max(wanted)
        for idx, frame in enumerate(iter_video_frames(path), 1):
            if idx in wanted:
                yield wanted.pop(idx), frame
            if idx >= last:
                break
        if wanted:
            idx, key = min(wanted.items())
            raise ValueError(f'key {key!r}: {path} has fewer than {idx} frames')


def _as_image(img: str | np.ndarray) -> np.ndarray:
    if isinstance(img, np.ndarray):
        return img
    import cv2

    arr = cv2.imread(img, cv2.IMREAD_COLOR)
    if arr is None:
        raise FileNotFoundError(f'{img}: cannot read image')
    return arr


def _boxes(boxes: np.ndarray | Any) -> np.ndarray:
    """``(N, 4|5)`` relative boxes as float64 ``(N, 5)`` (score 1 where there was none)."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 5))
    if arr.ndim != 2 or arr.shape[1] not in (4, 5):
        raise ValueError(f'person boxes must be (N, 4|5), got shape {arr.shape}')
    if arr.shape[1] == 4:
        arr = np.concatenate([arr, np.ones((len(arr), 1))], axis=1)
    return arr


def _pixel_boxes(boxes: np.ndarray, w: int, h: int) -> np.ndarray:
    """``(N, 4|5)`` relative boxes -> ``(N, 4)`` float64 pixel boxes."""
    return _boxes(boxes)[:, :4] * np.array([w, h, w, h], dtype=np.float64)


def person_keypoints(pose_model: Any, img: str | np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Keypoints of each person box with an mmpose top-down model.

    Args:
        pose_model: From ``mmpose.apis.init_model`` (``cfg`` and ``dataset_meta`` attached).
        img: BGR ``(H, W, 3)`` frame or its path.
        boxes: ``(N, 4|5)`` person boxes relative to the frame.

    Returns:
        float64 ``(N, K, 3)``: ``x, y`` relative to the frame (clipped to 0..1) and the score.
    """
    from mmpose.apis import inference_topdown

    frame = _as_image(img)
    h, w = frame.shape[:2]
    k = int(pose_model.dataset_meta['num_keypoints'])
    if len(boxes) == 0:  # inference_topdown would take the whole frame as one person
        return np.zeros((0, k, 3))
    results = inference_topdown(pose_model, frame, _pixel_boxes(boxes, w, h), bbox_format='xyxy')
    out = np.zeros((len(results), k, 3))
    for i, res in enumerate(results):
        inst = res.pred_instances
        out[i, :, :2] = np.asarray(inst.keypoints, dtype=np.float64)[0] / np.array([w, h])
        out[i, :, 2] = np.asarray(inst.keypoint_scores, dtype=np.float64)[0]
    out[..., :2] = np.clip(out[..., :2], 0.0, 1.0)
    return out


def _crop_pipeline(part_model: Any) -> Any:
    """The detector's test pipeline for BGR arrays, built in the detector's registry scope."""
    from mmcv.transforms import Compose
    from mmdet.utils import get_test_pipeline_cfg
    from mmengine.registry import DefaultScope

    steps = [s for s in get_test_pipeline_cfg(part_model.cfg.copy())
             if s['type'] not in ('LoadAnnotations', 'mmdet.LoadAnnotations')]
    with DefaultScope.overwrite_default_scope(part_model.cfg.get('default_scope', 'mmdet')):
        return Compose([dict(type='mmdet.LoadImageFromNDArray'), *steps[1:]])


def _part_names(part_model: Any) -> tuple[str, ...]:
    """The detector's class names, checked against its classification head."""
    names = tuple(part_model.dataset_meta['classes'])
    head = getattr(getattr(part_model, 'roi_head', None), 'bbox_head', None)
    if isinstance(head, Iterable):  # cascade: one head per stage
        head = list(head)[-1]
    num_classes = getattr(head, 'num_classes', len(names))
    if num_classes != len(names):
        raise ValueError(f'part detector has {num_classes} classes but its dataset_meta names '
                         f'{len(names)} (a checkpoint without dataset_meta gets the 80 COCO '
                         f'classes from mmdet)')
    return names


def person_parts(part_model: Any, img: str | np.ndarray, boxes: np.ndarray,
                 crop_scale: float | None = None, score_thr: float = 0.0,
                 pipeline: Any = None) -> np.ndarray:
    """Body-part boxes of each person: the part detector on each person crop.

    Args:
        part_model: From ``mmdet.apis.init_detector``, trained on person crops.
        img: BGR ``(H, W, 3)`` frame or its path.
        boxes: ``(N, 4|5)`` person boxes relative to the frame.
        crop_scale: Crop enlargement; default ``part_model.cfg.person_crop_scale`` or 1.25.
        score_thr: A part needs a score above this (and above 0) to count as detected.
        pipeline: A prebuilt :func:`_crop_pipeline` (built here when ``None``).

    Returns:
        float64 ``(N, P, 5)``: per part class the best box ``x1, y1, x2, y2`` relative to the
        frame and its score; ``0, 0, 0, 0, 0`` where the part was not detected.
    """
    import torch

    frame = _as_image(img)
    h, w = frame.shape[:2]
    num_parts = len(_part_names(part_model))
    if crop_scale is None:
        crop_scale = float(part_model.cfg.get('person_crop_scale', DEFAULT_SCALE))
    out = np.zeros((len(boxes), num_parts, 5))
    if len(boxes) == 0:
        return out
    crops = crop_box(_pixel_boxes(boxes, w, h), crop_scale, w, h)
    pipeline = pipeline if pipeline is not None else _crop_pipeline(part_model)
    data = [pipeline(dict(img=np.ascontiguousarray(frame[int(c[1]):int(c[3]),
                                                         int(c[0]):int(c[2])]), img_id=i))
            for i, c in enumerate(crops)]
    with torch.no_grad():
        preds = part_model.test_step(dict(inputs=[d['inputs'] for d in data],
                                          data_samples=[d['data_samples'] for d in data]))
    scale = np.array([w, h, w, h], dtype=np.float64)
    for i, (pred, crop) in enumerate(zip(preds, crops)):
        inst = pred.pred_instances
        labels = inst.labels.cpu().numpy()
        scores = inst.scores.cpu().numpy().astype(np.float64)
        bboxes = inst.bboxes.cpu().numpy().astype(np.float64)
        for part in range(num_parts):
            cand = np.flatnonzero((labels == part) & (scores > score_thr) & (scores > 0))
            if len(cand) == 0:
                continue
            best = cand[np.argmax(scores[cand])]
            xyxy = np.clip(boxes_from_crop(bboxes[best], crop) / scale, 0.0, 1.0)
            out[i, part] = [*xyxy, min(scores[best], 1.0)]
    return out


def run_person_parts(frames: Iterable[tuple[str, str | np.ndarray]],
                     proposals: Mapping[str, np.ndarray], pose_model: Any = None,
                     part_model: Any = None, crop_scale: float | None = None,
                     part_score_thr: float = 0.0, progress: bool = True) -> PersonParts:
    """Keypoints and/or parts for the persons of every frame.

    Args:
        frames: ``(img_key, frame path or BGR array)``; every key must be in ``proposals``.
        proposals: ``img_key -> (N, 4|5)`` relative person boxes.
        pose_model: mmpose top-down model, or ``None`` for no keypoints.
        part_model: mmdet part detector (trained on person crops), or ``None`` for no parts.
        crop_scale: See :func:`person_parts`.
        part_score_thr: See :func:`person_parts` (``score_thr``).
        progress: Show a progress bar.

    Returns:
        :class:`PersonParts` over the visited keys (boxes get score 1 when they had none).
    """
    from mmengine.utils import ProgressBar

    if pose_model is None and part_model is None:
        raise ValueError('give a pose model, a part model or both')
    result = PersonParts(boxes={}, keypoints={} if pose_model is not None else None,
                         parts={} if part_model is not None else None)
    if pose_model is not None:
        id2name = pose_model.dataset_meta['keypoint_id2name']
        result.keypoint_names = tuple(id2name[i] for i in range(len(id2name)))
    pipeline = None
    if part_model is not None:
        result.part_names = _part_names(part_model)
        pipeline = _crop_pipeline(part_model)
    items = list(frames)
    bar = ProgressBar(len(items)) if progress and items else None
    for key, img in items:
        if key not in proposals:
            raise KeyError(f'frame key {key!r} has no proposals')
        boxes = _boxes(proposals[key])
        frame = _as_image(img)
        result.boxes[key] = boxes
        if result.keypoints is not None:
            result.keypoints[key] = person_keypoints(pose_model, frame, boxes)
        if result.parts is not None:
            result.parts[key] = person_parts(part_model, frame, boxes, crop_scale,
                                             part_score_thr, pipeline)
        if bar is not None:
            bar.update()
    return result


def main(argv: list[str] | None = None) -> PersonParts:
    """Command line: see the module docstring."""
    import mmaction_plugins  # noqa: F401  (compat + registrations)
    from mmaction_plugins.datasets.person_parts_file import save_person_parts
    from mmaction_plugins.datasets.proposals import load_proposals

    parser = argparse.ArgumentParser(
        description='Keypoints and body parts per person proposal (stage one)')
    parser.add_argument('--proposals', required=True, help='.json, .npz or .pkl proposals')
    parser.add_argument('--out', required=True, help='.npz or .json')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--frame-root', help='AVA rawframes root (keys "video_id,second")')
    src.add_argument('--video-root', help='video root (keys "rel/clip.mp4,frame")')
    parser.add_argument('--timestamp-start', type=int, default=900)
    parser.add_argument('--fps', type=int, default=30)
    parser.add_argument('--pose-config')
    parser.add_argument('--pose-checkpoint')
    parser.add_argument('--part-config')
    parser.add_argument('--part-checkpoint')
    parser.add_argument('--crop-scale', type=float, default=None,
                        help='person crop enlargement (default: the part config\'s '
                             'person_crop_scale, else 1.25)')
    parser.add_argument('--part-score-thr', type=float, default=0.0)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    for name in ('pose', 'part'):
        if (getattr(args, f'{name}_config') is None) != (getattr(args, f'{name}_checkpoint')
                                                         is None):
            parser.error(f'--{name}-config and --{name}-checkpoint go together')
    if args.pose_config is None and args.part_config is None:
        parser.error('give --pose-config/--pose-checkpoint, --part-config/--part-checkpoint '
                     'or both')

    pose_model = part_model = None
    if args.pose_config:
        from mmpose.apis import init_model

        pose_model = init_model(args.pose_config, args.pose_checkpoint, device=args.device)
    if args.part_config:
        from mmdet.apis import init_detector

        part_model = init_detector(args.part_config, args.part_checkpoint, device=args.device)
    proposals = load_proposals(args.proposals)
    frames = frames_for_keys(sorted(proposals), frame_root=args.frame_root,
                             video_root=args.video_root, timestamp_start=args.timestamp_start,
                             fps=args.fps)
    result = run_person_parts(frames, proposals, pose_model, part_model, args.crop_scale,
                              args.part_score_thr)
    save_person_parts(result, args.out)
    n = sum(len(v) for v in result.boxes.values())
    print(f'{args.out}: {n} persons over {len(result.boxes)} frames '
          f'({"keypoints" if pose_model is not None else ""}'
          f'{" + " if pose_model is not None and part_model is not None else ""}'
          f'{"parts" if part_model is not None else ""})')
    return result


if __name__ == '__main__':
    main()
