"""mmaction2's feature-bank operator head (long-term feature banks, Wu et al.) on the project's
safe, lazily loaded feature bank.

mmaction2's ``FBOHead`` reads its bank in ``__init__`` with ``torch.load`` from the ``lfb_*.pkl``
files that ``LFBInferHead`` writes in ``__del__`` (at interpreter exit, not resumable, one file
per split), and draws the window's features at random in testing too. :class:`BankFBOHead`
keeps mmaction2's operators (``FBOHead.fbo_dict``: ``non_local`` — the LFB paper's FBO —,
``avg``, ``max``) and its output, and takes the long-term features from a
:class:`~mmaction_plugins.datasets.feature_bank.FeatureBank` instead (written by
``tools/dump_features.py``, read on first use, deterministic in testing).
"""

from __future__ import annotations

import copy

import torch
from mmaction.models.roi_heads.shared_heads import FBOHead
from mmaction.registry import MODELS
from torch import Tensor, nn

from mmaction_plugins.datasets.feature_bank import FeatureBank

__all__ = ['BankFBOHead']


@MODELS.register_module()
class BankFBOHead(nn.Module):
    """Fuse each actor's short-term RoI feature with a long-term feature bank (shared head).

    ::

        RoI feats x (N, C, T, S, S)                bank window of the actor's keyframe
              | temporal pool (avg), spatial pool     | FeatureBank.padded: (L * K, C_lt), zeros
              v (max)                                 v  where a second has < K actors
        st (N, C, 1, 1, 1)                   lt (N, C_lt, L * K, 1, 1)
              +---------------> fbo(st, lt) <-------+   mmaction2's FBONonLocal / FBOAvg / FBOMax
              v                      v
        out = concat[st, fbo] (N, C + C_fbo, 1, 1, 1)  -> BBoxHeadAVA (in_channels = C + C_fbo)

    ``C_fbo`` is ``latent_channels`` for ``non_local`` and ``C_lt`` for ``avg`` / ``max``. The
    window has ``L = window[1] - window[0] + 1`` seconds; for ``non_local`` set
    ``fbo_cfg.num_lt_feat = L * max_per_keyframe`` (checked). Use it as ``AVARoIHead``'s
    ``shared_head=dict(type='mmaction.BankFBOHead', ...)``; the data samples must carry
    ``img_key`` (``PackActionInputs`` does).

    Args:
        bank: Keyword arguments of :class:`FeatureBank` (``root``, ``window``,
            ``max_per_keyframe``, ``exclude_current``, ``missing_video``).
        fbo_cfg: mmaction2's ``fbo_cfg`` (``type`` in ``non_local``, ``avg``, ``max`` and the
            operator's arguments).
        temporal_pool_type: ``'avg'`` or ``'max'``. Defaults to ``'avg'``.
        spatial_pool_type: ``'avg'`` or ``'max'``. Defaults to ``'max'``.
    """

    def __init__(self, bank: dict, fbo_cfg: dict, temporal_pool_type: str = 'avg',
                 spatial_pool_type: str = 'max') -> None:
        super().__init__()
        fbo_cfg = copy.deepcopy(dict(fbo_cfg))
        fbo_type = fbo_cfg.pop('type', 'non_local')
        if fbo_type not in FBOHead.fbo_dict:
            raise ValueError(f'fbo_cfg.type must be one of {sorted(FBOHead.fbo_dict)}, got '
                             f'{fbo_type!r}')
        if temporal_pool_type not in ('avg', 'max') or spatial_pool_type not in ('avg', 'max'):
            raise ValueError("pool types must be 'avg' or 'max', got "
                             f'{temporal_pool_type!r}, {spatial_pool_type!r}')
        self.feature_bank = FeatureBank(**bank)
        lo, hi = self.feature_bank.window_range
        self.num_lt_feat = (hi - lo + 1) * self.feature_bank.max_per_keyframe
        if fbo_type == 'non_local' and fbo_cfg.get('num_lt_feat') != self.num_lt_feat:
            raise ValueError(f'fbo_cfg.num_lt_feat ({fbo_cfg.get("num_lt_feat")}) must be the '
                             f'window length x max_per_keyframe = {self.num_lt_feat}')
        self.fbo_type = fbo_type
        self.fbo = FBOHead.fbo_dict[fbo_type](**fbo_cfg)
        self.temporal_pool = (nn.AdaptiveAvgPool3d((1, None, None)) if temporal_pool_type == 'avg'
                              else nn.AdaptiveMaxPool3d((1, None, None)))
        self.spatial_pool = (nn.AdaptiveAvgPool3d((None, 1, 1)) if spatial_pool_type == 'avg'
                             else nn.AdaptiveMaxPool3d((None, 1, 1)))

    def init_weights(self, pretrained: str | None = None) -> None:
        """mmaction2's initialisation of the operator."""
        self.fbo.init_weights(pretrained=pretrained)

    def long_term(self, rois: Tensor, img_metas: list[dict]) -> Tensor:
        """``(N, C_lt, L * K, 1, 1)`` bank windows of every RoI's clip."""
        self.feature_bank.train(self.training)
        per_clip: dict[int, Tensor] = {}
        out = []
        for ind in rois[:, 0].long().tolist():
            if ind not in per_clip:
                per_clip[ind] = self.feature_bank.padded(*FeatureBank.key_of(img_metas[ind]))
            out.append(per_clip[ind])
        if not out:
            return rois.new_zeros(0, self.feature_bank.channels, self.num_lt_feat, 1, 1)
        lt = torch.stack(out).to(rois.device)  # (N, L*K, C_lt)
        return lt.permute(0, 2, 1).contiguous()[..., None, None]

    def forward(self, x: Tensor, rois: Tensor, img_metas: list[dict], **kwargs) -> Tensor:
        """``(N, C, T, S, S)`` RoI features -> ``(N, C + C_fbo, 1, 1, 1)``."""
        st = self.spatial_pool(self.temporal_pool(x))
        lt = self.long_term(rois, img_metas).to(st.dtype)
        return torch.cat([st, self.fbo(st, lt)], dim=1)
