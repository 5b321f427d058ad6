"""Person crops for top-down body-part detection: crop geometry and a COCO crop-dataset writer.

Seed 002 (Kinetics-TPS) detects body parts *top-down*: a human detector finds the people, then
the part detector runs on each person crop. Training data are crops around the ground-truth
person boxes with that person's part boxes in crop coordinates; at inference time the same
:func:`crop_box` is applied to detected person boxes and the part boxes are mapped back with
:func:`boxes_from_crop`.

Geometry (pixels, ``x1, y1, x2, y2``, x to the right, y down):

* :func:`crop_box` enlarges a person box by ``scale`` about its centre, rounds it outwards to whole
  pixels and clips it to the image, so a crop is the array slice ``img[y1:y2, x1:x2]``.
* :func:`boxes_to_crop` / :func:`boxes_from_crop` translate boxes by the crop origin (no clipping,
  no scaling; a 5th score column passes through). They are inverse to each other: the origin is a
  whole pixel, so the round trip is bit-exact for coordinates on a binary grid (any multiple of
  ``2**-30`` px in images below ``2**22`` px across); for arbitrary float64 values it is exact to
  one rounding of the frame coordinate (< 1e-12 px for frames below 4096 px).
* :func:`clip_to_crop` clips crop-coordinate boxes to the crop and flags those that keep at least
  ``min_size`` px of width and height inside it.

Horizontal flips are deliberately not supported here: the part classes carry the person's left
and right, so a mirrored crop needs its labels swapped too (mmdet's ``RandomFlip`` does not do
that; the part configs therefore train without flips).

Dataset writer, from a COCO person json (``bbox`` per person), a COCO body-part json (the same
images; parts carry the ``person_id`` of their person, as the synthetic export writes) and the
image root::

    OUT/images/<split>/<source file stem>_p<person annotation id>.png    lossless crops
    OUT/annotations/<split>.json                                          COCO, crop coordinates

Each crop image entry keeps ``source_image_id``, ``source_file_name``, ``person_ann_id``,
``person_id`` and ``crop_xyxy`` (source pixels), so detections map back to the frame. Only the
person's own parts are labels (top-down: the detector answers "where are *this* person's
parts"); parts clipped to less than ``min_part_size`` px inside the crop are dropped, clipped ones
are flagged ``truncated``. Command line::

    python -m mmaction_plugins.datasets.person_crops --root data/synthetic/small \\
        --out data/synthetic/small/part_crops [--splits train val] [--scale 1.25]
    python -m mmaction_plugins.datasets.person_crops --person-json P.json --parts-json B.json \\
        --img-root IMAGES --split train --out DIR
"""

from __future__ import annotations

import argparse
import json
import os.path as osp
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json

__all__ = ['crop_box', 'boxes_to_crop', 'boxes_from_crop', 'clip_to_crop', 'make_person_crops',
           'main']

DEFAULT_SCALE = 1.25


def crop_box(person_xyxy: np.ndarray | Sequence[float], scale: float, img_w: int, img_h: int
             ) -> np.ndarray:
    """The crop around a person box: enlarged ``scale`` times about its centre, whole pixels,
    clipped to the image.

    Args:
        person_xyxy: ``(4,)`` or ``(N, 4)`` person boxes in pixels (extra columns are ignored).
        scale: Enlargement of width and height (>= 1 keeps the whole box).
        img_w: Image width in pixels.
        img_h: Image height in pixels.

    Returns:
        float64 ``(4,)`` or ``(N, 4)``: integer-valued ``x1, y1, x2, y2`` with
        ``0 <= x1 < x2 <= img_w`` and ``0 <= y1 < y2 <= img_h``.

    Raises:
        ValueError: for a non-positive scale or image size, or a box that leaves no pixel of the
            image inside its crop.
    """
    if not scale > 0:
        raise ValueError(f'crop scale must be > 0, got {scale}')
    if img_w <= 0 or img_h <= 0:
        raise ValueError(f'image size must be positive, got {img_w}x{img_h}')
    boxes = np.asarray(person_xyxy, dtype=np.float64)
    single = boxes.ndim == 1
    boxes = np.atleast_2d(boxes)
    if boxes.ndim != 2 or boxes.shape[1] < 4:
        raise ValueError(f'person boxes must be (4,) or (N, >=4), got {np.shape(person_xyxy)}')
    boxes = boxes[:, :4]
    if not np.isfinite(boxes).all():
        raise ValueError('person boxes must be finite')
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    half_w = np.abs(boxes[:, 2] - boxes[:, 0]) * scale / 2
    half_h = np.abs(boxes[:, 3] - boxes[:, 1]) * scale / 2
    out = np.stack([np.floor(cx - half_w), np.floor(cy - half_h),
                    np.ceil(cx + half_w), np.ceil(cy + half_h)], axis=1)
    out = np.clip(out, 0.0, np.array([img_w, img_h, img_w, img_h], dtype=np.float64))
    empty = (out[:, 2] <= out[:, 0]) | (out[:, 3] <= out[:, 1])
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise ValueError(f'person box {boxes[i].tolist()} leaves no pixel of the '
                         f'{img_w}x{img_h} image inside its crop')
    return out[0] if single else out


