"""Box jittering for training RoI action heads (ACAR-Net's "BBox jittering", seed report ``001``).

:class:`BoxJitter` moves and rescales the pixel boxes an mmaction2 AVA pipeline carries
(``gt_bboxes`` and / or ``proposals``, ``(N, 4)`` ``x1, y1, x2, y2`` after ``RawFrameDecode`` has
scaled them to pixels, before any resize / crop / flip) by random amounts proportional to each
box's size, so that the RoI head sees slightly misplaced actors with unchanged labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

__all__ = ['BoxJitter']


def _fit(lo: np.ndarray, hi: np.ndarray, limit: float, min_size: float
         ) -> tuple[np.ndarray, np.ndarray]:
    """Clip the intervals ``[lo, hi]`` to ``[0, limit]`` and widen those shorter than
    ``min(min_size, limit)`` around their centre, shifted back inside ``[0, limit]``."""
    m = min(min_size, limit)
    lo = np.clip(lo, 0.0, limit)
    hi = np.clip(hi, 0.0, limit)
    small = hi - lo < m
    if small.any():
        centre = (lo[small] + hi[small]) * 0.5
        new_lo = np.clip(centre - m * 0.5, 0.0, limit - m)
        lo[small] = new_lo
        hi[small] = np.minimum(new_lo + m, limit)
    return lo, hi


@TRANSFORMS.register_module()
class BoxJitter(BaseTransform):
    """Randomly shift and rescale boxes in proportion to their size, inside the image.

    For every box of every key in ``keys`` (``w = x2 - x1``, ``h = y2 - y1``)::

        centre:  cx' = cx + u_x * w,   cy' = cy + u_y * h,   u ~ U(-shift_ratio, shift_ratio)
        size:    w'  = w * s_x,        h'  = h * s_y,        s ~ U(1 - scale_ratio, 1 + scale_ratio)
        then:    clip to [0, W] x [0, H] (``img_shape`` = (H, W), mmdet's continuous pixel
                 convention) and widen any side shorter than min_size (at most the image side)
                 around its centre, shifted back inside the image

    so that every output box has ``x2 > x1``, ``y2 > y1`` (by at least ``min_size`` where the
    image allows) and lies inside the image. With probability ``1 - prob`` the sample is left
    as it is (one ``np.random.rand()`` draw per call, like mmaction2's ``Flip``); otherwise every
    box gets independent draws (four ``np.random.uniform`` values per box, in ``keys`` order:
    shifts ``(N, 2)`` then scales ``(N, 2)``), so seeding numpy's global RNG (mmengine's
    ``randomness.seed``) makes it reproducible. Labels (``gt_labels``) and every other key are
    untouched; extra columns of a box array (e.g. a proposal score) are kept; the dtype is kept
    (float32 in mmaction2's pipeline). Missing keys and None values are skipped.

    ACAR-Net jitters each corner coordinate by ``U(-0.075, 0.075)`` times the box size; the
    defaults give the same ranges (centre shift up to 7.5 % of the size, size change up to
    15 %) with independent shift and scale draws.

    Place it after the frame decoding (pixel boxes, ``img_shape`` set) and before resize / crop /
    flip. Jittered ``gt_bboxes`` are also the assigner's targets (and, with
    ``add_gt_as_proposals``, RoIs); jittered ``proposals`` are assigned to the unjittered ground
    truth at the assigner's IoU threshold.

    Required keys: ``img_shape`` and the boxes of ``keys``. Modified keys: those boxes.

    Args:
        keys: Box arrays to jitter, ``(N, >=4)`` each. Defaults to ``('gt_bboxes',)``.
        shift_ratio: Largest centre shift, as a fraction of the box width / height.
            Defaults to 0.075.
        scale_ratio: Largest relative change of the width / height; in ``[0, 1)``.
            Defaults to 0.15.
        prob: Probability of jittering a sample. Defaults to 1.0.
        min_size: Smallest output width / height in pixels (capped by the image side); > 0.
            Defaults to 1.0.
    """

    def __init__(self, keys: str | Sequence[str] = ('gt_bboxes',), shift_ratio: float = 0.075,
                 scale_ratio: float = 0.15, prob: float = 1.0, min_size: float = 1.0) -> None:
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        if not keys or not all(isinstance(k, str) for k in keys):
            raise ValueError(f'keys must be one or more result keys, got {keys!r}')
        if not shift_ratio >= 0:
            raise ValueError(f'shift_ratio must be >= 0, got {shift_ratio}')
        if not 0 <= scale_ratio < 1:
            raise ValueError(f'scale_ratio must be in [0, 1), got {scale_ratio}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if not min_size > 0:
            raise ValueError(f'min_size must be > 0, got {min_size}')
        self.keys = keys
        self.shift_ratio = float(shift_ratio)
        self.scale_ratio = float(scale_ratio)
        self.prob = float(prob)
        self.min_size = float(min_size)

    def _jitter(self, key: str, boxes: np.ndarray, img_h: float, img_w: float) -> np.ndarray:
        """Jitter ``(N, >=4)`` boxes; returns a new array of the same shape and dtype."""
        arr = np.asarray(boxes)
        if arr.ndim != 2 or arr.shape[1] < 4:
            raise ValueError(f'{key}: expected an (N, 4) box array, got shape {arr.shape}')
        dtype = arr.dtype if np.issubdtype(arr.dtype, np.floating) else np.dtype(np.float32)
        out = arr.astype(dtype, copy=True)
        n = arr.shape[0]
        if n == 0:
            return out
        b = arr[:, :4].astype(np.float64)
        if not np.isfinite(b).all():
            raise ValueError(f'{key}: boxes must be finite')
        w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        if (w < 0).any() or (h < 0).any():
            i = int(np.argmax((w < 0) | (h < 0)))
            raise ValueError(f'{key}: box {i} has x2 < x1 or y2 < y1: {b[i].tolist()}')
        # numpy's global RNG on purpose, as mmaction2's transforms: mmengine seeds it per worker
        lo_s, hi_s = 1 - self.scale_ratio, 1 + self.scale_ratio
        shift = np.random.uniform(-self.shift_ratio, self.shift_ratio, (n, 2))  # noqa: NPY002
        scale = np.random.uniform(lo_s, hi_s, (n, 2))  # noqa: NPY002
        cx = (b[:, 0] + b[:, 2]) * 0.5 + shift[:, 0] * w
        cy = (b[:, 1] + b[:, 3]) * 0.5 + shift[:, 1] * h
        half_w, half_h = w * scale[:, 0] * 0.5, h * scale[:, 1] * 0.5
        x1, x2 = _fit(cx - half_w, cx + half_w, img_w, self.min_size)
        y1, y2 = _fit(cy - half_h, cy + half_h, img_h, self.min_size)
        out[:, :4] = np.stack([x1, y1, x2, y2], axis=1).astype(dtype)
        return out

    def transform(self, results: dict) -> dict:
        """Jitter the boxes of ``results`` (in place of the arrays under ``keys``).

        Args:
            results: Pipeline dict with ``img_shape`` ``(H, W)`` and pixel boxes under ``keys``.

        Returns:
            The same dict.
        """
        if 'img_shape' not in results:
            raise KeyError('BoxJitter needs results["img_shape"]: place it after the frame '
                           'decoding')
        img_h, img_w = (float(v) for v in results['img_shape'][:2])
        if img_h <= 0 or img_w <= 0:
            raise ValueError(f'img_shape must be positive, got {results["img_shape"]}')
        if not np.random.rand() < self.prob:  # noqa: NPY002  (global RNG, as mmaction2's Flip)
            return results
        for key in self.keys:
            if results.get(key) is not None:
                results[key] = self._jitter(key, results[key], img_h, img_w)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(keys={self.keys}, shift_ratio={self.shift_ratio}, '
                f'scale_ratio={self.scale_ratio}, prob={self.prob}, min_size={self.min_size})')
