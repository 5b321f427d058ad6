"""Run a person detector and a STAD action model on a video: boxes, track ids, actions, and an
annotated copy of the video.

Command line (``tools/demo_video.py`` wraps it)::

    python -m mmaction_plugins.apis.video_demo VIDEO DET_CONFIG DET_CKPT ACT_CONFIG ACT_CKPT \\
        --out annotated.mp4 [--json detections.json] [--label-map MAP] [--score-thr 0.6] \\
        [--every 1] [--upscale 1]

``--json`` writes ``{"frames": {"<0-based frame>": [{"box": [x1, y1, x2, y2] (relative),
"person_score": s, "track_id": i, "actions": {"<class id>": score, ...}}, ...]}}`` with the
actions above ``--action-thr``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ['read_video_rgb', 'detect_and_classify', 'main']


def read_video_rgb(path: str) -> np.ndarray:
    """Every frame of ``path`` as ``(T, H, W, 3)`` uint8 RGB (mmaction2's decoders give RGB).

    Raises:
        OSError: naming ``path`` when it cannot be read or holds no frame.
    """
    from mmaction_plugins.utils.video import iter_video_frames

    bgr = np.stack(list(iter_video_frames(path)))
    return np.ascontiguousarray(bgr[..., ::-1])


def detect_and_classify(det_model: Any, act_model: Any, frames: np.ndarray, score_thr: float,
                        keyframes: Sequence[int] | None = None,
                        on_detected: Callable[[int], None] | None = None,
                        on_classified: Callable[[int], None] | None = None
                        ) -> tuple[dict[int, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Person boxes on every keyframe, then the action scores of those boxes.

    Args:
        det_model: mmdet detector (``mmdet.apis.init_detector``).
        act_model: STAD model (:func:`~mmaction_plugins.apis.init_stad_model`).
        frames: ``(T, H, W, 3)`` uint8 RGB.
        score_thr: Person boxes kept when their score is at least this.
        keyframes: 0-based frames to process (default: all).
        on_detected, on_classified: progress callbacks, called with the number of frames done.

    Returns:
        tuple: ``boxes`` — frame → ``(N, 5)`` relative ``x1, y1, x2, y2, person score`` (every
        keyframe, possibly ``N = 0``); ``actions`` — frame → ``(boxes (N, 4), scores (N, C))``
        for the keyframes with at least one person.
    """
    from mmaction_plugins.apis.stad_inference import clip_pipeline, predict_keyframes
    from mmaction_plugins.engine.detect_proposals import detect_proposals

    keys = list(range(len(frames))) if keyframes is None else [int(k) for k in keyframes]
    bgr = [(str(k), np.ascontiguousarray(frames[k][..., ::-1])) for k in keys]
    props = detect_proposals(det_model, bgr, score_thr,
                             progress=on_detected if on_detected is not None else False)
    boxes = {int(k): v for k, v in props.items()}
    num_classes = int(act_model.cfg.model.roi_head.bbox_head.num_classes)
    actions = predict_keyframes(act_model, clip_pipeline(act_model.cfg), frames, keys, boxes,
                                num_classes, progress=on_classified)
    return boxes, actions


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: see the module docstring."""
    from mmdet.apis import init_detector

    import mmaction_plugins  # noqa: F401  (compat + registrations)
    from mmaction_plugins.apis.stad_inference import init_stad_model
    from mmaction_plugins.apis.tracking import assign_track_ids
    from mmaction_plugins.evaluation.label_map import read_label_map
    from mmaction_plugins.utils.atomic_io import atomic_write_json
    from mmaction_plugins.visualization import write_annotated_video

    p = argparse.ArgumentParser(description='Annotate a video with person boxes and actions')
    p.add_argument('video')
    p.add_argument('det_config')
    p.add_argument('det_checkpoint')
    p.add_argument('act_config')
    p.add_argument('act_checkpoint')
    p.add_argument('--out', required=True, help='annotated .mp4')
    p.add_argument('--json', default=None, help='detections as JSON')
    p.add_argument('--label-map', default=None,
                   help='class names (pbtxt or "id: name" lines); default: the action config\'s '
                        'test label_file')
    p.add_argument('--score-thr', type=float, default=0.6, help='person score threshold')
    p.add_argument('--action-thr', type=float, default=0.1, help='actions listed in --json')
    p.add_argument('--every', type=int, default=1, help='process every N-th frame')
    p.add_argument('--upscale', type=int, default=1, help='enlarge the output video N times')
    p.add_argument('--fps', type=float, default=None, help='output frame rate (default: input)')
    p.add_argument('--device', default='cpu')
    args = p.parse_args(argv)

    import cv2

    frames = read_video_rgb(args.video)
    cap = cv2.VideoCapture(args.video)
    fps = args.fps or cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.release()
    det = init_detector(args.det_config, args.det_checkpoint, device=args.device)
    act = init_stad_model(args.act_config, args.act_checkpoint, device=args.device)
    label_file = args.label_map or act.cfg.test_dataloader.dataset.get('label_file')
    names = read_label_map(label_file) if label_file else {}
    keyframes = list(range(0, len(frames), max(args.every, 1)))
    boxes, actions = detect_and_classify(det, act, frames, args.score_thr, keyframes)
    ids = dict(zip(keyframes, assign_track_ids([boxes[k] for k in keyframes])))
    write_annotated_video(args.out, frames, {k: v[:, :4] for k, v in boxes.items()}, ids,
                          {k: s for k, (_, s) in actions.items()}, names, fps=fps,
                          upscale=args.upscale)
    result: dict[str, Any] = {'video': args.video, 'frames': {}}
    for k in keyframes:
        people = []
        scores = actions.get(k, (None, np.zeros((len(boxes[k]), 0))))[1]
        for i, b in enumerate(boxes[k]):
            acts = {str(c): round(float(v), 4) for c, v in enumerate(scores[i])
                    if v >= args.action_thr and (not names or c in names)}
            people.append({'box': [round(float(x), 5) for x in b[:4]],
                           'person_score': round(float(b[4]), 4),
                           'track_id': int(ids[k][i]), 'actions': acts})
        result['frames'][str(k)] = people
    if args.json:
        atomic_write_json(args.json, result)
    n = sum(len(v) for v in result['frames'].values())
    print(f'{args.out}: {len(frames)} frames, {n} person boxes on {len(keyframes)} keyframes')
    return result


if __name__ == '__main__':
    main()
