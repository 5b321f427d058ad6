"""``LabelSubset``: train an AVA-style head on a subset of the classes, every person kept.

The arm-action model of seed report ``003`` is trained on the arm-related classes only (the
report's "AVA arm action dataset", 27 classes). mmaction2's ``custom_classes`` would do it at the
dataset level, but drops every keyframe and every person without such a label — and mmaction2's
``BBoxHeadAVA`` computes its loss on RoIs with at least one positive label only (``pos_inds``), so
a person without any arm action would never teach the model to score arm actions low. This
transform keeps every keyframe and person and rewrites the one-hot labels instead::

    gt_labels (n, 1 + C) one-hot, column 0 = background (AVADataset, multilabel)
        -> (n, 1 + len(classes)):  [none | background, classes[0], ..., classes[-1]]

With ``with_none`` (default), column 0 becomes *none of these classes* (1 for a person without any
of them): build the head with ``BBoxHeadAVA(background_class=False)`` so that column 0 is a
class of the loss; then every person is a positive RoI for ``BBoxHeadAVA`` and the subset classes
get their negatives. Without it column 0 stays the (all-zero) background column and
``background_class=True`` is mmaction2's behaviour (persons without a subset label do not train).
Either way the model has ``num_classes = 1 + len(classes)``, and
``OfficialAVAMetric(custom_classes=classes, num_classes=1 + len(classes))`` scores it (the metric
skips column 0 and maps columns ``1..len(classes)`` back to the class ids).

Required keys: ``gt_labels``. Modified keys: ``gt_labels``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

__all__ = ['LabelSubset']


@TRANSFORMS.register_module()
class LabelSubset(BaseTransform):
    """Keep the label columns of ``classes`` (in this order) after a *none of them* column.

    Args:
        classes: Class ids (1-based, AVA ids = columns of the dataset's one-hot labels), unique.
        with_none: Column 0 is *none of these* (else the all-zero background). Defaults to True.
    """

    def __init__(self, classes: Sequence[int], with_none: bool = True) -> None:
        classes = [int(c) for c in classes]
        if not classes or len(set(classes)) != len(classes) or min(classes) < 1:
            raise ValueError(f'classes must be unique ids >= 1, got {classes}')
        self.classes = classes
        self.with_none = with_none

    @property
    def num_classes(self) -> int:
        """Columns of the new labels (column 0 included): the model's ``num_classes``."""
        return 1 + len(self.classes)

    def transform(self, results: dict) -> dict:
        """Rewrite ``gt_labels`` ``(n, 1 + C)`` -> ``(n, num_classes)``."""
        labels = np.asarray(results['gt_labels'])
        if labels.ndim != 2:
            raise ValueError(f'img_key {results.get("img_key")!r}: LabelSubset needs one-hot '
                             f'(multilabel) gt_labels (n, num_classes), got {labels.shape}')
        if max(self.classes) >= labels.shape[1]:
            raise ValueError(f'img_key {results.get("img_key")!r}: class {max(self.classes)} '
                             f'outside the {labels.shape[1]} label columns')
        sub = labels[:, [0, *self.classes]].astype(np.float32)
        sub[:, 0] = (sub[:, 1:].sum(axis=1) == 0) if self.with_none else 0.0
        results['gt_labels'] = sub
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(classes={self.classes}, with_none={self.with_none})'
