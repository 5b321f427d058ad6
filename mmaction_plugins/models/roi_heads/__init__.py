"""RoI heads for STAD, registered in ``mmaction.registry.MODELS`` where they are defined."""

from mmaction_plugins.models.roi_heads.acar_head import HR2O, ACARRoIHead, LongTermBankAttention
from mmaction_plugins.models.roi_heads.bank_fbo_head import BankFBOHead
from mmaction_plugins.models.roi_heads.pcca_head import (
    PCCARoIHead,
    PersonContextCrossAttention,
    context_rois,
    person_token_mask,
    token_centres,
)

__all__ = ['PCCARoIHead', 'PersonContextCrossAttention', 'context_rois', 'person_token_mask',
           'token_centres', 'ACARRoIHead', 'BankFBOHead', 'HR2O', 'LongTermBankAttention']