def _origin(crop_xyxy: np.ndarray | Sequence[float]) -> np.ndarray:
    crop = np.asarray(crop_xyxy, dtype=np.float64)
    if crop.shape != (4,):
        raise ValueError(f'crop_xyxy must be (4,), got shape {crop.shape}')
    return np.array([crop[0], crop[1], crop[0], crop[1]])


def _check_boxes(boxes: np.ndarray | Sequence[Any]) -> np.ndarray:
    arr = np.array(boxes, dtype=np.float64)  # a copy: callers' arrays are never modified
    if arr.size == 0 and arr.ndim < 2:
        arr = arr.reshape(0, 4)
    if arr.ndim < 1 or arr.shape[-1] < 4:
        raise ValueError(f'boxes must be (..., 4|5), got shape {arr.shape}')
    return arr


def boxes_to_crop(boxes: np.ndarray | Sequence[Any], crop_xyxy: np.ndarray | Sequence[float]
                  ) -> np.ndarray:
    """Image-pixel boxes to crop-pixel boxes (translation by the crop origin, no clipping).

    Args:
        boxes: ``(..., 4|5)`` ``x1, y1, x2, y2[, score]`` in image pixels.
        crop_xyxy: ``(4,)`` crop in image pixels (from :func:`crop_box`).

    Returns:
        float64 array of the same shape in crop pixels; columns past the 4th are copied.
    """
    out = _check_boxes(boxes)
    out[..., :4] -= _origin(crop_xyxy)
    return out


def boxes_from_crop(boxes: np.ndarray | Sequence[Any], crop_xyxy: np.ndarray | Sequence[float]
                    ) -> np.ndarray:
    """Crop-pixel boxes back to image-pixel boxes: the inverse of :func:`boxes_to_crop`.

    Args:
        boxes: ``(..., 4|5)`` ``x1, y1, x2, y2[, score]`` in crop pixels.
        crop_xyxy: ``(4,)`` crop in image pixels.

    Returns:
        float64 array of the same shape in image pixels; columns past the 4th are copied.
    """
    out = _check_boxes(boxes)
    out[..., :4] += _origin(crop_xyxy)
    return out


