"""Several ``AVARoIHead`` shared heads applied one after the other.

mmaction2's ``AVARoIHead`` has one ``shared_head`` slot between the RoI extractor and the bbox
head; seed 003 stacks two feature fusions there (the global pooling feature, then the long-term
feature bank). :class:`SharedHeadChain` fills the slot with a chain of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mmaction.registry import MODELS
from torch import Tensor, nn

__all__ = ['SharedHeadChain']


@MODELS.register_module()
class SharedHeadChain(nn.Module):
    """``x -> heads[0] -> heads[1] -> ...``, each called as ``AVARoIHead`` calls a shared head.

    ::

        RoI feats x (N, C_0, T, S, S) -> head_0(x, feat, rois, img_metas) -> (N, C_1, ...)
            -> head_1(., feat, rois, img_metas) -> ... -> (N, C_k, ...) -> bbox head

    Every head gets the same ``feat`` (the extractor's global map), ``rois`` and ``img_metas``.

    Args:
        heads: Configs of the shared heads: a list, in order, or a dict ``{name: config}``
            with ``order`` — with names, a leaf config changes one head's arguments by its
            name (mmengine merges dicts key by key but replaces lists whole). The names are not
            part of the weights (``heads.0``, ``heads.1``, ... either way). Give every type with
            its registry's prefix: the model block is mmdet-scoped, and mmdet has heads of the
            same names (``mmaction.GlobalContextHead`` is ours, ``GlobalContextHead`` mmdet's
            HTC head); mmaction2 registers its ``FBOHead`` / ``ACRNHead`` in mmdet
            (``mmdet.FBOHead``).
        order: The names of ``heads`` (a dict), in the order they are applied; required with a
            dict, since a dict's own order does not survive mmengine's config dump (it sorts
            keys: the ``config.py`` a training writes and resumes from would reorder them).

    Raises:
        ValueError: no head; a dict without ``order``, or ``order`` not naming each head once.
    """

    def __init__(self, heads: Sequence[dict] | Mapping[str, dict],
                 order: Sequence[str] | None = None) -> None:
        super().__init__()
        if isinstance(heads, Mapping):
            if order is None or sorted(order) != sorted(heads):
                raise ValueError(f'SharedHeadChain: order {order!r} must name each of the heads '
                                 f'{sorted(heads)} once (a dict of heads needs it: mmengine '
                                 "sorts a dumped config's keys)")
            cfgs = [heads[name] for name in order]
        elif order is not None:
            raise ValueError('SharedHeadChain: order is for a dict of heads, not a list')
        else:
            cfgs = list(heads)
        if not cfgs:
            raise ValueError('SharedHeadChain needs at least one head')
        self.heads = nn.ModuleList(MODELS.build(dict(cfg)) for cfg in cfgs)

    def init_weights(self) -> None:
        """Each head's own initialisation."""
        for head in self.heads:
            init = getattr(head, 'init_weights', None)
            if callable(init):
                init()

    def forward(self, x: Tensor, feat: Tensor | None = None, rois: Tensor | None = None,
                img_metas: list[dict] | None = None) -> Tensor:
        """Apply the heads in order (see the class docstring)."""
        head: nn.Module
        for head in self.heads:
            x = head(x, feat=feat, rois=rois, img_metas=img_metas)
        return x
