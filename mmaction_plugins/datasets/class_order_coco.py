"""mmdet's ``CocoDataset`` that refuses a class list whose order differs from the file's.

mmdet numbers the labels of a COCO file in the order of the file's ``categories`` that are named
in ``metainfo.classes`` (``COCO.get_cat_ids`` keeps the file's order), while the model, its
``dataset_meta`` and everything downstream call label ``i`` ``classes[i]``. A config listing the
same classes in another order therefore trains a detector whose class names are silently
permuted (a class missing from the file shifts the later ones the same way), and mmdet's
``CocoMetric`` maps labels back with the same file order, so the validation mAP does not show it.
:class:`ClassOrderCocoDataset` raises instead, naming the file and both orders. The multi-class
detectors of this project (body parts, Kinetics-TPS parts) use it; for one class (``person``)
there is nothing to permute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmdet.datasets import CocoDataset
from mmdet.datasets.api_wrappers import COCO
from mmdet.registry import DATASETS

__all__ = ['ClassOrderCocoDataset']


class _ClassOrderError(ValueError):
    """Raised by :class:`_OrderCheckedCOCO`; re-raised with the file name by the dataset."""


class _OrderCheckedCOCO(COCO):
    """mmdet's COCO wrapper whose ``get_cat_ids(cat_names=...)`` checks that the ids it returns
    (file order) name exactly ``cat_names``, in that order."""

    def get_cat_ids(self, cat_names: Sequence[str] = (), sup_names: Sequence[str] = (),
                    cat_ids: Sequence[int] = ()) -> list[int]:
        ids = list(super().get_cat_ids(list(cat_names), list(sup_names), list(cat_ids)))
        if cat_names:
            found = [self.cats[i]['name'] for i in ids]
            if found != list(cat_names):
                missing = [n for n in cat_names if n not in found]
                raise _ClassOrderError(
                    f'metainfo classes {list(cat_names)} must name the file\'s categories in the '
                    f'file\'s order, which is {found}' + (f' (missing: {missing})' if missing
                                                          else '') +
                    ': mmdet numbers labels in the file\'s order, so another order would '
                    'silently rename every class')
        return ids


@DATASETS.register_module()
class ClassOrderCocoDataset(CocoDataset):
    """``CocoDataset`` (same arguments) that raises ``ValueError`` naming ``ann_file`` when
    ``metainfo.classes`` is not the file's category order (see the module docstring)."""

    COCOAPI = _OrderCheckedCOCO

    def load_data_list(self) -> list[dict[str, Any]]:
        try:
            return super().load_data_list()
        except _ClassOrderError as e:
            raise ValueError(f'{self.ann_file}: {e}') from None
