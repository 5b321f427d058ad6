"""Person-Context Cross-Attention (PCCA) RoI head: each person attends to its enlarged context.

From the 1st-place MultiSports 2021 solution, "Person-Context Cross Attention for
Spatio-Temporal Action Detection" (Ning, Xie, Zhou, Wang, Li; DeeperAction workshop, ICCV 2021;
seed report ``000``): for every person box a *context box* is the person box enlarged twice around
its centre; the person's RoI feature (query) attends to the cells of the context box's RoI feature
map (keys / values), then residual + LayerNorm, then mmaction2's linear classifier with sigmoid +
BCE (:class:`~mmaction.models.roi_heads.bbox_heads.BBoxHeadAVA`, unchanged).

Two classes: :class:`PersonContextCrossAttention` (the attention block on pooled features) and
:class:`PCCARoIHead` (a drop-in for mmaction2's ``AVARoIHead`` that makes the context boxes, pools
both with the same RoI extractor and puts the block between the extractor and ``BBoxHeadAVA``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmaction.models.roi_heads import AVARoIHead
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['PCCARoIHead', 'PersonContextCrossAttention', 'context_rois', 'person_token_mask',
           'token_centres']


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    h, w = v
    return (int(h), int(w))


def context_rois(rois: Tensor, img_shapes: Sequence[tuple[int, int]], scale: float = 2.0
                 ) -> Tensor:
    """Enlarge every RoI around its centre by ``scale`` (width and height each), clipped to its
    image.

    Boxes are continuous pixel coordinates (mmdet's convention: a box covering the whole
    ``H x W`` image is ``0, 0, W, H``), so clipping is to ``[0, W] x [0, H]``. A box at the border
    gets a context box that extends only inwards (not re-centred).

    Args:
        rois: ``(N, 5)`` RoIs ``batch_idx, x1, y1, x2, y2`` (``bbox2roi``'s layout). ``N`` may be 0.
        img_shapes: ``(h, w)`` of every image of the batch (``img_meta['img_shape']``), indexed by
            ``batch_idx``.
        scale: Enlargement factor of the width and of the height (the area grows ``scale**2``).

    Returns:
        ``(N, 5)`` context RoIs, same batch indices.
    """
    if scale < 1:
        raise ValueError(f'context scale must be >= 1, got {scale}')
    out = rois.clone()
    if rois.numel() == 0:
        return out
    shapes = rois.new_tensor([[float(h), float(w)] for h, w in img_shapes])  # (B, 2)
    inds = rois[:, 0].long()
    img_h, img_w = shapes[inds, 0], shapes[inds, 1]
    cx = (rois[:, 1] + rois[:, 3]) * 0.5
    cy = (rois[:, 2] + rois[:, 4]) * 0.5
    half_w = (rois[:, 3] - rois[:, 1]) * (0.5 * scale)
    half_h = (rois[:, 4] - rois[:, 2]) * (0.5 * scale)
    zero = torch.zeros_like(cx)
    out[:, 1] = torch.minimum(torch.maximum(cx - half_w, zero), img_w)
    out[:, 2] = torch.minimum(torch.maximum(cy - half_h, zero), img_h)
    out[:, 3] = torch.minimum(torch.maximum(cx + half_w, zero), img_w)
    out[:, 4] = torch.minimum(torch.maximum(cy + half_h, zero), img_h)
    return out


def token_centres(rois: Tensor, grid: tuple[int, int]) -> Tensor:
    """Image coordinates of the centres of the ``gh x gw`` RoIAlign bins of every RoI.

    Args:
        rois: ``(N, 5)`` RoIs ``batch_idx, x1, y1, x2, y2``.
        grid: ``(gh, gw)`` bins per RoI.

    Returns:
        ``(N, gh * gw, 2)`` bin centres ``x, y``, row-major (the order of ``flatten(-2)``).
    """
    gh, gw = grid
    fy = (torch.arange(gh, dtype=rois.dtype, device=rois.device) + 0.5) / gh  # (gh,)
    fx = (torch.arange(gw, dtype=rois.dtype, device=rois.device) + 0.5) / gw  # (gw,)
    x1, y1, x2, y2 = (rois[:, i, None] for i in range(1, 5))
    xs = x1 + (x2 - x1) * fx  # (N, gw)
    ys = y1 + (y2 - y1) * fy  # (N, gh)
    n = rois.shape[0]
    return torch.stack([xs[:, None, :].expand(n, gh, gw),
                        ys[:, :, None].expand(n, gh, gw)], dim=-1).reshape(n, gh * gw, 2)


def person_token_mask(rois: Tensor, ctx_rois: Tensor, grid: tuple[int, int]) -> Tensor:
    """Which context tokens show the person: bin centre inside the person box (edges included).

    Args:
        rois: ``(N, 5)`` person RoIs.
        ctx_rois: ``(N, 5)`` their context RoIs.
        grid: ``(gh, gw)`` context tokens per frame.

    Returns:
        ``(N, gh * gw)`` bool, row-major.
    """
    centres = token_centres(ctx_rois, grid)
    x, y = centres[..., 0], centres[..., 1]
    return ((x >= rois[:, None, 1]) & (x <= rois[:, None, 3])
            & (y >= rois[:, None, 2]) & (y <= rois[:, None, 4]))


@MODELS.register_module()
class PersonContextCrossAttention(nn.Module):
    """Multi-head cross-attention of one person query over its context tokens (PCCA block).

    ::

        person RoI feat (N, C, T, h, w)          context RoI feat (N, C, T, gh, gw)
              | mean over T, max/avg over h, w         | flatten T, gh, gw
              v                                        v
          query q (N, C)                        tokens (N, L=T*gh*gw, C)  [+ pos. embedding
              |                                        |                   (gh*gw, C) on keys]
              |        +-------------------------------+
              |        | keys = W_k(tokens + pos), values = W_v(tokens)
              v        v
        attn = W_o( softmax(W_q(q) . keys^T / sqrt(E/heads), masked) . values )   (N, E)
              |
        post-norm (norm_first=False):  x = LN(S(q) + attn);  x = LN(x + FFN(x))
        pre-norm  (norm_first=True):   x = S(q) + attn(LN(q), LN(tokens));
                                       x = x + FFN(LN(x));  x = LN(x)
              v
          out (N, E, 1, 1, 1)   ->  BBoxHeadAVA (pools are identities here, then fc_cls)
          output='concat':  out = [q ; x]  (N, C + E, 1, 1, 1)

    ``output='concat'`` (not the report's) also hands the classifier the pooled query ``q``
    itself, untouched by the normalisations, beside the block's output ``x``: the evidence a
    linear head reads from the person feature stays readable whatever the block does with it.

    ``S`` is the identity when ``in_channels == embed_dims``, else a linear projection. The FFN
    (``Linear(E, F) - ReLU - Dropout - Linear(F, E)``) and its LayerNorm exist only with
    ``with_ffn``. Masked tokens (``token_mask`` True) get no attention; a person whose tokens are
    all masked gets a zero attention term (its output is the normalised query alone).

    Args:
        in_channels: ``C``, channels of the RoI features (SlowFast: slow + fast channels, e.g.
            2304 for R50 / R101 8x8, 80 for the tiny CPU model).
        embed_dims: ``E``, attention width and output channels. Defaults to ``in_channels``.
        num_heads: Attention heads; must divide ``embed_dims``. Defaults to 8.
        grid: ``(gh, gw)`` (or one int) context tokens per frame; sizes the positional embedding.
            Defaults to 8 (the 8x8 RoIAlign of mmaction2's full-size SlowFast AVA configs).
        with_pos_embed: Learnable positional embedding ``(gh * gw, C)`` added to the keys (not to
            the values), shared over time. Defaults to True.
        with_ffn: Add the feed-forward sub-layer. Defaults to True.
        ffn_channels: Hidden width of the FFN. Defaults to ``4 * embed_dims``.
        norm_first: Pre-norm instead of post-norm (see the diagram). Defaults to False (post-norm:
            "residual + LayerNorm" as in the report).
        query_pool: Spatial pooling of the person map into the query, ``'max'`` (what
            ``BBoxHeadAVA`` does) or ``'avg'``. Time is always averaged. Defaults to ``'max'``.
        attn_drop: Dropout on the attention weights. Defaults to 0.
        dropout: Dropout on the attention and FFN outputs before each residual sum. Defaults to 0.
        output: ``'residual'`` (the report's: the block's output ``x``, ``E`` channels) or
            ``'concat'`` (``[q ; x]``, ``C + E`` channels). :attr:`out_channels` gives the
            classifier's input width. Defaults to ``'residual'``.
    """

    def __init__(self, *, in_channels: int, embed_dims: int | None = None, num_heads: int = 8,
                 grid: int | Sequence[int] = 8, with_pos_embed: bool = True,
                 with_ffn: bool = True, ffn_channels: int | None = None,
                 norm_first: bool = False, query_pool: str = 'max', attn_drop: float = 0.0,
                 dropout: float = 0.0, output: str = 'residual') -> None:
        super().__init__()
        embed_dims = in_channels if embed_dims is None else embed_dims
        if in_channels <= 0 or embed_dims <= 0:
            raise ValueError(f'in_channels and embed_dims must be positive, got {in_channels}, '
                             f'{embed_dims}')
        if num_heads <= 0 or embed_dims % num_heads:
            raise ValueError(f'num_heads ({num_heads}) must divide embed_dims ({embed_dims})')
        if query_pool not in ('max', 'avg'):
            raise ValueError(f"query_pool must be 'max' or 'avg', got {query_pool!r}")
        if output not in ('residual', 'concat'):
            raise ValueError(f"output must be 'residual' or 'concat', got {output!r}")
        self.output = output
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.grid = _pair(grid)
        self.norm_first = norm_first
        self.query_pool = query_pool
        self.with_ffn = with_ffn

        self.q_proj = nn.Linear(in_channels, embed_dims)
        self.k_proj = nn.Linear(in_channels, embed_dims)
        self.v_proj = nn.Linear(in_channels, embed_dims)
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        self.attn_drop = nn.Dropout(attn_drop)
        self.drop = nn.Dropout(dropout)
        self.shortcut = (nn.Identity() if in_channels == embed_dims
                         else nn.Linear(in_channels, embed_dims))
        self.pos_embed = (nn.Parameter(torch.zeros(self.grid[0] * self.grid[1], in_channels))
                          if with_pos_embed else None)
        if norm_first:
            self.norm_q = nn.LayerNorm(in_channels)
            self.norm_kv = nn.LayerNorm(in_channels)
        self.norm_attn = nn.LayerNorm(embed_dims)  # post-norm: after attn; pre-norm: final
        if with_ffn:
            hidden = 4 * embed_dims if ffn_channels is None else ffn_channels
            self.ffn = nn.Sequential(nn.Linear(embed_dims, hidden), nn.ReLU(inplace=True),
                                     nn.Dropout(dropout), nn.Linear(hidden, embed_dims))
            self.norm_ffn = nn.LayerNorm(embed_dims)

    @property
    def out_channels(self) -> int:
        """Channels of :meth:`forward`'s output: ``E``, or ``C + E`` with ``output='concat'``."""
        return self.embed_dims + (self.in_channels if self.output == 'concat' else 0)

    def init_weights(self) -> None:
        """Xavier-uniform linear layers, zero biases, N(0, 0.02) positional embedding."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        if self.pos_embed is not None:
            nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def _attend(self, query: Tensor, tokens: Tensor, token_mask: Tensor | None) -> Tensor:
        """``(N, C)`` query over ``(N, L, C)`` tokens -> ``(N, E)``."""
        n, length, _ = tokens.shape
        h, d = self.num_heads, self.embed_dims // self.num_heads
        keys_in = tokens
        if self.pos_embed is not None:
            t = length // self.pos_embed.shape[0]
            keys_in = tokens + self.pos_embed.repeat(t, 1)[None]
        q = self.q_proj(query).view(n, h, 1, d)
        k = self.k_proj(keys_in).view(n, length, h, d).transpose(1, 2)  # (N, h, L, d)
        v = self.v_proj(tokens).view(n, length, h, d).transpose(1, 2)
        logits = (q @ k.transpose(-2, -1)) / math.sqrt(d)  # (N, h, 1, L)
        if token_mask is not None:
            logits = logits.masked_fill(token_mask[:, None, None, :], float('-inf'))
            # persons without any context token: finite logits here, zero output below
            logits = logits.masked_fill(token_mask.all(dim=1)[:, None, None, None], 0.0)
        weights = self.attn_drop(logits.softmax(dim=-1))
        out = self.out_proj((weights @ v).reshape(n, self.embed_dims))
        if token_mask is not None:  # no token to attend to: no attention term (not even a bias)
            out = out.masked_fill(token_mask.all(dim=1)[:, None], 0.0)
        return out

    def forward(self, person_feats: Tensor, context_feats: Tensor,
                token_mask: Tensor | None = None) -> Tensor:
        """Attend from every person to its context.

        Args:
            person_feats: ``(N, C, T, h, w)`` person RoI features.
            context_feats: ``(N, C, T, gh, gw)`` context RoI features (``gh, gw`` = ``grid``).
            token_mask: ``(N, T * gh * gw)`` bool, True for tokens to ignore. Defaults to None.

        Returns:
            ``(N, out_channels, 1, 1, 1)`` features for ``BBoxHeadAVA`` (``E``, or ``C + E``
            with ``output='concat'``).
        """
        if person_feats.dim() != 5 or context_feats.dim() != 5:
            raise ValueError('expected 5-D (N, C, T, H, W) person and context features, got '
                             f'{tuple(person_feats.shape)} and {tuple(context_feats.shape)}')
        n, c = person_feats.shape[:2]
        if c != self.in_channels or context_feats.shape[1] != self.in_channels:
            raise ValueError(f'expected {self.in_channels} channels, got {c} (person) and '
                             f'{context_feats.shape[1]} (context)')
        if context_feats.shape[0] != n:
            raise ValueError(f'{n} person features but {context_feats.shape[0]} context features')
        if tuple(context_feats.shape[-2:]) != self.grid:
            raise ValueError(f'context grid {tuple(context_feats.shape[-2:])} != {self.grid}')

        query = person_feats.mean(dim=2)  # (N, C, h, w)
        query = query.amax(dim=(2, 3)) if self.query_pool == 'max' else query.mean(dim=(2, 3))
        tokens = context_feats.flatten(2).transpose(1, 2)  # (N, T*gh*gw, C), (T, gh, gw) order
        if token_mask is not None and token_mask.shape != tokens.shape[:2]:
            raise ValueError(f'token_mask {tuple(token_mask.shape)} != {tuple(tokens.shape[:2])}')

        if self.norm_first:
            x = self.shortcut(query) + self.drop(
                self._attend(self.norm_q(query), self.norm_kv(tokens), token_mask))
            if self.with_ffn:
                x = x + self.drop(self.ffn(self.norm_ffn(x)))
            x = self.norm_attn(x)
        else:
            x = self.norm_attn(self.shortcut(query) + self.drop(
                self._attend(query, tokens, token_mask)))
            if self.with_ffn:
                x = self.norm_ffn(x + self.drop(self.ffn(x)))
        if self.output == 'concat':
            x = torch.cat([query, x], dim=1)
        return x.view(n, self.out_channels, 1, 1, 1)


@MODELS.register_module()
class PCCARoIHead(AVARoIHead):
    """mmaction2's ``AVARoIHead`` with Person-Context Cross-Attention before the classifier.

    ::

        SlowFast features (slow (B, Cs, Ts, H, W), fast (B, Cf, Tf, H, W))
              |
        rois (N, 5) ----> context_rois(rois, img_shape, context_scale): centre-preserving
              |            enlargement (width and height x context_scale), clipped to the image
              |                          |
              v                          v
        bbox_roi_extractor on [rois; ctx_rois] at once (same RoIAlign, same temporal pooling:
        fast resized to Ts, mean over T when with_temporal_pool; C = Cs + Cf)
              |                          |
        person (N, C, T, S, S)     context (N, C, T, S, S) --adaptive avg pool--> (N, C, T, gh, gw)
              |                          |     (only if token_grid != S)
              |                          |  token_mask (N, T*gh*gw): bins whose centre lies in
              |                          |  the person box, if not context_includes_person
              v                          v
        PersonContextCrossAttention(person, context, token_mask) -> (N, E', 1, 1, 1)
              v
        bbox_head (BBoxHeadAVA, in_channels = E' = the block's out_channels: E, or C + E with
        output='concat'): fc_cls -> cls_score (N, num_classes), sigmoid + BCE (multilabel)
        exactly as AVARoIHead

    Training, sampling, losses and test-time post-processing are ``AVARoIHead``'s; only
    ``_bbox_forward`` differs. Any number of persons per clip works, zero included (empty
    scores). Use it in an AVA-style FastRCNN config as ``roi_head=dict(type='mmaction.PCCARoIHead',
    ...)`` (the model block is mmdet-scoped).

    Args:
        bbox_roi_extractor: RoI extractor config (``SingleRoIExtractor3D``); pools both the person
            and the context boxes.
        bbox_head: ``BBoxHeadAVA`` config; its ``in_channels`` must equal the attention's
            ``out_channels`` (``embed_dims``, plus ``in_channels`` with ``output='concat'``).
        cross_attention: Keyword arguments of :class:`PersonContextCrossAttention` (at least
            ``in_channels``); ``grid`` is set here from the extractor / ``token_grid``.
        context_scale: Context box = person box enlarged by this factor in width and height
            around its centre, clipped to the image. Defaults to 2.0: the report's "expand the box
            scale to twice the previous size", read as width and height each twice (an area
            twice as large would be ``sqrt(2)``).
        context_includes_person: Keep the context tokens whose bin centre falls inside the person
            box. Defaults to True (the report's context box contains the person).
        token_grid: ``(gh, gw)`` (or one int) context tokens per frame; ``None`` keeps the
            extractor's ``output_size`` (8x8 in mmaction2's SlowFast AVA configs), otherwise the
            context map is adaptive-average-pooled to it (use a divisor of ``output_size``, so
            that the person mask's bin centres are exact). Defaults to None.
        shared_head: Not supported (the cross-attention takes its place); must be None.
        train_cfg, test_cfg, init_cfg: As for ``AVARoIHead``.
    """

    def __init__(self, bbox_roi_extractor: dict, bbox_head: dict, cross_attention: dict,
                 context_scale: float = 2.0, context_includes_person: bool = True,
                 token_grid: int | Sequence[int] | None = None, shared_head: dict | None = None,
                 train_cfg: dict | None = None, test_cfg: dict | None = None,
                 init_cfg: dict | list[dict] | None = None, **kwargs) -> None:
        if shared_head is not None:
            raise ValueError('PCCARoIHead takes no shared_head: the cross-attention is its '
                             'relation module')
        if context_scale < 1:
            raise ValueError(f'context_scale must be >= 1, got {context_scale}')
        if 'grid' in cross_attention:
            raise ValueError('set the token grid with PCCARoIHead(token_grid=...), not '
                             'cross_attention.grid')
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         train_cfg=train_cfg, test_cfg=test_cfg, init_cfg=init_cfg, **kwargs)
        self.context_scale = float(context_scale)
        self.context_includes_person = context_includes_person
        self.roi_grid = _pair(self.bbox_roi_extractor.output_size)
        self.token_grid = self.roi_grid if token_grid is None else _pair(token_grid)
        self.cross_attention = PersonContextCrossAttention(**cross_attention,
                                                           grid=self.token_grid)
        head_in = getattr(self.bbox_head, 'in_channels', None)
        if head_in is not None and head_in != self.cross_attention.out_channels:
            raise ValueError(f'bbox_head.in_channels ({head_in}) must equal the cross-attention '
                             f'output channels ({self.cross_attention.out_channels}: embed_dims, '
                             "plus in_channels with output='concat')")

    @staticmethod
    def _img_shapes(batch_img_metas: list[dict], x: Tensor | tuple[Tensor, ...],
                    featmap_stride: int) -> list[tuple[int, int]]:
        """``(h, w)`` of each image: ``img_shape`` of its meta, else the feature map's size times
        the extractor stride."""
        feat = x[0] if isinstance(x, tuple) else x
        fallback = (feat.shape[-2] * featmap_stride, feat.shape[-1] * featmap_stride)
        shapes = []
        for i in range(feat.shape[0]):
            meta = batch_img_metas[i] if i < len(batch_img_metas) else {}
            h, w = meta.get('img_shape', fallback)[:2]
            shapes.append((int(h), int(w)))
        return shapes

    def _bbox_forward(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                      batch_img_metas: list[dict], **kwargs) -> dict:
        """Person + context RoI features -> cross-attention -> classifier.

        Args:
            x: Backbone features, ``(B, C_i, T_i, H, W)`` each.
            rois: ``(N, 5)`` person RoIs ``batch_idx, x1, y1, x2, y2`` in input pixels.
            batch_img_metas: Per-image metas (``img_shape`` used for clipping).

        Returns:
            ``cls_score`` ``(N, num_classes)`` and ``bbox_feats`` ``(N, out_channels, 1, 1, 1)``.
        """
        stride = getattr(self.bbox_roi_extractor, 'featmap_stride', 16)
        ctx = context_rois(rois, self._img_shapes(batch_img_metas, x, stride),
                           self.context_scale)
        n = rois.shape[0]
        feats, _ = self.bbox_roi_extractor(x, torch.cat([rois, ctx], dim=0))
        person_feats, context_feats = feats[:n], feats[n:]
        if self.token_grid != self.roi_grid:
            context_feats = F.adaptive_avg_pool3d(
                context_feats, (context_feats.shape[2], *self.token_grid))
        token_mask = None
        if not self.context_includes_person:
            inside = person_token_mask(rois, ctx, self.token_grid)  # (N, gh*gw)
            token_mask = inside.repeat(1, context_feats.shape[2])  # (N, T*gh*gw), T-major
        bbox_feats = self.cross_attention(person_feats, context_feats, token_mask)
        if n == 0:  # BBoxHeadAVA.forward cannot view an empty batch as (0, -1); its pools are
            # identities on (N, E', 1, 1, 1) features, so its classifier alone is the same map
            cls_score = self.bbox_head.fc_cls(bbox_feats.flatten(1))
        else:
            cls_score = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_feats=bbox_feats)
