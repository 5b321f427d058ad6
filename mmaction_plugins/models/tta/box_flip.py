"""Exact horizontal flip and rescaling of ``x1, y1, x2, y2`` boxes.

Coordinates are *continuous*: a box covering an image of width ``W`` is ``x1 = 0, x2 = W`` (mmdet's
and mmaction2's pipeline convention; relative boxes use ``W = 1``). A horizontal flip maps the
point ``x`` to ``W - x``, so a box ``(x1, x2)`` becomes ``(W - x2, W - x1)``. This is what
mmaction2's ``Flip`` transform does to ``gt_bboxes`` / ``proposals``, and it is its own inverse.

mmaction2's ``BBoxHeadAVA._predict_by_feat_single`` undoes a flip with ``img_w - 1 - x`` instead:
exact for integer pixel *indices* (pixel ``i`` of a flipped row is pixel ``W - 1 - i``), but off by
one pixel (``1 / W`` after normalisation) for the continuous boxes its own ``Flip`` produced. We use
``W - x`` everywhere and never let ``BBoxHeadAVA`` undo a flip (see
:mod:`mmaction_plugins.models.tta.stad_tta`).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

__all__ = ['flip_boxes', 'scale_boxes']

BoxArray = TypeVar('BoxArray', torch.Tensor, np.ndarray)


def _copy(boxes: BoxArray) -> BoxArray:
    if isinstance(boxes, torch.Tensor):
        return boxes.clone()
    return np.array(boxes, copy=True)


def _check(boxes: BoxArray) -> None:
    if boxes.shape[-1] != 4:
        raise ValueError(f'expected boxes (..., 4) as x1, y1, x2, y2, got {tuple(boxes.shape)}')


def flip_boxes(boxes: BoxArray, width: float) -> BoxArray:
    """Flip boxes horizontally inside an image of the given width.

    Args:
        boxes: ``(..., 4)`` boxes ``x1, y1, x2, y2`` (tensor or array; not modified).
        width: Image width in the boxes' unit: pixels, or 1.0 for relative boxes.

    Returns:
        The flipped boxes, same type and shape: ``x1' = width - x2``, ``x2' = width - x1``.
    """
    _check(boxes)
    out = _copy(boxes)
    out[..., 0] = width - boxes[..., 2]
    out[..., 2] = width - boxes[..., 0]
    return out


def scale_boxes(boxes: BoxArray, scale_x: float, scale_y: float) -> BoxArray:
    """Rescale boxes with an image resized by ``scale_x`` (width) and ``scale_y`` (height).

    Args:
        boxes: ``(..., 4)`` boxes ``x1, y1, x2, y2`` (not modified).
        scale_x: New width / old width.
        scale_y: New height / old height.

    Returns:
        The rescaled boxes, same type and shape.
    """
    _check(boxes)
    out = _copy(boxes)
    out[..., 0::2] = boxes[..., 0::2] * scale_x
    out[..., 1::2] = boxes[..., 1::2] * scale_y
    return out
