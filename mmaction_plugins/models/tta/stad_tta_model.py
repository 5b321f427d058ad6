"""``STADTTAModel``: the multi-scale x flip test of :mod:`.stad_tta` as an mmengine TTA model.

``tools/test.py CONFIG CKPT --tta`` wraps the config's model in the config's ``tta_model``
(default ``dict(type='STADTTAModel')``: identity + flip), as mmdet's and mmaction2's ``--tta``
do. The views are made inside the model from the normal test sample (the test pipeline is kept
unless the config has a ``tta_pipeline``), so the person boxes are mapped back exactly and one
merged prediction per clip reaches the metric::

    tta_model = dict(type='STADTTAModel', views=[
        dict(size=None), dict(size=None, flip=True),        # the test scale, and flipped
        dict(size=1.40625), dict(size=1.40625, flip=True),  # 256x455 -> 360x640
    ])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmaction.registry import MODELS
from mmengine.model import BaseTTAModel
from torch import nn

from mmaction_plugins.models.tta.stad_tta import TTAView, stad_tta_predict, tta_views

__all__ = ['STADTTAModel']


def _view(spec: dict | TTAView) -> TTAView:
    if isinstance(spec, TTAView):
        return spec
    unknown = set(spec) - {'size', 'flip'}
    if unknown:
        raise ValueError(f'a TTA view takes size and flip, got {sorted(unknown)}')
    size = spec.get('size')
    if isinstance(size, (list, tuple)):
        size = (int(size[0]), int(size[1]))
    return TTAView(size=size, flip=bool(spec.get('flip', False)))


@MODELS.register_module()
class STADTTAModel(BaseTTAModel):
    """Test a STAD model (FastRCNN + ``AVARoIHead``-style head) over several views.

    Args:
        module: The model or its config.
        views: ``dict(size=None | float | (h, w), flip=bool)`` per view (see
            :class:`~.stad_tta.TTAView`). Defaults to the test input and its flip.
        data_preprocessor: As for ``BaseTTAModel``.
    """

    def __init__(self, module: dict | nn.Module, views: Sequence[dict | TTAView] | None = None,
                 data_preprocessor: dict | nn.Module | None = None) -> None:
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        self.views = [_view(v) for v in views] if views else tta_views()

    def test_step(self, data: dict) -> list[Any]:
        """One merged ``ActionDataSample`` per clip of a normal (un-augmented) test batch."""
        return stad_tta_predict(self.module, data, self.views)

    def merge_preds(self, data_samples_list: list) -> list:
        """Not used: :meth:`test_step` merges the views itself."""
        raise NotImplementedError('STADTTAModel merges views in test_step')
