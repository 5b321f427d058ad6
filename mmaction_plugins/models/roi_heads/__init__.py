"""RoI heads for STAD, registered in ``mmaction.registry.MODELS`` where they are defined."""

from mmaction_plugins.models.roi_heads.pcca_head import (
    PCCARoIHead,
    PersonContextCrossAttention,
    context_rois,
    person_token_mask,
    token_centres,
)

__all__ = ['PCCARoIHead', 'PersonContextCrossAttention', 'context_rois', 'person_token_mask',
           'token_centres']
