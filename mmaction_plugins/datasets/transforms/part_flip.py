"""Horizontal flip of the part-state input that also swaps left and right parts.

mmaction2's / mmdet's flips mirror boxes but keep their labels; a mirrored left arm looks like a
right arm, so here the per-part arrays trade places (:func:`~.part_geometry.flip_permutation`):
after the flip, slot ``k`` holds what slot ``perm[k]`` held, with its box mirrored. ``part_order``
follows, so predictions made on a flipped input can be written back to the right frame parts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from mmaction_plugins.datasets.transforms.part_geometry import flip_permutation

__all__ = ['PartFlip']

#: per-part arrays that trade places under a flip (when present)
PART_KEYS = ('part_boxes', 'part_valid', 'part_states', 'part_scores', 'part_order')


@TRANSFORMS.register_module()
class PartFlip(BaseTransform):
    """Mirror the input with probability ``flip_ratio``; swap left/right parts.

    One ``np.random.rand()`` draw per call (numpy's global RNG). Boxes: ``x -> W - x`` with
    ``x1``/``x2`` exchanged, ``W`` the input width (mmdet's continuous pixel convention).

    Required keys: ``imgs``, ``part_names``, ``part_boxes``, ``part_valid``, ``part_affine``.
    Modified: the images, the keys of :data:`PART_KEYS` present, ``part_affine``, ``flipped``.

    Args:
        flip_ratio: Probability of flipping. Defaults to 0.5.
    """

    def __init__(self, flip_ratio: float = 0.5) -> None:
        if not 0 <= flip_ratio <= 1:
            raise ValueError(f'flip_ratio must be in [0, 1], got {flip_ratio}')
        self.flip_ratio = flip_ratio
        self._perms: dict[tuple[str, ...], np.ndarray] = {}

    def transform(self, results: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in ('imgs', 'part_names', 'part_boxes', 'part_valid', 'part_affine')
                   if k not in results]
        if missing:
            raise KeyError(f'PartFlip: results lack {missing} (img_key '
                           f'{results.get("img_key")!r})')
        flip = np.random.rand() < self.flip_ratio  # noqa: NPY002  (global RNG, as mmaction2's Flip)
        results['flipped'] = bool(results.get('flipped', False)) ^ bool(flip)
        if not flip:
            return results
        names = tuple(results['part_names'])
        if names not in self._perms:
            self._perms[names] = flip_permutation(names)
        perm = self._perms[names]
        width = results['imgs'][0].shape[1]
        results['imgs'] = [np.ascontiguousarray(im[:, ::-1]) for im in results['imgs']]
        for key in PART_KEYS:
            if key in results:
                results[key] = np.asarray(results[key])[perm]
        boxes = np.array(results['part_boxes'], dtype=np.float64)
        mirrored = boxes.copy()
        mirrored[:, 0], mirrored[:, 2] = width - boxes[:, 2], width - boxes[:, 0]
        valid = np.asarray(results['part_valid'], bool)
        results['part_boxes'] = np.where(valid[:, None], mirrored, 0.0).astype(np.float32)
        results['part_affine'] = results['part_affine'].hflip(width)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(flip_ratio={self.flip_ratio})'
