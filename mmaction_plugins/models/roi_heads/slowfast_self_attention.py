"""Spatio-temporal *slow* and *fast* self-attention on 3D feature maps (seed report ``004``).

From "Spatio-Temporal SlowFast Network for Action Recognition" (Kim, Kim, Kim; POSTECH; seed
report ``004``): a SAGAN-style self-attention (Zhang et al., "Self-Attention Generative Adversarial
Networks", ICML 2019) rebuilt in 3D, whose query / key / value projections are 3D convolutions. The
*slow* module projects with a ``7 x 1 x 1`` temporal kernel (each token sees 7 neighbouring time
steps: slow actions), the *fast* module with ``1 x 1 x 1`` (frame-local: fast actions).

Two classes:

* :class:`SpatioTemporalSelfAttention` — one module (slow or fast is only its ``temporal_kernel``);
  it returns the attention *term* ``gamma * W_o(attention)``, without the residual;
* :class:`SlowFastSelfAttentionLayer` — one layer: the slow and / or the fast module in parallel on
  the same input, their terms added to the input (residual), LayerNorm before or after, or none.

The RoI head that stacks layers on SlowFast features is
:class:`~mmaction_plugins.models.roi_heads.slowfast_attention_head.SlowFastSelfAttentionRoIHead`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['ATTEND_AXES', 'NORMS', 'SlowFastSelfAttentionLayer', 'SpatioTemporalSelfAttention']

#: Token sets one attention runs over: all ``T*H*W`` positions of a sample (``'thw'``), the
#: ``H*W`` positions of each frame (``'hw'``), or the ``T`` steps of each position (``'t'``).
ATTEND_AXES = ('thw', 'hw', 't')
#: LayerNorm placement of a layer: after the residual sum (``'post'``), on the input of the
#: modules (``'pre'``), or none (``None``).
NORMS = (None, 'post', 'pre')


@MODELS.register_module()
class SpatioTemporalSelfAttention(nn.Module):
    """3D self-attention whose q / k / v projections are ``kt x 1 x 1`` convolutions.

    ::

        x (B, C, T, H, W)
          |-- q = Conv3d(C, E, (kt, 1, 1), padding (kt // 2, 0, 0))   (B, E, T, H, W)
          |-- k = Conv3d(C, E, (kt, 1, 1), ...)                       (B, E, T, H, W)
          '-- v = Conv3d(C, E, (kt, 1, 1), ...)                       (B, E, T, H, W)
                 | split E into num_heads heads of d = E / num_heads; tokens by ``attend``:
                 |   'thw': one set of L = T*H*W tokens per sample      (B, heads, L, d)
                 |   'hw' : one set of H*W tokens per frame             (B*T, heads, H*W, d)
                 |   't'  : one set of T tokens per position            (B*H*W, heads, T, d)
                 v
          a = softmax(q k^T / sqrt(d)) v    (or without / sqrt(d): scaled=False)
                 | back to (B, E, T, H, W)
                 v
          out = gamma * Conv3d(E, C, 1)(a)                             (B, C, T, H, W)

    ``gamma`` is a learnable scalar initialised to ``gamma_init`` (SAGAN: 0, so that a fresh
    module adds nothing and the network starts from its backbone features); ``gamma_init=None``
    drops it (``out = W_o(a)``). The residual sum is the layer's
    (:class:`SlowFastSelfAttentionLayer`).

    Args:
        in_channels: ``C``.
        embed_dims: ``E``, width of q, k and v (the report's "#dims": 512 or 2048).
        temporal_kernel: ``kt``, temporal kernel of the q / k / v convolutions; odd. 7: the
            report's slow module; 1: its fast module.
        num_heads: Attention heads; must divide ``embed_dims``. Defaults to 1 (SAGAN).
        attend: Token set, one of :data:`ATTEND_AXES`. Defaults to ``'thw'``.
        scaled: Divide the logits by ``sqrt(d)`` (transformer) instead of not (SAGAN).
            Defaults to True.
        attn_drop: Dropout on the attention weights (training only). Defaults to 0.
        gamma_init: Initial value of the output scale, or None for no scale. Defaults to 0.0.
    """

    def __init__(self, *, in_channels: int, embed_dims: int, temporal_kernel: int = 1,
                 num_heads: int = 1, attend: str = 'thw', scaled: bool = True,
                 attn_drop: float = 0.0, gamma_init: float | None = 0.0) -> None:
        super().__init__()
        if in_channels <= 0 or embed_dims <= 0:
            raise ValueError(f'in_channels and embed_dims must be positive, got {in_channels}, '
                             f'{embed_dims}')
        if temporal_kernel < 1 or temporal_kernel % 2 == 0:
            raise ValueError(f'temporal_kernel must be odd and >= 1 (same-length output), got '
                             f'{temporal_kernel}')
        if num_heads <= 0 or embed_dims % num_heads:
            raise ValueError(f'num_heads ({num_heads}) must divide embed_dims ({embed_dims})')
        if attend not in ATTEND_AXES:
            raise ValueError(f'attend must be one of {ATTEND_AXES}, got {attend!r}')
        if not 0.0 <= attn_drop < 1.0:
            raise ValueError(f'attn_drop must be in [0, 1), got {attn_drop}')
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.temporal_kernel = temporal_kernel
        self.num_heads = num_heads
        self.attend = attend
        self.scaled = scaled
        self.attn_drop = attn_drop
        kernel = (temporal_kernel, 1, 1)
        padding = (temporal_kernel // 2, 0, 0)
        self.q_proj = nn.Conv3d(in_channels, embed_dims, kernel, padding=padding)
        self.k_proj = nn.Conv3d(in_channels, embed_dims, kernel, padding=padding)
        self.v_proj = nn.Conv3d(in_channels, embed_dims, kernel, padding=padding)
        self.out_proj = nn.Conv3d(embed_dims, in_channels, 1)
        self.gamma = (nn.Parameter(torch.tensor(float(gamma_init))) if gamma_init is not None
                      else None)

    def _tokens(self, t: Tensor) -> Tensor:
        """``(B, E, T, H, W)`` -> ``(G, heads, L, d)`` token sets of :attr:`attend`."""
        b, _, tt, h, w = t.shape
        d = self.embed_dims // self.num_heads
        t = t.reshape(b, self.num_heads, d, tt, h, w)
        if self.attend == 'thw':
            return t.flatten(3).transpose(-1, -2)  # (B, heads, T*H*W, d)
        if self.attend == 'hw':  # (B, T, heads, H*W, d)
            return t.permute(0, 3, 1, 4, 5, 2).reshape(b * tt, self.num_heads, h * w, d)
        return t.permute(0, 4, 5, 1, 3, 2).reshape(b * h * w, self.num_heads, tt, d)  # 't'

    def _untokens(self, a: Tensor, shape: tuple[int, int, int, int]) -> Tensor:
        """Inverse of :meth:`_tokens`: ``(G, heads, L, d)`` -> ``(B, E, T, H, W)``."""
        b, tt, h, w = shape
        d = self.embed_dims // self.num_heads
        if self.attend == 'thw':
            return a.transpose(-1, -2).reshape(b, self.embed_dims, tt, h, w)
        if self.attend == 'hw':
            a = a.reshape(b, tt, self.num_heads, h, w, d)
            return a.permute(0, 2, 5, 1, 3, 4).reshape(b, self.embed_dims, tt, h, w)
        a = a.reshape(b, h, w, self.num_heads, tt, d)
        return a.permute(0, 3, 5, 4, 1, 2).reshape(b, self.embed_dims, tt, h, w)

    def forward(self, x: Tensor) -> Tensor:
        """The attention term.

        Args:
            x: ``(B, C, T, H, W)`` features (``B`` may be 0).

        Returns:
            ``(B, C, T, H, W)``: ``gamma * W_o(attention)``, to be added to ``x`` by the caller.
        """
        if x.dim() != 5 or x.shape[1] != self.in_channels:
            raise ValueError(f'expected (B, C={self.in_channels}, T, H, W) features, got '
                             f'{tuple(x.shape)}')
        b, _, tt, h, w = x.shape
        if x.numel() == 0:
            return x.new_zeros(x.shape)
        q, k, v = (self._tokens(p(x)) for p in (self.q_proj, self.k_proj, self.v_proj))
        scale = 1.0 / math.sqrt(q.shape[-1]) if self.scaled else 1.0
        a = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.attn_drop if self.training else 0.0, scale=scale)
        out = self.out_proj(self._untokens(a, (b, tt, h, w)))
        return out if self.gamma is None else self.gamma * out


class _ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of every position of a ``(B, C, T, H, W)`` map."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


@MODELS.register_module()
class SlowFastSelfAttentionLayer(nn.Module):
    """One layer: the slow and / or the fast module in parallel, a residual sum, LayerNorm.

    ::

        x (B, C, T, H, W)
          | h = LN_C(x) if norm == 'pre' else x
          v
          y = x + slow(h) + fast(h)          (a module set to None is left out)
          | y = LN_C(y) if norm == 'post'
          v
        y (B, C, T, H, W)

    ``LN_C`` is a LayerNorm over the ``C`` channels of each position (one per layer, learnable
    affine). ``slow`` and ``fast`` are :class:`SpatioTemporalSelfAttention` modules.

    Args:
        in_channels: ``C``.
        slow: Keyword arguments of the slow module (``temporal_kernel`` defaults to 7), or None.
        fast: Keyword arguments of the fast module (``temporal_kernel`` defaults to 1), or None.
        norm: One of :data:`NORMS`. Defaults to None (no LayerNorm).
    """

    def __init__(self, *, in_channels: int, slow: dict | None = None, fast: dict | None = None,
                 norm: str | None = None) -> None:
        super().__init__()
        if slow is None and fast is None:
            raise ValueError('a SlowFastSelfAttentionLayer needs the slow or the fast module '
                             '(or both); got neither')
        if norm not in NORMS:
            raise ValueError(f'norm must be one of {NORMS}, got {norm!r}')
        for name, spec in (('slow', slow), ('fast', fast)):
            if spec is not None and 'in_channels' in spec:
                raise ValueError(f'{name}.in_channels is the layer\'s in_channels; leave it out')
        self.in_channels = in_channels
        self.norm_pos = norm
        self.slow = (SpatioTemporalSelfAttention(in_channels=in_channels,
                                                 **{'temporal_kernel': 7, **slow})
                     if slow is not None else None)
        self.fast = (SpatioTemporalSelfAttention(in_channels=in_channels,
                                                 **{'temporal_kernel': 1, **fast})
                     if fast is not None else None)
        self.norm = _ChannelLayerNorm(in_channels) if norm is not None else None

    def forward(self, x: Tensor) -> Tensor:
        """Args: x: ``(B, C, T, H, W)``. Returns: ``(B, C, T, H, W)``."""
        h = self.norm(x) if self.norm is not None and self.norm_pos == 'pre' else x
        y = x
        for module in (self.slow, self.fast):
            if module is not None:
                y = y + module(h)
        if self.norm is not None and self.norm_pos == 'post':
            y = self.norm(y)
        return y
