"""Pack a part-state sample: the input image tensor and an ``ActionDataSample`` with part fields.

Data sample fields (``P`` parts; tensors)::

    part_boxes   float32 (P, 4)  part boxes in input pixels (zeros for absent parts)
    part_valid   bool    (P,)    present parts
    part_states  int64   (P,)    ground-truth state per input slot, -1 where unknown / absent
    part_order   int64   (P,)    frame part index of each input slot (flips permute it)
    category     int64   ()      category index fed to the action embedding (-1: none)

and metainfo from ``meta_keys`` (identifiers of the person and its frame-space boxes, so that
predictions can be written to the submission without mapping boxes back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from mmaction.registry import TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import BaseTransform

__all__ = ['PackPartStateInputs']

DEFAULT_META_KEYS = ('img_key', 'video_id', 'frame', 'person_index', 'person_box',
                     'person_score', 'frame_part_boxes', 'frame_part_valid',
                     'frame_part_states', 'part_scores', 'img_shape', 'gt_category',
                     'part_affine_params', 'flipped')


@TRANSFORMS.register_module()
class PackPartStateInputs(BaseTransform):
    """``inputs`` ``(3, h, w)`` float32 (from ``imgs[0]``, HWC) and the data sample above.

    Required keys: ``imgs``, ``part_boxes``, ``part_valid``, ``part_order``. Optional:
    ``part_states`` (default all -1), ``category`` (default -1), the ``meta_keys``.

    Args:
        meta_keys: Keys copied into the metainfo when present (``part_affine`` is stored as
            ``part_affine_params``, a dict of floats).
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in ('imgs', 'part_boxes', 'part_valid', 'part_order')
                   if k not in results]
        if missing:
            raise KeyError(f'PackPartStateInputs: results lack {missing} (img_key '
                           f'{results.get("img_key")!r})')
        if len(results['imgs']) != 1:
            raise ValueError(f'PackPartStateInputs: expected one image, got '
                             f'{len(results["imgs"])} (img_key {results.get("img_key")!r})')
        img = np.ascontiguousarray(np.asarray(results['imgs'][0]).transpose(2, 0, 1))
        valid = np.asarray(results['part_valid'], bool)
        n = len(valid)
        boxes = np.asarray(results['part_boxes'], np.float32).reshape(n, 4)
        boxes = np.where(valid[:, None], boxes, 0.0).astype(np.float32)
        states = np.asarray(results.get('part_states', np.full(n, -1)), np.int64)
        states = np.where(valid, states, -1)
        sample = ActionDataSample()
        sample.set_field(torch.from_numpy(boxes), 'part_boxes')
        sample.set_field(torch.from_numpy(valid.copy()), 'part_valid')
        sample.set_field(torch.from_numpy(states), 'part_states')
        sample.set_field(torch.from_numpy(np.asarray(results['part_order'], np.int64)),
                         'part_order')
        sample.set_field(torch.tensor(int(results.get('category', -1)), dtype=torch.long),
                         'category')
        if 'part_affine' in results:
            results['part_affine_params'] = results['part_affine'].to_dict()
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=torch.from_numpy(img.astype(np.float32)), data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
