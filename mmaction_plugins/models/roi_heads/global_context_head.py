"""Global pooling feature fused with the RoI feature (seed report ``003``).

From "Multi-scale Spatiotemporal Features for Action Localization" (Fujitsu, AVA 2020): "the
global pooling feature of a clip can provide environmental information around the person ...
extract the global pooling feature before RoI Pooling"; fused into the LFB model it grows the
classifier input from 2560 to 2816 dimensions, i.e. a 256-wide global feature.

mmaction2's ``SingleRoIExtractor3D(with_global=True)`` already pools the clip's feature map (per
time step, adaptively to the RoI grid) and concatenates it to every RoI feature along channels.
:class:`GlobalContextHead` is a shared head (``AVARoIHead(shared_head=...)``) on that output that
reduces the global half to the report's form — one vector per clip, projected to
``global_channels`` — and concatenates it back. With ``global_channels=None`` and no activation it
is mmaction2's ``with_global`` feature averaged over its grid (width ``C``).
"""

from __future__ import annotations

import torch
from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['GlobalContextHead']


@MODELS.register_module()
class GlobalContextHead(nn.Module):
    """Split ``[RoI | global]`` features, pool and project the global part, concatenate.

    ::

        SingleRoIExtractor3D(with_global=True) -> (N, 2C, T, S, S) = [roi (N, C, ...) | glob]
              |                                      |
              |          glob: mean over T, S, S -> (N, C) -> Linear(C, G) -> ReLU -> Dropout
              |                                      | broadcast over T, S, S
              v                                      v
        out = cat([roi, global], dim=1)          (N, C + G, T, S, S)  -> BBoxHeadAVA

    ``G = global_channels`` (``C`` when None: no projection). The global vector is the same for
    every person of a clip (the extractor's global map is per clip) and constant over the RoI
    grid, so ``BBoxHeadAVA``'s max / average pooling passes it through unchanged.

    Args:
        in_channels: ``C``, channels of the RoI part (the extractor's output has ``2C``).
        global_channels: ``G``, width of the projected global feature; None: no projection.
            Defaults to 256 (the report's 2560 -> 2816).
        with_relu: ReLU after the projection (only with a projection). Defaults to True.
        dropout: Dropout on the global vector. Defaults to 0.
    """

    def __init__(self, *, in_channels: int, global_channels: int | None = 256,
                 with_relu: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        if in_channels <= 0 or (global_channels is not None and global_channels <= 0):
            raise ValueError(f'in_channels and global_channels must be positive, got '
                             f'{in_channels}, {global_channels}')
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        self.in_channels = in_channels
        self.global_channels = in_channels if global_channels is None else global_channels
        self.proj = nn.Linear(in_channels, global_channels) if global_channels else None
        self.act = nn.ReLU(inplace=True) if (with_relu and self.proj is not None) else None
        self.drop = nn.Dropout(dropout)

    @property
    def out_channels(self) -> int:
        """``C + G``: the bbox head's ``in_channels``."""
        return self.in_channels + self.global_channels

    def init_weights(self) -> None:
        """Xavier-uniform projection, zero bias."""
        if self.proj is not None:
            nn.init.xavier_uniform_(self.proj.weight)
            nn.init.zeros_(self.proj.bias)

    def forward(self, x: Tensor, feat: Tensor | None = None, rois: Tensor | None = None,
                img_metas: list[dict] | None = None) -> Tensor:
        """Fuse.

        Args:
            x: ``(N, 2C, T, S, S)`` RoI features from ``SingleRoIExtractor3D(with_global=True)``.
            feat, rois, img_metas: What ``AVARoIHead`` passes a shared head; unused.

        Returns:
            ``(N, C + G, T, S, S)``.
        """
        if x.dim() != 5 or x.shape[1] != 2 * self.in_channels:
            raise ValueError(f'expected (N, 2 x {self.in_channels}, T, S, S) features from '
                             'SingleRoIExtractor3D(with_global=True), got '
                             f'{tuple(x.shape)} (is with_global set?)')
        roi, glob = x[:, :self.in_channels], x[:, self.in_channels:]
        g = glob.mean(dim=(2, 3, 4))  # (N, C)
        if self.proj is not None:
            g = self.proj(g)
        if self.act is not None:
            g = self.act(g)
        g = self.drop(g)
        g = g[:, :, None, None, None].expand(-1, -1, *roi.shape[2:])
        return torch.cat([roi, g], dim=1)
