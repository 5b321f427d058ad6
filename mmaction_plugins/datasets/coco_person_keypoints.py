"""COCO person keypoints of video frames -> a per-person keypoint file keyed by AVA keyframe.

Turns the ground-truth keypoints of a COCO keypoint json whose images carry ``video_id`` and a
1-based ``frame`` (the synthetic benchmark's ``coco/person_keypoints_<split>.json``) into the
:mod:`~mmaction_plugins.datasets.person_parts_file` layout that
:class:`~mmaction_plugins.datasets.keypoint_stad_dataset.KeypointSTADDataset` reads, for the
images that are AVA keyframes: frame ``(s - timestamp_start) * fps + 1`` is key
``"video_id,ssss"``. This gives the arm branch ground-truth keypoints (the "GT keypoints" runs);
the stage-one pose model's keypoints come from ``tools/person_parts.py`` in the same layout.

Per person: box ``x1, y1, x2, y2, 1.0`` and keypoints ``x, y, score`` relative to the image
(clipped to 0..1), with score 1.0 for COCO visibility 2 (visible), 0.5 for 1 (labelled but
hidden: still inside the image) and 0.0 for 0 (not labelled / outside the image, where COCO puts
``0, 0``).

Command line::

    python -m mmaction_plugins.datasets.coco_person_keypoints --coco person_keypoints_val.json \\
        --out val_keypoints.npz [--timestamp-start 900] [--fps 30]
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from mmaction_plugins.datasets.person_parts_file import PersonParts, save_person_parts

__all__ = ['VISIBILITY_SCORE', 'coco_keypoints_to_person_parts', 'main']

#: Keypoint score written for each COCO visibility flag.
VISIBILITY_SCORE = {0: 0.0, 1: 0.5, 2: 1.0}


def coco_keypoints_to_person_parts(coco_json: str | os.PathLike[str], timestamp_start: int = 900,
                                   fps: int = 30) -> PersonParts:
    """Read a COCO keypoint json of video frames; keep the AVA keyframes.

    Args:
        coco_json: COCO json with ``images[i].video_id`` / ``frame`` (1-based) and person
            annotations with 17 keypoints.
        timestamp_start: AVA second of frame 1.
        fps: Frames per second.

    Returns:
        :class:`PersonParts` with boxes and keypoints (no parts), keys ``"video_id,ssss"``;
        keyframes with an image but no person are present with zero persons.

    Raises:
        ValueError: naming the file and the image / annotation id of a malformed entry.
    """
    path = os.fspath(coco_json)
    with open(path, encoding='utf-8') as f:
        try:
            coco = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: line {e.lineno}: invalid JSON ({e.msg})') from e
    cats = coco.get('categories') or []
    names = tuple(cats[0].get('keypoints', ())) if cats else ()
    if len(names) != 17:
        raise ValueError(f'{path}: expected one category with 17 keypoint names, got {names}')
    images = {}
    for img in coco.get('images', []):
        for k in ('id', 'video_id', 'frame', 'width', 'height'):
            if k not in img:
                raise ValueError(f'{path}: image {img.get("id")!r} has no {k!r} (not a COCO '
                                 'export of video frames?)')
        if (img['frame'] - 1) % fps:
            continue
        key = f'{img["video_id"]},{timestamp_start + (img["frame"] - 1) // fps:04d}'
        images[img['id']] = (key, float(img['width']), float(img['height']))
    boxes: dict[str, list[list[float]]] = defaultdict(list)
    kpts: dict[str, list[np.ndarray]] = defaultdict(list)
    for key, _, _ in images.values():
        boxes.setdefault(key, [])
        kpts.setdefault(key, [])
    for ann in coco.get('annotations', []):
        if ann.get('image_id') not in images:
            continue
        key, w, h = images[ann['image_id']]
        raw = np.asarray(ann.get('keypoints', []), dtype=np.float64)
        if raw.shape != (51,):
            raise ValueError(f'{path}: annotation {ann.get("id")!r}: expected 17 x 3 keypoints, '
                             f'got {raw.size} values')
        raw = raw.reshape(17, 3)
        vis = raw[:, 2].astype(int)
        if not np.isin(vis, list(VISIBILITY_SCORE)).all():
            raise ValueError(f'{path}: annotation {ann.get("id")!r}: visibility flags must be '
                             f'0, 1 or 2, got {sorted(set(vis.tolist()))}')
        x, y, bw, bh = (float(v) for v in ann['bbox'])
        boxes[key].append([np.clip(x / w, 0, 1), np.clip(y / h, 0, 1),
                           np.clip((x + bw) / w, 0, 1), np.clip((y + bh) / h, 0, 1), 1.0])
        rel = np.stack([np.clip(raw[:, 0] / w, 0, 1), np.clip(raw[:, 1] / h, 0, 1),
                        np.array([VISIBILITY_SCORE[v] for v in vis])], axis=1)
        kpts[key].append(rel)
    return PersonParts(
        boxes={k: np.asarray(v, dtype=np.float64).reshape(-1, 5) for k, v in boxes.items()},
        keypoints={k: (np.stack(v) if v else np.zeros((0, 17, 3))) for k, v in kpts.items()},
        keypoint_names=names)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(description='COCO keypoints of video frames -> per-person '
                                            'keypoint file keyed by AVA keyframe')
    p.add_argument('--coco', required=True, help='COCO keypoint json (images with video_id, '
                                                 'frame)')
    p.add_argument('--out', required=True, help='output .npz or .json (written atomically)')
    p.add_argument('--timestamp-start', type=int, default=900)
    p.add_argument('--fps', type=int, default=30)
    args = p.parse_args(argv)
    parts = coco_keypoints_to_person_parts(args.coco, args.timestamp_start, args.fps)
    save_person_parts(parts, args.out)
    n = sum(len(v) for v in parts.boxes.values())
    print(f'{args.out}: {len(parts.boxes)} keyframes, {n} persons')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
