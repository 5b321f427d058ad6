"""Spatio-Temporal SlowFast Self-Attention RoI head (seed report ``004``).

The slow (``7 x 1 x 1`` q / k / v projections) and fast (``1 x 1 x 1``) self-attention modules of
:mod:`~mmaction_plugins.models.roi_heads.slowfast_self_attention`, stacked ``num_layers`` times on
the SlowFast features, then RoIAlign per time step, global average or max pooling over time and
space, and mmaction2's linear classifier (``BBoxHeadAVA``, sigmoid + BCE).

Where the attention runs — a choice the report leaves open (its figures are not in the text).
Its motivation is "long-range interactions in the spatial axis and temporal axis ... hands, other
objects, and other humans" and that RoI pooling "across the entire temporal axis" loses time; its
Table 4.1 lists one backbone (I3D) with both modules; its Related Work builds on SAGAN, which
attends over a whole feature map. So by default (``placement='feature_map'``) both modules run on
the *clip's* feature map, where a person's positions can attend to other people and objects, with
time kept until after the attention; ``placement='roi'`` runs them on each person's RoI feature
instead (positions inside the box only). The two SlowFast pathways are fused into one map first
(channels concatenated at a common length ``temporal_size``), so that, as in the report, both
modules see the same features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmaction.models.roi_heads import AVARoIHead
from mmaction.registry import MODELS
from torch import Tensor, nn

from mmaction_plugins.models.roi_heads.slowfast_self_attention import SlowFastSelfAttentionLayer

__all__ = ['PLACEMENTS', 'POOLS', 'SlowFastSelfAttentionRoIHead', 'fuse_pathways']

#: Where the attention layers run: the clip's fused feature map, or each RoI's feature.
PLACEMENTS = ('feature_map', 'roi')
#: Pooling of the attended RoI features over time and space: GAP or GMP.
POOLS = ('avg', 'max')


def fuse_pathways(feats: Tensor | tuple[Tensor, ...], temporal_size: int | None = None) -> Tensor:
    """Concatenate the pathways of a SlowFast backbone along channels at one temporal length.

    A pathway longer than the target is average-pooled in time (``adaptive_avg_pool3d``), a
    shorter one is repeated (nearest, as mmaction2's ``SingleRoIExtractor3D`` upsamples the slow
    pathway); space is never resized.

    Args:
        feats: ``(B, C_i, T_i, H, W)`` per pathway (slow first), or one tensor.
        temporal_size: Target length; None: the longest pathway's ``T`` (mmaction2's choice).

    Returns:
        ``(B, sum C_i, T', H, W)``.
    """
    feats = feats if isinstance(feats, tuple | list) else (feats,)
    if not feats:
        raise ValueError('no feature maps to fuse')
    shapes = [tuple(f.shape) for f in feats]
    if any(len(s) != 5 for s in shapes) or len({(s[0], *s[3:]) for s in shapes}) != 1:
        raise ValueError(f'pathways must be (B, C, T, H, W) with the same B, H, W; got {shapes}')
    if temporal_size is not None and temporal_size < 1:
        raise ValueError(f'temporal_size must be >= 1, got {temporal_size}')
    t_out = max(s[2] for s in shapes) if temporal_size is None else temporal_size
    out = []
    for f in feats:
        _, _, t, h, w = f.shape
        if t > t_out:
            f = F.adaptive_avg_pool3d(f, (t_out, h, w))
        elif t < t_out:
            f = F.interpolate(f, size=(t_out, h, w), mode='nearest')
        out.append(f)
    return torch.cat(out, dim=1) if len(out) > 1 else out[0]


@MODELS.register_module()
class SlowFastSelfAttentionRoIHead(AVARoIHead):
    """mmaction2's ``AVARoIHead`` with slow / fast spatio-temporal self-attention.

    ::

        SlowFast features: slow (B, Cs, Ts, H, W), fast (B, Cf, Tf, H, W)
              | fuse_pathways(temporal_size): each resized in time to T (avg-pool down / repeat
              | up), channels concatenated (C = Cs + Cf = attention.in_channels)
              v
        fused (B, C, T, H, W)
              | placement='feature_map': num_layers x SlowFastSelfAttentionLayer (attends over
              |                          the clip: other people and objects are tokens too)
              v
        bbox_roi_extractor (SingleRoIExtractor3D, with_temporal_pool=False: RoIAlign per step)
              v
        RoI features (N, C', T, S, S)      (C' = 2C with the extractor's with_global)
              | placement='roi': num_layers x SlowFastSelfAttentionLayer on every RoI
              |                  (in_channels = C')
              v
        pool='avg' (GAP) or 'max' (GMP) over T, S, S  ->  (N, C', 1, 1, 1)
              v
        bbox_head (BBoxHeadAVA, in_channels = C'; its own pools are identities here): fc_cls
              -> cls_score (N, num_classes), sigmoid + BCE exactly as AVARoIHead

    One layer (:class:`SlowFastSelfAttentionLayer`) is ``y = x + slow(h) + fast(h)`` with
    LayerNorm over channels after the sum (``norm='post'``), on ``h`` (``'pre'``) or none;
    ``slow`` / ``fast`` project q / k / v with ``7x1x1`` / ``1x1x1`` convolutions to
    ``embed_dims`` (the report's "#dims") and attend over all ``T*H*W`` positions by default
    (``attend='hw'`` / ``'t'``: per frame / per position). Every layer has its own weights.

    Training, sampling, losses and test-time post-processing are ``AVARoIHead``'s; only
    ``_bbox_forward`` differs. Any number of persons per clip works, zero included (empty
    scores; mmaction2's ``BBoxHeadAVA.forward`` cannot take an empty batch, so its classifier is
    called directly then — the same map, its pools being identities here). Use it in an AVA-style
    FastRCNN config as ``roi_head=dict(type='mmaction.SlowFastSelfAttentionRoIHead', ...)``.

    Args:
        bbox_roi_extractor: ``SingleRoIExtractor3D`` config; must have
            ``with_temporal_pool=False`` (this head pools time itself, after the attention).
        bbox_head: ``BBoxHeadAVA`` config; ``in_channels`` = the RoI feature channels ``C'``.
        attention: Keyword arguments of :class:`SlowFastSelfAttentionLayer` (``in_channels``,
            ``slow``, ``fast``, ``norm``), the same for every layer.
        num_layers: Layers stacked (the report's "#layers"); >= 1. Defaults to 1.
        placement: One of :data:`PLACEMENTS`. Defaults to ``'feature_map'``.
        temporal_size: Common length of the fused pathways; None: the fast pathway's (longest)
            ``T``. Defaults to None.
        pool: One of :data:`POOLS` (the report's GAP / GMP). Defaults to ``'avg'``.
        shared_head: Not supported (the attention takes its place); must be None.
        train_cfg, test_cfg, init_cfg: As for ``AVARoIHead``.
    """

    def __init__(self, bbox_roi_extractor: dict, bbox_head: dict, attention: dict,
                 num_layers: int = 1, placement: str = 'feature_map',
                 temporal_size: int | None = None, pool: str = 'avg',
                 shared_head: dict | None = None, train_cfg: dict | None = None,
                 test_cfg: dict | None = None, init_cfg: dict | list[dict] | None = None,
                 **kwargs) -> None:
        if shared_head is not None:
            raise ValueError('SlowFastSelfAttentionRoIHead takes no shared_head: the attention '
                             'layers take its place')
        if placement not in PLACEMENTS:
            raise ValueError(f'placement must be one of {PLACEMENTS}, got {placement!r}')
        if pool not in POOLS:
            raise ValueError(f'pool must be one of {POOLS}, got {pool!r}')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        if temporal_size is not None and temporal_size < 1:
            raise ValueError(f'temporal_size must be >= 1, got {temporal_size}')
        if bbox_roi_extractor.get('with_temporal_pool', True):
            raise ValueError('SlowFastSelfAttentionRoIHead needs bbox_roi_extractor.'
                             'with_temporal_pool=False: time is kept through the attention and '
                             'pooled by the head (pool=...)')
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         train_cfg=train_cfg, test_cfg=test_cfg, init_cfg=init_cfg, **kwargs)
        self.placement = placement
        self.temporal_size = temporal_size
        self.pool = pool
        self.num_layers = num_layers
        self.attention = nn.Sequential(*(SlowFastSelfAttentionLayer(**attention)
                                         for _ in range(num_layers)))
        self.attn_channels = int(attention['in_channels'])
        head_in = getattr(self.bbox_head, 'in_channels', None)
        extra = 2 if self.bbox_roi_extractor.with_global else 1
        expected = self.attn_channels if placement == 'roi' else self.attn_channels * extra
        if head_in is not None and head_in != expected:
            raise ValueError(f'bbox_head.in_channels ({head_in}) must be {expected}: the '
                             f'attention width ({self.attn_channels})'
                             + (' x 2 for the extractor\'s with_global'
                                if placement == 'feature_map' and extra == 2 else ''))

    def _pool(self, feats: Tensor) -> Tensor:
        """``(N, C, T, S, S)`` -> ``(N, C, 1, 1, 1)``: GAP or GMP over time and space."""
        if feats.shape[0] == 0:
            return feats.new_zeros((0, feats.shape[1], 1, 1, 1))
        if self.pool == 'avg':
            return feats.mean(dim=(2, 3, 4), keepdim=True)
        return feats.amax(dim=(2, 3, 4), keepdim=True)

    def _bbox_forward(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                      batch_img_metas: list[dict], **kwargs) -> dict:
        """Fuse pathways -> attention (map or RoIs) -> RoIAlign per step -> pool -> classifier.

        Args:
            x: Backbone features, ``(B, C_i, T_i, H, W)`` per pathway.
            rois: ``(N, 5)`` RoIs ``batch_idx, x1, y1, x2, y2`` in input pixels (``N`` may be 0).
            batch_img_metas: Per-image metas (unused).

        Returns:
            ``cls_score`` ``(N, num_classes)`` and ``bbox_feats`` ``(N, C', 1, 1, 1)``.
        """
        fused = fuse_pathways(x, self.temporal_size)
        if fused.shape[1] != self.attn_channels and self.placement == 'feature_map':
            raise ValueError(f'the fused SlowFast features have {fused.shape[1]} channels, the '
                             f'attention expects attention.in_channels={self.attn_channels}')
        if self.placement == 'feature_map':
            fused = self.attention(fused)
        roi_feats, _ = self.bbox_roi_extractor(fused, rois)  # (N, C', T, S, S)
        if self.placement == 'roi':
            if roi_feats.shape[1] != self.attn_channels:
                raise ValueError(f'RoI features have {roi_feats.shape[1]} channels, the '
                                 f'attention expects attention.in_channels={self.attn_channels}')
            roi_feats = self.attention(roi_feats)
        bbox_feats = self._pool(roi_feats)
        if rois.shape[0] == 0:  # BBoxHeadAVA.forward cannot view an empty batch as (0, -1)
            cls_score = self.bbox_head.fc_cls(bbox_feats.flatten(1))
        else:
            cls_score = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_feats=bbox_feats)
