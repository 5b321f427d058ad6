"""Person crop and square crop for the part-state network, carrying the part boxes exactly.

The report (seed 002, Kinetics-TPS) feeds "a single frame of human body image" to the part-state
network, "scaled to 256x256 and then randomly cropped to 224". :class:`PersonPartCrop` cuts the
person out of the frame (the crop geometry of the top-down part detector,
:func:`~mmaction_plugins.datasets.person_crops.crop_box`) and resizes it to a fixed size;
:class:`PartRandomCrop` takes the random (training) or centre (test) square. Both move the part
boxes with the image and compose the frame -> input map in ``part_affine``
(:class:`~.part_geometry.PartAffine`).

Keys of the part-state pipeline (``P`` parts, frame pixels unless stated)::

    img              (H, W, 3) BGR frame (mmcv's LoadImageFromFile)       -> removed
    imgs             [(h, w, 3) RGB input]  (mmaction2 convention, so its ColorJitter applies)
    person_box       (4,) person box
    part_boxes       (P, 4) float32 part boxes, in *input* pixels after PersonPartCrop
    part_valid       (P,) bool: the part is present (annotated / detected and inside the input)
    part_order       (P,) int64: frame part index of each input slot (changes under flips)
    part_affine      PartAffine frame -> input
    img_shape        (h, w) of the input

A part that keeps less than ``min_part_size`` px of width or height inside the crop becomes
absent (``part_valid`` False, box zeroed); an absent part stays absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from mmaction_plugins.datasets.person_crops import DEFAULT_SCALE, crop_box
from mmaction_plugins.datasets.transforms.part_geometry import PartAffine

__all__ = ['PersonPartCrop', 'PartRandomCrop', 'clip_parts']


def _size(size: int | Sequence[int]) -> tuple[int, int]:
    """``(h, w)`` from an int or a pair."""
    h, w = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    if h <= 0 or w <= 0:
        raise ValueError(f'size must be positive, got {size}')
    return h, w


def clip_parts(boxes: np.ndarray, valid: np.ndarray, width: float, height: float,
               min_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Clip ``(P, 4)`` boxes to ``[0, width] x [0, height]``; parts with less than ``min_size``
    px of width or height left become absent and get the box ``0, 0, 0, 0``.

    Returns:
        ``(float32 (P, 4) boxes, (P,) bool valid)``.
    """
    out = np.array(boxes, dtype=np.float64).reshape(-1, 4)
    out[:, 0::2] = np.clip(out[:, 0::2], 0.0, width)
    out[:, 1::2] = np.clip(out[:, 1::2], 0.0, height)
    keep = np.asarray(valid, bool) & ((out[:, 2] - out[:, 0]) >= min_size) \
        & ((out[:, 3] - out[:, 1]) >= min_size)
    out[~keep] = 0.0
    return out.astype(np.float32), keep


def _check(results: dict[str, Any], keys: Sequence[str], name: str) -> None:
    missing = [k for k in keys if k not in results]
    if missing:
        raise KeyError(f'{name}: results lack {missing} (img_key {results.get("img_key")!r})')


