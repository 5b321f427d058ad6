"""Part-state head: RoI part features, body feature, action embedding, part attention, one
classifier per part.

Seed 002 (Kinetics-TPS, 1st place, DeeperAction 2021; report Sec. 2.3 and Fig. 2): "perform RoI
Pooling [on the backbone's middle layer] to obtain part features; connate human body feature on
each part [...]; use Multi-Head Attention to fuse information from body parts; add action
category information to the network", one state classifier per part. Every one of these is an
argument here, so the rows of the report's Table 3 (augmentation / +action info / +RoI pooling /
+multi-head attention) are configs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['PartStateHead']


@MODELS.register_module()
class PartStateHead(nn.Module):
    """Per-part state logits from a person crop's feature maps.

    ::

        middle map (B, Cm, h, w)   part boxes (B, P, 4)      last map (B, Cb, h', w')
              |                          |                           |
              +---- RoIAlign k x k, avg -+  (with_roi_pool)          | global avg pool
              v                                                      v
        part feat (B, P, Cm) -> Linear -> (B, P, Dp)          body feat (B, Cb)
              |                                                      | (broadcast to P)
              +------------------ concat ----------------------------+  (with_body_feat, or
              |                     ^                                     always without RoI)
              |   action embedding  |  Embedding(C, Da)[category] (B, Da)  (with_action,
              |                     +-- broadcast to P                     action_fusion='concat')
              v
        Linear -> tokens (B, P, D)  [+ part embedding (P, D)]  [+ action (B, D): 'add']
              |
        PartTokenAttention over the P tokens, absent parts masked  (with_attention)
              v
        Dropout -> classifier_p: Linear(D, S_p) for every part p  -> logits [(B, S_p)] * P

    Without RoI pooling (Table 3's first rows) every part token starts from the body feature
    alone; the part embedding and the per-part classifiers tell the parts apart. The action
    embedding is the only path by which ``category`` reaches the logits: with
    ``with_action=False`` the head has no embedding and ignores ``category``.

    Args:
        num_states: States per part, in part order (``P`` entries).
        mid_channels: ``Cm``, channels of the middle feature map (RoI pooling).
        body_channels: ``Cb``, channels of the last feature map.
        part_feat_stride: Input pixels per cell of the middle map (RoIAlign ``1 / scale``).
        embed_dims: ``D``, token width. Defaults to 256.
        part_dims: ``Dp``, width of the projected RoI feature. Defaults to ``embed_dims``.
        with_roi_pool: RoI part features. Defaults to True.
        with_body_feat: Concatenate the body feature to every part (always on without RoI
            pooling). Defaults to True.
        with_action: Embed the video category and feed it in. Defaults to True.
        num_categories: ``C`` (with ``with_action``). Defaults to 0.
        action_dims: ``Da`` of the embedding for ``'concat'``. Defaults to ``embed_dims``.
        action_fusion: ``'concat'`` (to every token, before the projection) or ``'add'`` (to
            every token, after it). Defaults to ``'concat'``.
        with_part_embed: Learnable per-part embedding added to the tokens. Defaults to True.
        with_attention: Multi-head attention across the part tokens. Defaults to True.
        attention: ``PartTokenAttention`` arguments (``embed_dims`` is filled in). Defaults to
            ``dict(num_heads=8, num_layers=1)``.
        roi_size: RoIAlign output size ``k``. Defaults to 4.
        sampling_ratio: RoIAlign samples per bin (0: adaptive). Defaults to 2.
        dropout: Dropout before the classifiers. Defaults to 0.1.
        loss_weight: Weight of the cross-entropy. Defaults to 1.0.
        label_smoothing: Of the cross-entropy. Defaults to 0.
    """

    def __init__(self, *, num_states: Sequence[int], mid_channels: int, body_channels: int,
                 part_feat_stride: float, embed_dims: int = 256, part_dims: int | None = None,
                 with_roi_pool: bool = True, with_body_feat: bool = True,
                 with_action: bool = True, num_categories: int = 0,
                 action_dims: int | None = None, action_fusion: str = 'concat',
                 with_part_embed: bool = True, with_attention: bool = True,
                 attention: dict | None = None, roi_size: int = 4, sampling_ratio: int = 2,
                 dropout: float = 0.1, loss_weight: float = 1.0,
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.num_states = tuple(int(s) for s in num_states)
        if not self.num_states or min(self.num_states) < 2:
            raise ValueError(f'num_states needs >= 1 part with >= 2 states, got {num_states}')
        if with_action and num_categories <= 0:
            raise ValueError('with_action needs num_categories > 0')
        if action_fusion not in ('concat', 'add'):
            raise ValueError(f"action_fusion must be 'concat' or 'add', got {action_fusion!r}")
        if part_feat_stride <= 0:
            raise ValueError(f'part_feat_stride must be > 0, got {part_feat_stride}')
        self.num_parts = len(self.num_states)
        self.embed_dims = embed_dims
        self.with_roi_pool = with_roi_pool
        self.with_body_feat = with_body_feat or not with_roi_pool
        self.with_action = with_action
        self.num_categories = int(num_categories)
        self.action_fusion = action_fusion
        self.with_attention = with_attention
        self.loss_weight = loss_weight
        self.label_smoothing = label_smoothing

        in_dims = 0
        if with_roi_pool:
            from mmcv.ops import RoIAlign

            part_dims = embed_dims if part_dims is None else part_dims
            self.roi_align = RoIAlign(output_size=roi_size, spatial_scale=1.0 / part_feat_stride,
                                      sampling_ratio=sampling_ratio, aligned=True)
            self.part_proj = nn.Linear(mid_channels, part_dims)
            in_dims += part_dims
        if self.with_body_feat:
            in_dims += body_channels
        if with_action:
            dims = (embed_dims if action_dims is None else action_dims) \
                if action_fusion == 'concat' else embed_dims
            self.action_embed = nn.Embedding(self.num_categories, dims)
            if action_fusion == 'concat':
                in_dims += dims
        self.token_proj = nn.Linear(in_dims, embed_dims)
        self.part_embed = (nn.Parameter(torch.zeros(self.num_parts, embed_dims))
                           if with_part_embed else None)
        if with_attention:
            cfg = {**dict(num_heads=8, num_layers=1), **(attention or {})}
            cfg.update(type='PartTokenAttention', embed_dims=embed_dims)
            self.attention = MODELS.build(cfg)
        self.dropout = nn.Dropout(dropout)
        self.classifiers = nn.ModuleList(nn.Linear(embed_dims, s) for s in self.num_states)
        if self.part_embed is not None:
            nn.init.trunc_normal_(self.part_embed, std=0.02)

    def _check(self, mid: Tensor, body: Tensor, part_boxes: Tensor, part_valid: Tensor,
               category: Tensor | None) -> None:
        b = body.shape[0]
        if part_boxes.shape != (b, self.num_parts, 4):
            raise ValueError(f'part_boxes must be (B={b}, P={self.num_parts}, 4), got '
                             f'{tuple(part_boxes.shape)}')
        if part_valid.shape != (b, self.num_parts):
            raise ValueError(f'part_valid must be (B={b}, P={self.num_parts}), got '
                             f'{tuple(part_valid.shape)}')
        if self.with_action:
            if category is None or category.shape != (b,):
                raise ValueError(f'with_action needs category (B={b},), got '
                                 f'{None if category is None else tuple(category.shape)}')
            bad = (category < 0) | (category >= self.num_categories)
            if bad.any():
                i = int(bad.nonzero()[0, 0])
                raise ValueError(f'sample {i}: category {int(category[i])} outside '
                                 f'0..{self.num_categories - 1}')

    def forward(self, mid: Tensor, body: Tensor, part_boxes: Tensor, part_valid: Tensor,
                category: Tensor | None = None) -> list[Tensor]:
        """Logits of every part.

        Args:
            mid: ``(B, Cm, h, w)`` middle-stage map (unused without RoI pooling).
            body: ``(B, Cb, h', w')`` last-stage map.
            part_boxes: ``(B, P, 4)`` part boxes in input pixels.
            part_valid: ``(B, P)`` bool, present parts.
            category: ``(B,)`` long category indices (with ``with_action``; ignored otherwise).

        Returns:
            list of ``P`` tensors ``(B, S_p)``.
        """
        self._check(mid, body, part_boxes, part_valid, category)
        b, p = part_valid.shape
        pieces = []
        if self.with_roi_pool:
            idx = torch.arange(b, device=mid.device, dtype=mid.dtype).repeat_interleave(p)
            rois = torch.cat([idx[:, None], part_boxes.reshape(-1, 4).to(mid.dtype)], dim=1)
            feats = self.roi_align(mid, rois).mean(dim=(2, 3))  # (B*P, Cm)
            pieces.append(self.part_proj(feats).reshape(b, p, -1))
        if self.with_body_feat:
            pieces.append(body.mean(dim=(2, 3))[:, None, :].expand(b, p, -1))
        action = None
        if self.with_action:
            assert category is not None
            action = self.action_embed(category.long())  # (B, Da)
            if self.action_fusion == 'concat':
                pieces.append(action[:, None, :].expand(b, p, -1))
        tokens = self.token_proj(torch.cat(pieces, dim=-1))  # (B, P, D)
        if self.part_embed is not None:
            tokens = tokens + self.part_embed
        if action is not None and self.action_fusion == 'add':
            tokens = tokens + action[:, None, :]
        if self.with_attention:
            tokens = self.attention(tokens, ~part_valid.bool())
        tokens = self.dropout(tokens)
        return [cls(tokens[:, k]) for k, cls in enumerate(self.classifiers)]

    def loss(self, logits: Sequence[Tensor], part_states: Tensor) -> dict[str, Tensor]:
        """Cross-entropy over the present parts with a known state, averaged over them.

        Args:
            logits: ``P`` tensors ``(B, S_p)``.
            part_states: ``(B, P)`` long, -1 where unknown / absent.

        Returns:
            ``loss_state`` and ``acc_state`` (top-1 over the same parts, not back-propagated).
        """
        # zero that keeps the graph, so that a batch without any known state still back-props
        total = torch.stack([lg.sum() for lg in logits]).sum() * 0.0
        correct = logits[0].new_zeros(())
        count = 0
        for k, lg in enumerate(logits):
            target = part_states[:, k]
            known = target >= 0
            if not known.any():
                continue
            if int(target[known].max()) >= lg.shape[1]:
                raise ValueError(f'part {k}: state {int(target[known].max())} outside '
                                 f'0..{lg.shape[1] - 1}')
            total = total + F.cross_entropy(lg[known], target[known], reduction='sum',
                                            label_smoothing=self.label_smoothing)
            correct = correct + (lg[known].argmax(1) == target[known]).sum().to(total.dtype)
            count += int(known.sum())
        denom = max(count, 1)
        return dict(loss_state=self.loss_weight * total / denom,
                    acc_state=(correct / denom).detach())
