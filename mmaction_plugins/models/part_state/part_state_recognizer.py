"""``PartStateRecognizer``: the part-state network of seed 002 (Kinetics-TPS) as one model.

A 2D backbone (mmdet's ``SwinTransformer`` in the configs, as the report's Swin-L) on the person
crop; its middle-stage map feeds the RoI part features and its last-stage map the body feature of
:class:`~.part_state_head.PartStateHead`. Inputs and data samples come from
:class:`~mmaction_plugins.datasets.transforms.PackPartStateInputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModel
from torch import Tensor

__all__ = ['PartStateRecognizer']


@MODELS.register_module()
class PartStateRecognizer(BaseModel):
    """Backbone + :class:`PartStateHead`; losses in training, per-part states in ``predict``.

    ::

        inputs (B, 3, H, W) --backbone--> stages (B, C_i, H / s_i, W / s_i), i = 0..3
                                            |  stages[part_feat_index], stages[body_feat_index]
                                            v
        part_boxes (B, P, 4), part_valid (B, P), category (B,) --> PartStateHead --> [(B, S_p)]

    ``predict`` sets on every data sample, in *frame* part order (the input slots permuted back
    with ``part_order``, so flipped inputs give the frame's left and right):

    * ``pred_part_states``: int64 ``(P,)`` arg-max state of every part;
    * ``pred_part_scores``: float32 ``(P, S_max)`` softmax scores (states beyond a part's
      ``S_p`` are 0).

    Args:
        backbone: Backbone config (e.g. ``dict(type='mmdet.SwinTransformer', ...)``) returning a
            tuple of stage maps.
        head: :class:`PartStateHead` config.
        part_feat_index: Stage whose map is RoI-pooled (the report: a middle one). Defaults 1.
        body_feat_index: Stage of the body feature. Defaults to -1 (the last).
        data_preprocessor: Defaults to mmaction2's ``ActionDataPreprocessor`` (``NCHW``).
        init_cfg: mmengine init config.
    """

    def __init__(self, backbone: dict, head: dict, part_feat_index: int = 1,
                 body_feat_index: int = -1, data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='ActionDataPreprocessor', format_shape='NCHW')
        # built here, in mmaction's registry, whatever the caller's default scope
        super().__init__(data_preprocessor=MODELS.build(data_preprocessor), init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(dict(head, type=head.get('type', 'PartStateHead')))
        self.part_feat_index = part_feat_index
        self.body_feat_index = body_feat_index

    def extract_feat(self, inputs: Tensor) -> tuple[Tensor, Tensor]:
        """``(middle map, last map)`` of ``(B, 3, H, W)`` inputs."""
        feats = self.backbone(inputs)
        if not isinstance(feats, (tuple, list)):
            feats = (feats,)
        try:
            return feats[self.part_feat_index], feats[self.body_feat_index]
        except IndexError:
            raise ValueError(f'backbone returned {len(feats)} maps; part_feat_index '
                             f'{self.part_feat_index} / body_feat_index {self.body_feat_index} '
                             'out of range (set out_indices)') from None

    @staticmethod
    def _stack(data_samples: Sequence[Any], key: str) -> Tensor:
        try:
            return torch.stack([getattr(s, key) for s in data_samples])
        except AttributeError:
            raise KeyError(f'PartStateRecognizer: a data sample lacks {key!r} (use '
                           'PackPartStateInputs)') from None

    def _logits(self, inputs: Tensor, data_samples: Sequence[Any]) -> list[Tensor]:
        mid, body = self.extract_feat(inputs)
        category = self._stack(data_samples, 'category') if self.head.with_action else None
        return self.head(mid, body, self._stack(data_samples, 'part_boxes').to(inputs.dtype),
                         self._stack(data_samples, 'part_valid').bool(), category)

    def loss(self, inputs: Tensor, data_samples: Sequence[Any]) -> dict[str, Tensor]:
        """``loss_state`` (cross-entropy) and ``acc_state`` of a batch."""
        return self.head.loss(self._logits(inputs, data_samples),
                              self._stack(data_samples, 'part_states'))

    def predict(self, inputs: Tensor, data_samples: Sequence[Any]) -> list[Any]:
        """The data samples with ``pred_part_states`` / ``pred_part_scores`` (frame order)."""
        logits = self._logits(inputs, data_samples)
        s_max = max(self.head.num_states)
        scores = torch.stack([torch.nn.functional.pad(lg.softmax(dim=1), (0, s_max - lg.shape[1]))
                              for lg in logits], dim=1)  # (B, P, S_max), input slot order
        order = self._stack(data_samples, 'part_order').long()  # (B, P) frame index per slot
        frame_scores = torch.zeros_like(scores).scatter_(
            1, order[:, :, None].expand_as(scores), scores)
        frame_states = frame_scores.argmax(dim=2)
        for i, sample in enumerate(data_samples):
            sample.set_field(frame_states[i], 'pred_part_states')
            sample.set_field(frame_scores[i], 'pred_part_scores')
        return list(data_samples)

    def forward(self, inputs: Tensor, data_samples: Sequence[Any] | None = None,
                mode: str = 'tensor') -> Any:
        """mmengine's three modes: ``'loss'``, ``'predict'``, ``'tensor'`` (logits)."""
        if data_samples is None:
            raise ValueError('PartStateRecognizer needs data_samples (part boxes)')
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._logits(inputs, data_samples)
        raise ValueError(f'unknown mode {mode!r}')