@TRANSFORMS.register_module()
class PersonPartCrop(BaseTransform):
    """Crop the person (``crop_box``: ``scale`` x the box, whole pixels, clipped to the frame)
    and resize the crop to ``size``; map the part boxes with it.

    Required keys: ``img``, ``person_box``, ``part_boxes``, ``part_valid``. Added / modified:
    ``imgs``, ``img_shape``, ``part_boxes``, ``part_valid``, ``part_order``, ``part_affine``,
    ``crop_xyxy``; ``img`` is removed.

    Args:
        size: Output ``(h, w)`` or one int (the report: 256). Aspect ratio is not kept.
        scale: Crop enlargement about the person box. Defaults to 1.25 (the part detector's).
        to_rgb: Convert the BGR frame to RGB. Defaults to True.
        min_part_size: See the module docstring. Defaults to 1.0 (frame pixels, before resize).
        interpolation: cv2 flag name for the resize. Defaults to ``'bilinear'``.
    """

    def __init__(self, size: int | Sequence[int] = 256, scale: float = DEFAULT_SCALE,
                 to_rgb: bool = True, min_part_size: float = 1.0,
                 interpolation: str = 'bilinear') -> None:
        import cv2

        self.size = _size(size)
        if not scale > 0:
            raise ValueError(f'scale must be > 0, got {scale}')
        self.scale = float(scale)
        self.to_rgb = to_rgb
        self.min_part_size = float(min_part_size)
        flags = dict(bilinear=cv2.INTER_LINEAR, nearest=cv2.INTER_NEAREST,
                     area=cv2.INTER_AREA, bicubic=cv2.INTER_CUBIC)
        if interpolation not in flags:
            raise ValueError(f'interpolation must be one of {sorted(flags)}, got '
                             f'{interpolation!r}')
        self.interpolation = flags[interpolation]

    def transform(self, results: dict[str, Any]) -> dict[str, Any]:
        import cv2

        _check(results, ('img', 'person_box', 'part_boxes', 'part_valid'), 'PersonPartCrop')
        frame = results.pop('img')
        h, w = frame.shape[:2]
        crop = crop_box(np.asarray(results['person_box'], np.float64)[:4], self.scale, w, h)
        x1, y1, x2, y2 = (int(v) for v in crop)
        boxes = np.asarray(results['part_boxes'], np.float64).reshape(-1, 4) - [x1, y1, x1, y1]
        boxes, valid = clip_parts(boxes, results['part_valid'], x2 - x1, y2 - y1,
                                  self.min_part_size)
        out_h, out_w = self.size
        sx, sy = out_w / (x2 - x1), out_h / (y2 - y1)
        affine = PartAffine().translate(x1, y1).scale(sx, sy)
        img = cv2.resize(frame[y1:y2, x1:x2], (out_w, out_h), interpolation=self.interpolation)
        if self.to_rgb:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        scaled = boxes.astype(np.float64) * [sx, sy, sx, sy]
        results['imgs'] = [img]
        results['img_shape'] = (out_h, out_w)
        results['part_boxes'] = np.where(valid[:, None], scaled, 0.0).astype(np.float32)
        results['part_valid'] = valid
        results.setdefault('part_order', np.arange(len(valid), dtype=np.int64))
        results['part_affine'] = affine
        results['crop_xyxy'] = crop
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(size={self.size}, scale={self.scale}, '
                f'to_rgb={self.to_rgb}, min_part_size={self.min_part_size})')


@TRANSFORMS.register_module()
class PartRandomCrop(BaseTransform):
    """A ``size`` crop of the input at a random (``random=True``) or the centre position, with
    the part boxes.

    The offset is a whole pixel: ``np.random.randint(0, W - w + 1)`` (and the same for y; one
    draw each, numpy's global RNG, so mmengine's ``randomness.seed`` reproduces it), or
    ``(W - w) // 2`` for the centre. Parts cut to less than ``min_part_size`` input pixels become
    absent.

    Required keys: ``imgs``, ``part_boxes``, ``part_valid``, ``part_affine``. Modified: the same
    and ``img_shape``.

    Args:
        size: Crop ``(h, w)`` or one int (the report: 224); at most the input size.
        random: Random position (training) or the centre (test). Defaults to True.
        min_part_size: See above. Defaults to 1.0.
    """

    def __init__(self, size: int | Sequence[int] = 224, random: bool = True,
                 min_part_size: float = 1.0) -> None:
        self.size = _size(size)
        self.random = random
        self.min_part_size = float(min_part_size)

    def transform(self, results: dict[str, Any]) -> dict[str, Any]:
        _check(results, ('imgs', 'part_boxes', 'part_valid', 'part_affine'), 'PartRandomCrop')
        img = results['imgs'][0]
        h, w = img.shape[:2]
        ch, cw = self.size
        if ch > h or cw > w:
            raise ValueError(f'PartRandomCrop: crop {ch}x{cw} larger than the input {h}x{w} '
                             f'(img_key {results.get("img_key")!r})')
        if self.random:
            # numpy's global RNG, seeded by mmengine's randomness.seed (as mmaction2's crops)
            dx = np.random.randint(0, w - cw + 1)  # noqa: NPY002
            dy = np.random.randint(0, h - ch + 1)  # noqa: NPY002
        else:
            dx, dy = (w - cw) // 2, (h - ch) // 2
        boxes = np.asarray(results['part_boxes'], np.float64) - [dx, dy, dx, dy]
        boxes, valid = clip_parts(boxes, results['part_valid'], cw, ch, self.min_part_size)
        results['imgs'] = [np.ascontiguousarray(im[dy:dy + ch, dx:dx + cw])
                           for im in results['imgs']]
        results['img_shape'] = (ch, cw)
        results['part_boxes'] = boxes
        results['part_valid'] = valid
        results['part_affine'] = results['part_affine'].translate(dx, dy)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size}, random={self.random})'