def clip_to_crop(boxes: np.ndarray | Sequence[Any], crop_xyxy: np.ndarray | Sequence[float],
                 min_size: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Clip crop-pixel boxes to the crop and flag the ones still (partly) inside it.

    Args:
        boxes: ``(N, 4|5)`` boxes in crop pixels.
        crop_xyxy: ``(4,)`` the crop in image pixels (only its size is used).
        min_size: A kept box has at least this width and height inside the crop (> 0).

    Returns:
        ``(clipped (N, 4|5) float64, keep (N,) bool)``.
    """
    if not min_size > 0:
        raise ValueError(f'min_size must be > 0, got {min_size}')
    out = _check_boxes(boxes)
    crop = np.asarray(crop_xyxy, dtype=np.float64)
    w, h = crop[2] - crop[0], crop[3] - crop[1]
    out[..., 0:4:2] = np.clip(out[..., 0:4:2], 0.0, w)
    out[..., 1:4:2] = np.clip(out[..., 1:4:2], 0.0, h)
    keep = ((out[..., 2] - out[..., 0]) >= min_size) & ((out[..., 3] - out[..., 1]) >= min_size)
    return out, keep


# ---------------------------------------------------------------------------------------------
# crop dataset writer


def _load_coco(path: str) -> dict[str, Any]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: COCO json not found')
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: line {e.lineno}: invalid JSON ({e.msg})') from e
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a COCO object, got {type(data).__name__}')
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(data.get(key), list):
            raise ValueError(f'{path}: key "{key}" missing or not a list')
    return data


def _xywh(ann: Mapping[str, Any], path: str, index: int) -> np.ndarray:
    bbox = ann.get('bbox')
    ok = isinstance(bbox, list) and len(bbox) == 4
    arr = np.asarray(bbox if ok else [np.nan] * 4, dtype=np.float64)
    if not ok or not np.isfinite(arr).all() or arr[2] < 0 or arr[3] < 0:
        raise ValueError(f'{path}: annotations[{index}] (id {ann.get("id")}): "bbox" must be '
                         f'[x, y, w, h] with w, h >= 0, got {bbox!r}')
    return np.array([arr[0], arr[1], arr[0] + arr[2], arr[1] + arr[3]])


def _require(ann: Mapping[str, Any], key: str, path: str, index: int) -> Any:
    if key not in ann:
        raise ValueError(f'{path}: annotations[{index}] (id {ann.get("id")}): missing "{key}"')
    return ann[key]


def make_person_crops(person_json: str, parts_json: str, img_root: str, out_dir: str,
                      split: str, scale: float = DEFAULT_SCALE, min_person_size: float = 1.0,
                      min_part_size: float = 1.0) -> dict[str, int]:
    """Write one split of the person-crop dataset (layout in the module docstring).

    Args:
        person_json: COCO json with the person boxes (``bbox`` x, y, w, h in pixels).
        parts_json: COCO json with the part boxes of the same images; each part annotation needs
            ``person_id``, as does each person annotation, to pair parts with their person.
        img_root: Folder the images' ``file_name`` are relative to.
        out_dir: Output root (``images/<split>/``, ``annotations/<split>.json``).
        split: Name of the split (file names only).
        scale: Crop enlargement (see :func:`crop_box`).
        min_person_size: Skip persons whose box is narrower or lower than this (pixels).
        min_part_size: Drop parts with less than this width or height inside the crop.

    Returns:
        dict: counts ``crops``, ``parts``, ``truncated_parts``, ``dropped_parts``,
        ``skipped_persons``.
    """
    import cv2

    persons, parts = _load_coco(person_json), _load_coco(parts_json)
    images: dict[Any, Mapping[str, Any]] = {}
    for i, img in enumerate(persons['images']):
        if not isinstance(img, dict) or 'id' not in img or 'file_name' not in img:
            raise ValueError(f'{person_json}: images[{i}]: needs "id" and "file_name"')
        images[img['id']] = img
    for i, img in enumerate(parts['images']):
        if isinstance(img, dict) and img.get('id') in images \
                and img.get('file_name') != images[img['id']]['file_name']:
            raise ValueError(f'{parts_json}: images[{i}] (id {img.get("id")}): file_name '
                             f'{img.get("file_name")!r} differs from {person_json} '
                             f'({images[img["id"]]["file_name"]!r})')

    parts_of: dict[tuple[Any, Any], list[tuple[np.ndarray, Mapping[str, Any]]]] = defaultdict(list)
    for i, ann in enumerate(parts['annotations']):
        key = (_require(ann, 'image_id', parts_json, i), _require(ann, 'person_id', parts_json, i))
        _require(ann, 'category_id', parts_json, i)
        parts_of[key].append((_xywh(ann, parts_json, i), ann))

    person_anns = []
    for i, ann in enumerate(persons['annotations']):
        image_id = _require(ann, 'image_id', person_json, i)
        if image_id not in images:
            raise ValueError(f'{person_json}: annotations[{i}] (id {ann.get("id")}): image_id '
                             f'{image_id!r} not in "images"')
        _require(ann, 'person_id', person_json, i)
        person_anns.append((image_id, _require(ann, 'id', person_json, i), i, ann))
    person_anns.sort(key=lambda t: (str(t[0]), str(t[1])))

    out_images: list[dict[str, Any]] = []
    out_anns: list[dict[str, Any]] = []
    stats = dict(crops=0, parts=0, truncated_parts=0, dropped_parts=0, skipped_persons=0)
    frame_cache: tuple[Any, np.ndarray | None] = (None, None)
    for image_id, ann_id, i, ann in person_anns:
        xyxy = _xywh(ann, person_json, i)
        if ann.get('iscrowd', 0) or min(xyxy[2] - xyxy[0], xyxy[3] - xyxy[1]) < min_person_size:
            stats['skipped_persons'] += 1
            continue
        info = images[image_id]
        if frame_cache[0] != image_id:
            path = osp.join(img_root, info['file_name'])
            loaded = cv2.imread(path, cv2.IMREAD_COLOR)
            if loaded is None:
                raise FileNotFoundError(f'{person_json}: image id {image_id}: cannot read {path}')
            frame_cache = (image_id, loaded)
        frame = frame_cache[1]
        assert frame is not None
        h, w = frame.shape[:2]
        if (info.get('width', w), info.get('height', h)) != (w, h):
            raise ValueError(f'{person_json}: image id {image_id}: width/height '
                             f'{info.get("width")}x{info.get("height")} but the file is {w}x{h}')
        crop = crop_box(xyxy, scale, w, h)
        x1, y1, x2, y2 = (int(v) for v in crop)
        stem = osp.splitext(info['file_name'])[0]
        file_name = f'{split}/{stem}_p{ann_id}.png'
        ok, png = cv2.imencode('.png', frame[y1:y2, x1:x2])
        if not ok:
            raise OSError(f'cannot encode crop {file_name}')
        atomic_write_bytes(osp.join(out_dir, 'images', file_name), png.tobytes())
        crop_id = len(out_images) + 1
        out_images.append(dict(
            id=crop_id, file_name=file_name, width=x2 - x1, height=y2 - y1,
            source_image_id=image_id, source_file_name=info['file_name'], person_ann_id=ann_id,
            person_id=ann['person_id'], crop_xyxy=[x1, y1, x2, y2]))
        stats['crops'] += 1

        own = parts_of.get((image_id, ann['person_id']), [])
        if not own:
            continue
        in_crop = boxes_to_crop(np.stack([b for b, _ in own]), crop)
        clipped, keep = clip_to_crop(in_crop, crop, min_part_size)
        for (_, part), box, raw, kept in zip(own, clipped, in_crop, keep):
            if not kept:
                stats['dropped_parts'] += 1
                continue
            truncated = bool(np.any(np.abs(box - raw) > 0))
            stats['parts'] += 1
            stats['truncated_parts'] += int(truncated)
            bw, bh = float(box[2] - box[0]), float(box[3] - box[1])
            out_anns.append(dict(
                id=len(out_anns) + 1, image_id=crop_id, category_id=part['category_id'],
                bbox=[round(float(box[0]), 3), round(float(box[1]), 3), round(bw, 3),
                      round(bh, 3)],
                area=round(bw * bh, 3), iscrowd=0, truncated=truncated,
                **{k: part[k] for k in ('part', 'person_id') if k in part}))

    atomic_write_json(osp.join(out_dir, 'annotations', f'{split}.json'), dict(
        info=dict(description=f'person crops (scale {scale}) of {osp.basename(person_json)} '
                              f'with parts of {osp.basename(parts_json)}', crop_scale=scale),
        images=out_images, annotations=out_anns, categories=parts['categories']), indent=None)
    return stats


def main(argv: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(
        description='Write a top-down body-part dataset of person crops (COCO format)')
    parser.add_argument('--out', required=True, help='output root')
    parser.add_argument('--root', help='synthetic benchmark root: coco/person_keypoints_<split>'
                        '.json, coco/body_parts_<split>.json, images in ava/rawframes')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'], help='with --root')
    parser.add_argument('--person-json', help='COCO person json (instead of --root)')
    parser.add_argument('--parts-json', help='COCO body-part json (instead of --root)')
    parser.add_argument('--img-root', help='image root of the jsons (instead of --root)')
    parser.add_argument('--split', help='split name (instead of --root)')
    parser.add_argument('--scale', type=float, default=DEFAULT_SCALE)
    parser.add_argument('--min-person-size', type=float, default=1.0)
    parser.add_argument('--min-part-size', type=float, default=1.0)
    args = parser.parse_args(argv)

    explicit = (args.person_json, args.parts_json, args.img_root, args.split)
    if args.root:
        if any(explicit):
            parser.error('--root excludes --person-json/--parts-json/--img-root/--split')
        jobs = [(osp.join(args.root, 'coco', f'person_keypoints_{s}.json'),
                 osp.join(args.root, 'coco', f'body_parts_{s}.json'),
                 osp.join(args.root, 'ava', 'rawframes'), s) for s in args.splits]
    elif all(explicit):
        jobs = [explicit]
    else:
        parser.error('give --root, or all of --person-json/--parts-json/--img-root/--split')
    result = {}
    for person_json, parts_json, img_root, split in jobs:
        stats = make_person_crops(person_json, parts_json, img_root, args.out, split,
                                  args.scale, args.min_person_size, args.min_part_size)
        result[split] = stats
        print(f'{split}: {stats["crops"]} crops, {stats["parts"]} parts '
              f'({stats["truncated_parts"]} truncated, {stats["dropped_parts"]} dropped, '
              f'{stats["skipped_persons"]} persons skipped) -> '
              f'{osp.join(args.out, "annotations", split + ".json")}')
    return result


if __name__ == '__main__':
    main()
