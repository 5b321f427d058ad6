"""RoI heads for STAD, registered in ``mmaction.registry.MODELS`` where they are defined."""

from mmaction_plugins.models.roi_heads.acar_head import HR2O, ACARRoIHead, LongTermBankAttention
from mmaction_plugins.models.roi_heads.arm_head import ArmRoIHead, transfer_boxes
from mmaction_plugins.models.roi_heads.bank_fbo_head import BankFBOHead
from mmaction_plugins.models.roi_heads.global_context_head import GlobalContextHead
from mmaction_plugins.models.roi_heads.pcca_head import (
    PCCARoIHead,
    PersonContextCrossAttention,
    context_rois,
    person_token_mask,
    token_centres,
)
from mmaction_plugins.models.roi_heads.shared_head_chain import SharedHeadChain
from mmaction_plugins.models.roi_heads.slowfast_attention_head import (
    SlowFastSelfAttentionRoIHead,
    fuse_pathways,
)
from mmaction_plugins.models.roi_heads.slowfast_self_attention import (
    SlowFastSelfAttentionLayer,
    SpatioTemporalSelfAttention,
)

__all__ = ['ACARRoIHead', 'ArmRoIHead', 'BankFBOHead', 'GlobalContextHead', 'HR2O',
           'LongTermBankAttention', 'PCCARoIHead', 'PersonContextCrossAttention',
           'SharedHeadChain', 'SlowFastSelfAttentionLayer', 'SlowFastSelfAttentionRoIHead',
           'SpatioTemporalSelfAttention', 'context_rois', 'fuse_pathways', 'person_token_mask',
           'token_centres', 'transfer_boxes']
