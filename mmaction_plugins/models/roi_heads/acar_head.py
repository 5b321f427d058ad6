"""Actor-Context-Actor Relation (ACAR) RoI head with the High-order Relation Reasoning Operator.

From ACAR-Net (Pan, Chen, Shou, Shao, Li: "Actor-Context-Actor Relation Network for
Spatio-Temporal Action Localization", arXiv 2006.07976, CVPR 2021), the relation head of the 1st
place AVA-Kinetics 2020 solution (seed report ``001``): every actor's pooled RoI feature is tiled
over its clip's spatio-temporal context map (pooled over time) and fused with it by two
convolutions into a *first-order actor-context relation map*; the *High-order Relation Reasoning
Operator* (HR2O) then lets, at every spatial position, each actor's relation feature attend to the
relation features of the actors of the same clip (stacked ``depth`` times); the result is averaged
over space, concatenated with the actor feature and classified.

Two classes: :class:`HR2O` (the operator on relation maps) and :class:`ACARRoIHead` (a drop-in for
mmaction2's ``AVARoIHead`` that builds the relation maps clip by clip, runs HR2O, and feeds
``[actor feature; high-order relation feature]`` to mmaction2's ``BBoxHeadAVA``). An optional
attention step over per-clip long-term feature banks (the report's actor-context feature bank)
is available through ``_bbox_forward(..., long_term=...)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from mmaction.models.roi_heads import AVARoIHead
from mmaction.registry import MODELS
from torch import Tensor, nn

from mmaction_plugins.datasets.feature_bank import FeatureBank

__all__ = ['ACARRoIHead', 'HR2O', 'LongTermBankAttention']

_NORMS = ('group', 'layer', 'none')


class _ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of every position of an ``(N, C, H, W)`` map."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def _make_norm(norm: str, channels: int, groups: int) -> nn.Module:
    if norm == 'group':
        return nn.GroupNorm(groups, channels, affine=True)
    if norm == 'layer':
        return _ChannelLayerNorm(channels)
    return nn.Identity()


class _HR2OLayer(nn.Module):
    """One HR2O layer (see :class:`HR2O`)."""

    def __init__(self, channels: int, num_heads: int, kernel_size: int, mlp_1x1: bool,
                 norm: str, norm_groups: int, dropout: float, attn_drop: float,
                 include_self: bool) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.channels = channels
        self.num_heads = num_heads
        self.include_self = include_self
        self.conv_q = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.conv_k = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.conv_v = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.norm = _make_norm(norm, channels, norm_groups)
        self.conv_out = nn.Conv2d(channels, channels, 1 if mlp_1x1 else kernel_size,
                                  padding=0 if mlp_1x1 else pad, bias=False)
        self.attn_drop = nn.Dropout(attn_drop)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, allowed: Tensor) -> Tensor:
        """``(N, E, H, W)`` relation maps, ``(N, N)`` bool attention mask -> ``(N, E, H, W)``."""
        n, e, h, w = x.shape
        heads, d = self.num_heads, e // self.num_heads
        q = self.conv_q(x).reshape(n, heads, d, h * w)
        k = self.conv_k(x).reshape(n, heads, d, h * w)
        v = self.conv_v(x).reshape(n, heads, d, h * w)
        # per position p and head: logits[p, head, i, j] = <q_i, k_j> / sqrt(d)
        logits = torch.einsum('ihdp,jhdp->phij', q, k) / math.sqrt(d)
        logits = logits.masked_fill(~allowed, float('-inf'))
        has_any = allowed.any(dim=1)  # (N,) actors with at least one actor to attend to
        logits = logits.masked_fill(~has_any[:, None], 0.0)  # finite rows; zeroed below
        weights = self.attn_drop(logits.softmax(dim=-1))
        virt = torch.einsum('phij,jhdp->ihdp', weights, v).reshape(n, e, h, w)
        virt = self.drop(self.conv_out(F.relu(self.norm(virt))))
        # an actor with nothing to attend to (include_self=False, alone in its clip) is unchanged
        return x + virt * has_any[:, None, None, None].to(virt.dtype)


@MODELS.register_module()
class HR2O(nn.Module):
    """High-order Relation Reasoning Operator: actors' relation maps attend to each other.

    ::

        relation maps x (N, E, H, W), one per actor; batch_inds (N,) clip of each actor
              |
        repeat depth times:
              |  q, k, v = Conv_kxk(x) each (E -> E, padding k//2, no bias)      (N, E, H, W)
              |  split E into `num_heads` heads of d = E / num_heads channels
              |  at every position p and head:
              |      a[i, j] = softmax_j( <q_i(p), k_j(p)> / sqrt(d) )  over the actors j of
              |                 actor i's clip (j = i included iff include_self)
              |      virt_i(p) = sum_j a[i, j] v_j(p)                               (N, E, H, W)
              |  virt = Dropout(Conv_out(ReLU(Norm(virt))))   Conv_out: kxk, or 1x1 if mlp_1x1
              |  x = x + virt                                 (residual)
              v
        out (N, E, H, W)

    ``Norm`` is ``GroupNorm(norm_groups, E)`` (``norm='group'``; ``norm_groups=1`` normalises
    each actor's whole ``(E, H, W)`` map: ACAR-Net's choice), a LayerNorm over the channels of
    every position (``'layer'``) or nothing (``'none'``); all three act on each actor alone, so
    the operator is equivariant to permutations of the actors and actors of different clips never
    mix (batch norm would mix them and is not offered). An actor with nothing to attend to
    (``include_self=False`` and alone in its clip) passes through unchanged. ``num_heads=1``,
    ``kernel_size=3``, ``norm='group'``, ``norm_groups=1``, ``dropout=0.2`` is ACAR-Net's
    ``HR2O_NL``.

    Args:
        channels: ``E``, channels of the relation maps (input = output).
        depth: Stacked layers. Defaults to 2 (ACAR-Net's R50 config; its R101 uses 1).
        num_heads: Attention heads; must divide ``channels``. Defaults to 1.
        kernel_size: Odd kernel of the query / key / value (and output) convolutions.
            Defaults to 3.
        mlp_1x1: Use a 1x1 output convolution instead of ``kernel_size``. Defaults to False.
        norm: ``'group'``, ``'layer'`` or ``'none'``. Defaults to ``'group'``.
        norm_groups: Groups of the group norm; must divide ``channels``. Defaults to 1.
        dropout: Dropout on the residual branch. Defaults to 0.2.
        attn_drop: Dropout on the attention weights. Defaults to 0.
        include_self: An actor also attends to itself. Defaults to True (ACAR-Net).
    """

    def __init__(self, *, channels: int, depth: int = 2, num_heads: int = 1,
                 kernel_size: int = 3, mlp_1x1: bool = False, norm: str = 'group',
                 norm_groups: int = 1, dropout: float = 0.2, attn_drop: float = 0.0,
                 include_self: bool = True) -> None:
        super().__init__()
        if channels <= 0:
            raise ValueError(f'channels must be positive, got {channels}')
        if depth < 1:
            raise ValueError(f'depth must be >= 1, got {depth}')
        if num_heads <= 0 or channels % num_heads:
            raise ValueError(f'num_heads ({num_heads}) must divide channels ({channels})')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd and positive, got {kernel_size}')
        if norm not in _NORMS:
            raise ValueError(f'norm must be one of {_NORMS}, got {norm!r}')
        if norm == 'group' and (norm_groups <= 0 or channels % norm_groups):
            raise ValueError(f'norm_groups ({norm_groups}) must divide channels ({channels})')
        self.channels = channels
        self.depth = depth
        self.num_heads = num_heads
        self.include_self = include_self
        self.layers = nn.ModuleList(
            _HR2OLayer(channels, num_heads, kernel_size, mlp_1x1, norm, norm_groups, dropout,
                       attn_drop, include_self) for _ in range(depth))

    def attention_mask(self, n: int, batch_inds: Tensor | None, device: torch.device) -> Tensor:
        """``(N, N)`` bool: may actor ``i`` attend to actor ``j`` (same clip, self if allowed)."""
        if batch_inds is None:
            allowed = torch.ones(n, n, dtype=torch.bool, device=device)
        else:
            if batch_inds.shape != (n,):
                raise ValueError(f'batch_inds must have shape ({n},), got '
                                 f'{tuple(batch_inds.shape)}')
            allowed = batch_inds[:, None] == batch_inds[None, :]
        if not self.include_self:
            allowed = allowed & ~torch.eye(n, dtype=torch.bool, device=device)
        return allowed

    def forward(self, x: Tensor, batch_inds: Tensor | None = None) -> Tensor:
        """Reason over the relation maps of the actors.

        Args:
            x: ``(N, E, H, W)`` first-order actor-context relation maps. ``N`` may be 0.
            batch_inds: ``(N,)`` clip index of every actor; actors attend only within their
                clip. None: all ``N`` actors belong to one clip. Defaults to None.

        Returns:
            ``(N, E, H, W)`` high-order relation maps.
        """
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f'expected (N, {self.channels}, H, W) relation maps, got '
                             f'{tuple(x.shape)}')
        n = x.shape[0]
        if n == 0:
            return x
        allowed = self.attention_mask(n, batch_inds, x.device)
        for layer in self.layers:
            x = layer(x, allowed)
        return x


@MODELS.register_module()
class LongTermBankAttention(nn.Module):
    """Actors of a clip attend to the features of that clip's long-term bank.

    ::

        query f (n, E)          bank (M, B_c)
            |                      | keys = W_k(bank), values = W_v(bank)     (M, E)
            v                      v
        a = softmax_M( W_q(f) . keys^T / sqrt(E / heads) )  per head          (n, heads, M)
        read = Dropout(W_o(a . values))                                        (n, E)
        fusion 'residual':  f' = LayerNorm(f + read)                          (n, E)
        fusion 'concat':    f' = read   (the caller concatenates it with f, as mmaction2's
                                         LFB head concatenates its FBO output)

    With no bank (None or ``M = 0``) nothing is read: ``f' = f`` ('residual') or zeros
    ('concat').

    Args:
        channels: ``E``, channels of the actor queries (and of the output).
        bank_channels: ``B_c``, channels of the bank features. Defaults to ``channels``.
        num_heads: Attention heads; must divide ``channels``. Defaults to 1.
        dropout: Dropout on the attention output. Defaults to 0.
        fusion: ``'residual'`` or ``'concat'`` (see the diagram). Defaults to ``'residual'``.
    """

    def __init__(self, *, channels: int, bank_channels: int | None = None, num_heads: int = 1,
                 dropout: float = 0.0, fusion: str = 'residual') -> None:
        super().__init__()
        bank_channels = channels if bank_channels is None else bank_channels
        if channels <= 0 or bank_channels <= 0:
            raise ValueError(f'channels and bank_channels must be positive, got {channels}, '
                             f'{bank_channels}')
        if num_heads <= 0 or channels % num_heads:
            raise ValueError(f'bank num_heads ({num_heads}) must divide channels ({channels})')
        if fusion not in ('residual', 'concat'):
            raise ValueError(f"bank fusion must be 'residual' or 'concat', got {fusion!r}")
        self.channels = channels
        self.bank_channels = bank_channels
        self.num_heads = num_heads
        self.fusion = fusion
        self.q_proj = nn.Linear(channels, channels)
        self.k_proj = nn.Linear(bank_channels, channels)
        self.v_proj = nn.Linear(bank_channels, channels)
        self.out_proj = nn.Linear(channels, channels)
        self.drop = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(channels) if fusion == 'residual' else None

    def forward(self, feats: Tensor, bank: Tensor | None) -> Tensor:
        """Attend from ``(n, E)`` actor features to a ``(M, B_c)`` bank -> ``(n, E)``."""
        if bank is None or bank.shape[0] == 0 or feats.shape[0] == 0:
            return torch.zeros_like(feats) if self.fusion == 'concat' else feats
        if bank.dim() != 2 or bank.shape[1] != self.bank_channels:
            raise ValueError(f'expected a (M, {self.bank_channels}) bank, got '
                             f'{tuple(bank.shape)}')
        n, m = feats.shape[0], bank.shape[0]
        h, d = self.num_heads, self.channels // self.num_heads
        bank = bank.to(feats.dtype)
        q = self.q_proj(feats).view(n, h, d).transpose(0, 1)  # (h, n, d)
        k = self.k_proj(bank).view(m, h, d).transpose(0, 1)  # (h, M, d)
        v = self.v_proj(bank).view(m, h, d).transpose(0, 1)
        weights = ((q @ k.transpose(1, 2)) / math.sqrt(d)).softmax(dim=-1)  # (h, n, M)
        out = (weights @ v).transpose(0, 1).reshape(n, self.channels)
        read = self.drop(self.out_proj(out))
        return read if self.fusion == 'concat' else self.norm(feats + read)


@MODELS.register_module()
class ACARRoIHead(AVARoIHead):
    """mmaction2's ``AVARoIHead`` with ACAR-Net's actor-context-actor relation reasoning.

    ::

        SlowFast features (slow (B, Cs, Ts, H, W), fast (B, Cf, Tf, H, W))
              |
        bbox_roi_extractor (SingleRoIExtractor3D: fast resized to Ts, mean over T when
        with_temporal_pool, RoIAlign S x S; C = Cs + Cf = in_channels)
              |                                        |
        RoI feats (N, C, T, S, S)             global map (B, C, T, H, W)
              | mean over T                            | mean over T
        Reduce: Conv1x1 C -> D, no bias       Reduce (the same conv)  (B, D, H, W)
              | max (or avg) over S x S                | crop to the clip's unpadded region
        actor a (N, D)                        context c_b (D, h_b, w_b)  (crop_padding)
              |                                        |
              +--> per clip b, its n_b actors only: tile a_i over (h_b, w_b), concat with c_b
              |        R = ReLU(Conv1x1([c_b; a_i]))   2D -> E, no bias   (n_b, E, h_b, w_b)
              |        R = ReLU(Conv_kxk(R))           E -> E, relation_kernel, padding
              |                                        relation_padding (0: -2 per side), no bias
              |        R = MaxPool(3, stride 2, pad 1)(R)   (downsample='max2x2'; or identity)
              |        R = HR2O(R)                     (see :class:`HR2O`), same clip only
              |        r = mean over space (n_b, E)
              |        r = LongTermBankAttention(r, bank_b)   (bank_attention and a bank given;
              |            bank_fusion 'residual': r = LN(r + read); 'concat': l = read, (n_b, E))
              |                                        |
        actor branch: ReLU(Linear(D, A, no bias))      |   (identity, A = D, if actor_channels
              | (N, A)                                 |    is None)
              +---------------- concat ----------------+ (+ l with bank_fusion 'concat')
              v
        bbox feats (N, A + E [+ E], 1, 1, 1) -> bbox_head (BBoxHeadAVA, in_channels = A + E, or
        A + 2E with the 'concat' bank; its pools are identities here; its dropout_ratio is
        ACAR-Net's dropout before the classifier)
        -> cls_score (N, num_classes), sigmoid + BCE exactly as AVARoIHead

    ``Conv1x1([c_b; a_i])`` is computed as ``W_c * c_b + W_a a_i`` (the same bias-free map,
    without materialising the tiled concatenation); the reduce convolution applied after RoIAlign
    equals ACAR-Net's RoIAlign on the reduced map (both linear, no bias). Training, sampling,
    losses and test-time post-processing are ``AVARoIHead``'s; only ``_bbox_forward`` differs.
    Any number of actors per clip works, zero included (empty scores), one included (it attends
    to itself). Use it in an AVA-style FastRCNN config as
    ``roi_head=dict(type='mmaction.ACARRoIHead', ...)`` (the model block is mmdet-scoped).

    Long-term support (the report's actor-context feature bank, ACFB): with ``bank_attention=True``
    the pooled relation features ``r`` of clip ``b``'s actors attend to a bank ``(M_b,
    bank_channels)`` (:class:`LongTermBankAttention`); what they read replaces ``r`` by
    ``LN(r + read)`` (``bank_fusion='residual'``) or is concatenated to the classifier input
    (``'concat'``, as mmaction2's LFB head concatenates its FBO output). The banks come
    from ``long_term_bank`` (a :class:`~mmaction_plugins.datasets.feature_bank.FeatureBank`
    window around each clip's ``img_key``: what training and testing use) or are passed
    explicitly, ``_bbox_forward(x, rois, metas, long_term=[bank_0, ..., bank_{B-1}])`` (a bank
    may be None); a clip with an empty bank skips the step (reads zeros with ``'concat'``). The
    bank itself is written by ``tools/dump_features.py`` from a trained ACAR model:
    :meth:`bank_features` gives, per actor, the spatially averaged first-order relation map
    (``bank_source='relation'``, the report's "precomputed actor-context relation features";
    ACAR-Net keeps the whole map, we keep its mean: ``2 E`` bytes per actor in float16) or the
    high-order one (``'high_order'``).

    Args:
        bbox_roi_extractor: RoI extractor config (``SingleRoIExtractor3D``, ``with_global``
            False); its global feature map is the context.
        bbox_head: ``BBoxHeadAVA`` config; its ``in_channels`` must equal ``A + E`` (``A + 2E``
            with ``bank_fusion='concat'``).
        in_channels: ``C``, channels of the extractor's features (SlowFast: slow + fast, e.g.
            2304 for R50 / R101 8x8).
        reduce_channels: ``D``; None keeps ``C`` (no reduce convolution). Defaults to 1024.
        hidden_channels: ``E``, width of the relation maps and HR2O. Defaults to 512.
        actor_channels: ``A``, width of the actor branch (``ReLU(Linear(D, A))``, ACAR-Net's
            ``fc1``); None concatenates the pooled reduced actor feature itself (``A = D``).
            Defaults to 512.
        actor_pool: Spatial pooling of the actor RoI feature, ``'max'`` (ACAR-Net) or
            ``'avg'``. Defaults to ``'max'``.
        relation_kernel: Kernel of the second relation convolution. Defaults to 3.
        relation_padding: Its padding. Defaults to 0 (ACAR-Net: the map shrinks by
            ``relation_kernel - 1``; the cropped context must be at least that large).
        downsample: ``'max2x2'`` (MaxPool 3x3, stride 2, padding 1, before HR2O: ACAR-Net) or
            ``'none'``. Defaults to ``'max2x2'``.
        hr2o: Keyword arguments of :class:`HR2O` except ``channels`` (set from
            ``hidden_channels``). Defaults to ACAR-Net's (depth 2).
        crop_padding: Crop each clip's context map to its unpadded region,
            ``ceil(img_shape / featmap_stride)`` (ACAR-Net's ``sizes_before_padding``), so that
            batch padding is no context. Defaults to True.
        bank_attention: Build the long-term bank attention. Defaults to False.
        long_term_bank: Keyword arguments of
            :class:`~mmaction_plugins.datasets.feature_bank.FeatureBank` (``root``, ``window``,
            ``max_per_keyframe``, ``exclude_current``...): read the banks from disk around every
            clip's keyframe. Needs ``bank_attention``. Defaults to None (banks only when passed).
        bank_source: What :meth:`bank_features` returns, ``'relation'`` (first-order) or
            ``'high_order'``. Defaults to ``'relation'``.
        bank_channels: Channels of the bank features. Defaults to ``hidden_channels``.
        bank_heads: Heads of the bank attention. Defaults to 1.
        bank_dropout: Dropout of the bank attention. Defaults to 0.
        bank_fusion: How the bank read joins the relation feature, ``'residual'`` (``LN(r +
            read)``) or ``'concat'`` (a third part of the classifier input, ``r`` untouched).
            Defaults to ``'residual'``.
        shared_head: Not supported (HR2O takes its place); must be None.
        train_cfg, test_cfg, init_cfg: As for ``AVARoIHead``.
    """

    def __init__(self, bbox_roi_extractor: dict, bbox_head: dict, in_channels: int,
                 reduce_channels: int | None = 1024, hidden_channels: int = 512,
                 actor_channels: int | None = 512, actor_pool: str = 'max',
                 relation_kernel: int = 3, relation_padding: int = 0,
                 downsample: str = 'max2x2', hr2o: dict | None = None,
                 crop_padding: bool = True, bank_attention: bool = False,
                 long_term_bank: dict | None = None, bank_source: str = 'relation',
                 bank_channels: int | None = None, bank_heads: int = 1,
                 bank_dropout: float = 0.0, bank_fusion: str = 'residual',
                 shared_head: dict | None = None,
                 train_cfg: dict | None = None, test_cfg: dict | None = None,
                 init_cfg: dict | list[dict] | None = None, **kwargs) -> None:
        if shared_head is not None:
            raise ValueError('ACARRoIHead takes no shared_head: HR2O is its relation module')
        if in_channels <= 0 or hidden_channels <= 0:
            raise ValueError(f'in_channels and hidden_channels must be positive, got '
                             f'{in_channels}, {hidden_channels}')
        if reduce_channels is not None and reduce_channels <= 0:
            raise ValueError(f'reduce_channels must be positive or None, got {reduce_channels}')
        if actor_channels is not None and actor_channels <= 0:
            raise ValueError(f'actor_channels must be positive or None, got {actor_channels}')
        if actor_pool not in ('max', 'avg'):
            raise ValueError(f"actor_pool must be 'max' or 'avg', got {actor_pool!r}")
        if downsample not in ('max2x2', 'none'):
            raise ValueError(f"downsample must be 'max2x2' or 'none', got {downsample!r}")
        if relation_kernel < 1 or relation_padding < 0:
            raise ValueError(f'relation_kernel must be >= 1 and relation_padding >= 0, got '
                             f'{relation_kernel}, {relation_padding}')
        if bank_source not in ('relation', 'high_order'):
            raise ValueError(f"bank_source must be 'relation' or 'high_order', got "
                             f'{bank_source!r}')
        if long_term_bank is not None and not bank_attention:
            raise ValueError('long_term_bank needs bank_attention=True')
        hr2o = dict(hr2o or {})
        if 'channels' in hr2o:
            raise ValueError('set the HR2O width with ACARRoIHead(hidden_channels=...), not '
                             'hr2o.channels')
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         train_cfg=train_cfg, test_cfg=test_cfg, init_cfg=init_cfg, **kwargs)
        if getattr(self.bbox_roi_extractor, 'with_global', False):
            raise ValueError('ACARRoIHead needs bbox_roi_extractor.with_global=False: the '
                             'context map is its own input, not concatenated RoI channels')
        self.in_channels = in_channels
        d = in_channels if reduce_channels is None else reduce_channels
        self.reduce_channels = d
        self.hidden_channels = hidden_channels
        self.actor_channels = d if actor_channels is None else actor_channels
        self.actor_pool = actor_pool
        self.relation_kernel = relation_kernel
        self.relation_padding = relation_padding
        self.crop_padding = crop_padding

        self.reduce = (nn.Identity() if reduce_channels is None
                       else nn.Conv2d(in_channels, d, 1, bias=False))
        self.actor_fc = (nn.Identity() if actor_channels is None
                         else nn.Sequential(nn.Linear(d, actor_channels, bias=False),
                                            nn.ReLU(inplace=True)))
        self.conv1 = nn.Conv2d(2 * d, hidden_channels, 1, bias=False)  # input: [context; actor]
        self.conv2 = nn.Conv2d(hidden_channels, hidden_channels, relation_kernel,
                               padding=relation_padding, bias=False)
        self.downsample = (nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
                           if downsample == 'max2x2' else nn.Identity())
        self.hr2o = HR2O(channels=hidden_channels, **hr2o)
        self.bank_attention = (LongTermBankAttention(
            channels=hidden_channels, bank_channels=bank_channels, num_heads=bank_heads,
            dropout=bank_dropout, fusion=bank_fusion) if bank_attention else None)
        self.bank_source = bank_source
        self.feature_bank = (FeatureBank(**long_term_bank) if long_term_bank is not None
                             else None)
        self.out_channels = self.actor_channels + hidden_channels * (2 if self.bank_concat else 1)
        head_in = getattr(self.bbox_head, 'in_channels', None)
        if head_in is not None and head_in != self.out_channels:
            parts = (f'actor_channels + {"2 x " if self.bank_concat else ""}hidden_channels '
                     f'({self.out_channels})')
            raise ValueError(f'bbox_head.in_channels ({head_in}) must equal {parts}')

    @property
    def bank_concat(self) -> bool:
        """Whether the bank read is a third part of the classifier input
        (``bank_fusion='concat'``)."""
        return self.bank_attention is not None and self.bank_attention.fusion == 'concat'

    def _context_size(self, meta: dict, h: int, w: int, stride: int) -> tuple[int, int]:
        """Unpadded ``(h_b, w_b)`` of one clip's ``h x w`` feature map."""
        if not self.crop_padding or 'img_shape' not in meta:
            return h, w
        img_h, img_w = meta['img_shape'][:2]
        return (max(1, min(h, math.ceil(img_h / stride))),
                max(1, min(w, math.ceil(img_w / stride))))

    def _relation(self, context: Tensor, actors: Tensor) -> Tensor:
        """First-order relation maps of one clip.

        Args:
            context: ``(D, h, w)`` reduced context map of the clip.
            actors: ``(n, D)`` reduced pooled actor features of the clip's actors.

        Returns:
            ``(n, E, h', w')`` relation maps after ``conv2`` and the downsampling.
        """
        k, p = self.relation_kernel, self.relation_padding
        if min(context.shape[1:]) + 2 * p < k:
            raise ValueError(f'context map {tuple(context.shape[1:])} is smaller than the '
                             f'relation kernel {k} (padding {p}): use a smaller relation_kernel '
                             f'or relation_padding > 0')
        d = self.reduce_channels
        w1 = self.conv1.weight[:, :, 0, 0]  # (E, 2D): [context | actor]
        ctx = torch.einsum('ed,dhw->ehw', w1[:, :d], context)  # (E, h, w)
        act = actors @ w1[:, d:].t()  # (n, E)
        r = F.relu(ctx[None] + act[:, :, None, None])
        r = F.relu(self.conv2(r))
        return self.downsample(r)

    def _relations(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                   batch_img_metas: list[dict]) -> tuple[Tensor, Tensor, Tensor]:
        """Actor features and pooled first- and high-order relation features of every RoI.

        Args:
            x: Backbone features, ``(B, C_i, T_i, H, W)`` each.
            rois: ``(N, 5)`` actor RoIs ``batch_idx, x1, y1, x2, y2`` in input pixels.
            batch_img_metas: Per-clip metas (``img_shape`` for ``crop_padding``).

        Returns:
            ``actors (N, D)``, ``first (N, E)`` (spatial mean of the relation maps before HR2O),
            ``high (N, E)`` (after HR2O).
        """
        roi_feats, global_feat = self.bbox_roi_extractor(x, rois)
        if roi_feats.shape[1] != self.in_channels:
            raise ValueError(f'expected {self.in_channels} feature channels (in_channels), got '
                             f'{roi_feats.shape[1]}')
        n = rois.shape[0]
        actors = self.reduce(roi_feats.mean(dim=2))  # (N, D, S, S)
        actors = actors.amax(dim=(2, 3)) if self.actor_pool == 'max' else actors.mean(dim=(2, 3))
        context = self.reduce(global_feat.mean(dim=2))  # (B, D, H, W)

        first = actors.new_zeros(n, self.hidden_channels)
        high = actors.new_zeros(n, self.hidden_channels)
        stride = getattr(self.bbox_roi_extractor, 'featmap_stride', 16)
        clip_of = rois[:, 0].long()
        for i in range(global_feat.shape[0]):
            inds = torch.nonzero(clip_of == i, as_tuple=False).flatten()
            if inds.numel() == 0:
                continue
            meta = batch_img_metas[i] if i < len(batch_img_metas) else {}
            h, w = self._context_size(meta, context.shape[2], context.shape[3], stride)
            r = self._relation(context[i, :, :h, :w], actors[inds])  # (n_i, E, h', w')
            first = first.index_copy(0, inds, r.mean(dim=(2, 3)))
            high = high.index_copy(0, inds, self.hr2o(r).mean(dim=(2, 3)))
        return actors, first, high

    def bank_features(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                      batch_img_metas: list[dict]) -> Tensor:
        """``(N, E)`` features to store in an actor-context feature bank (see
        ``bank_source``); what ``tools/dump_features.py`` writes."""
        _, first, high = self._relations(x, rois, batch_img_metas)
        return first if self.bank_source == 'relation' else high

    def _banks(self, batch_img_metas: list[dict], device: torch.device
               ) -> list[Tensor] | None:
        """The ``long_term_bank`` window of every clip (None without a bank reader)."""
        if self.feature_bank is None:
            return None
        self.feature_bank.train(self.training)
        return [self.feature_bank.window(*FeatureBank.key_of(m)).to(device)
                for m in batch_img_metas]

    def _bbox_forward(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                      batch_img_metas: list[dict], long_term: Sequence[Tensor | None] | None = None,
                      **kwargs) -> dict:
        """Actor + context features -> relation maps -> HR2O (-> bank attention) -> classifier.

        Args:
            x: Backbone features, ``(B, C_i, T_i, H, W)`` each.
            rois: ``(N, 5)`` actor RoIs ``batch_idx, x1, y1, x2, y2`` in input pixels.
            batch_img_metas: Per-clip metas (``img_shape`` for ``crop_padding``; ``img_key``
                for ``long_term_bank``).
            long_term: Per clip, a ``(M_b, bank_channels)`` bank or None; used only with
                ``bank_attention``. Defaults to None: the ``long_term_bank`` windows if the
                head has a reader, else no long-term step.

        Returns:
            ``cls_score`` ``(N, num_classes)`` and ``bbox_feats`` ``(N, A + E, 1, 1, 1)`` (``A +
            2E`` with ``bank_fusion='concat'``).
        """
        b = (x[0] if isinstance(x, (tuple, list)) else x).shape[0]
        if long_term is not None:
            if self.bank_attention is None:
                raise ValueError('long_term banks given but the head was built with '
                                 'bank_attention=False')
            if len(long_term) != b:
                raise ValueError(f'long_term must hold one bank (or None) per clip: {b} clips, '
                                 f'{len(long_term)} banks')
        else:
            long_term = self._banks(batch_img_metas, rois.device)
        n = rois.shape[0]
        actors, _, relation = self._relations(x, rois, batch_img_metas)
        actor = self.actor_fc(actors)
        parts = [actor, relation]
        if self.bank_attention is not None:
            # 'residual': r <- LN(r + read); 'concat': the reads (zeros without a bank) are a
            # third part of the classifier input
            read = torch.zeros_like(relation) if self.bank_concat else relation
            clip_of = rois[:, 0].long()
            for i, bank in enumerate(long_term or []):
                inds = torch.nonzero(clip_of == i, as_tuple=False).flatten()
                if inds.numel():
                    read = read.index_copy(0, inds, self.bank_attention(relation[inds], bank))
            parts = [actor, relation, read] if self.bank_concat else [actor, read]
        bbox_feats = torch.cat(parts, dim=1)
        bbox_feats = bbox_feats.view(n, self.out_channels, 1, 1, 1)
        if n == 0:  # BBoxHeadAVA.forward cannot view an empty batch as (0, -1); its pools are
            # identities on (N, out_channels, 1, 1, 1) features, so its classifier alone is the
            # same map
            cls_score = self.bbox_head.fc_cls(bbox_feats.flatten(1))
        else:
            cls_score = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_feats=bbox_feats)
