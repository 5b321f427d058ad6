"""Test-time augmentation for STAD models: exact box flips, multi-scale x flip ensembles."""

from mmaction_plugins.models.tta.box_flip import flip_boxes, scale_boxes
from mmaction_plugins.models.tta.stad_tta import (
    META_BOX_KEYS,
    TTAView,
    augment_sample,
    merge_view_predictions,
    stad_tta_predict,
    tta_views,
)
from mmaction_plugins.models.tta.stad_tta_model import STADTTAModel

__all__ = ['META_BOX_KEYS', 'STADTTAModel', 'TTAView', 'augment_sample', 'flip_boxes',
           'merge_view_predictions', 'scale_boxes', 'stad_tta_predict', 'tta_views']
