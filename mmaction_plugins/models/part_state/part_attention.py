"""Multi-head self-attention across the part tokens of a person, absent parts masked.

Seed 002 (Kinetics-TPS, Fig. 2 of the report): "we borrow the idea of Multi-Head Attention in
BERT, input each body part into the attention network as a patch". :class:`PartTokenAttention` is
that encoder: ``num_layers`` BERT layers (post-norm: ``x = LN(x + MHA(x))``, ``x = LN(x +
FFN(x))``) over the ``P`` part tokens of each person, where a part that is absent (not annotated,
not detected, cropped out) is never attended to.
"""

from __future__ import annotations

import math

import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['PartTokenAttention', 'masked_attention']


def masked_attention(q: Tensor, k: Tensor, v: Tensor, key_mask: Tensor
                     ) -> tuple[Tensor, Tensor]:
    """Scaled dot-product attention where masked keys get exactly zero weight.

    Args:
        q: ``(B, H, P, d)`` queries.
        k: ``(B, H, P, d)`` keys.
        v: ``(B, H, P, d)`` values.
        key_mask: ``(B, P)`` bool, True for keys that must not be attended to (absent parts).

    Returns:
        ``(out (B, H, P, d), weights (B, H, P, P))``. A person whose keys are all masked gets
        zero weights and a zero output (no NaN).
    """
    logits = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    masked = key_mask[:, None, None, :]
    logits = logits.masked_fill(masked, float('-inf'))
    none_left = key_mask.all(dim=1)[:, None, None, None]
    weights = torch.softmax(logits.masked_fill(none_left, 0.0), dim=-1)
    weights = weights.masked_fill(masked | none_left, 0.0)
    return weights @ v, weights


class _Layer(nn.Module):
    """One BERT layer: masked multi-head self-attention and FFN, each + residual + LayerNorm."""

    def __init__(self, dims: int, num_heads: int, ffn_channels: int, dropout: float,
                 attn_drop: float) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dims, 3 * dims)
        self.proj = nn.Linear(dims, dims)
        self.attn_drop = nn.Dropout(attn_drop)
        self.drop = nn.Dropout(dropout)
        self.norm1 = nn.LayerNorm(dims)
        self.ffn = nn.Sequential(nn.Linear(dims, ffn_channels), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(ffn_channels, dims))
        self.norm2 = nn.LayerNorm(dims)

    def forward(self, x: Tensor, absent: Tensor) -> tuple[Tensor, Tensor]:
        b, p, d = x.shape
        qkv = self.qkv(x).reshape(b, p, 3, self.num_heads, d // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, H, P, d/H)
        out, weights = masked_attention(q, k, v, absent)
        out = self.attn_drop(out).transpose(1, 2).reshape(b, p, d)
        x = self.norm1(x + self.drop(self.proj(out)))
        x = self.norm2(x + self.drop(self.ffn(x)))
        return x, weights


@MODELS.register_module()
class PartTokenAttention(nn.Module):
    """BERT-style encoder over part tokens with absent parts masked out as keys.

    ::

        tokens (B, P, D)        absent (B, P) bool
           |                        |
           v                        v
        [ x = LN(x + W_o softmax(QK^T / sqrt(D/H), absent keys -> weight 0) V)
          x = LN(x + FFN(x)) ]  x num_layers
           |
           v
        tokens (B, P, D)        (rows of absent parts are computed but carry no information
                                 into the present ones)

    Args:
        embed_dims: ``D``, token width.
        num_heads: Attention heads; must divide ``embed_dims``. Defaults to 8.
        num_layers: Stacked layers. Defaults to 1.
        ffn_channels: FFN hidden width. Defaults to ``4 * embed_dims``.
        dropout: Dropout on the attention / FFN outputs. Defaults to 0.1.
        attn_drop: Dropout on the attended values. Defaults to 0.
    """

    def __init__(self, *, embed_dims: int, num_heads: int = 8, num_layers: int = 1,
                 ffn_channels: int | None = None, dropout: float = 0.1,
                 attn_drop: float = 0.0) -> None:
        super().__init__()
        if embed_dims <= 0 or num_heads <= 0 or embed_dims % num_heads:
            raise ValueError(f'num_heads ({num_heads}) must divide embed_dims ({embed_dims}), '
                             'both positive')
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        self.embed_dims = embed_dims
        hidden = 4 * embed_dims if ffn_channels is None else ffn_channels
        self.layers = nn.ModuleList(_Layer(embed_dims, num_heads, hidden, dropout, attn_drop)
                                    for _ in range(num_layers))
        self.last_weights: Tensor | None = None

    def forward(self, tokens: Tensor, absent: Tensor) -> Tensor:
        """Encode ``(B, P, D)`` tokens; ``absent`` ``(B, P)`` bool masks keys. Keeps the last
        layer's ``(B, H, P, P)`` weights in ``last_weights`` (for inspection and tests)."""
        if tokens.ndim != 3 or tokens.shape[-1] != self.embed_dims:
            raise ValueError(f'tokens must be (B, P, {self.embed_dims}), got '
                             f'{tuple(tokens.shape)}')
        if absent.shape != tokens.shape[:2] or absent.dtype != torch.bool:
            raise ValueError(f'absent must be a bool (B, P) = {tuple(tokens.shape[:2])} mask, '
                             f'got {absent.dtype} {tuple(absent.shape)}')
        x = tokens
        for layer in self.layers:
            x, weights = layer(x, absent)
        self.last_weights = weights.detach()
        return x
