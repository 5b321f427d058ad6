"""Models: STAD RoI heads (``roi_heads``) and test-time augmentation (``tta``).

Importing this package registers the heads (mmaction ``MODELS``); it needs the upstream repairs of
:mod:`mmaction_plugins.compat`, which ``import mmaction_plugins`` applies first.
"""

from mmaction_plugins.models import part_state, roi_heads, tta
from mmaction_plugins.models.roi_heads import (
    HR2O,
    ACARRoIHead,
    PCCARoIHead,
    PersonContextCrossAttention,
)

__all__ = ['PCCARoIHead', 'PersonContextCrossAttention', 'roi_heads', 'tta', 'ACARRoIHead', 'HR2O',
           'part_state']
