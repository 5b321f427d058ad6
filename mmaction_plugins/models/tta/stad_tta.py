"""Test-time augmentation for two-stage STAD models: several input scales x horizontal flip,
per-person scores averaged, boxes mapped back exactly.

The PCCA report's final entry ensembles two spatial scales (256x455 and 360x640) with horizontal
flips. Here every *view* of a clip is made from the packed test sample (the inputs
``(C, T, H, W)`` and the person proposals in the same pixels):

::

    sample (inputs (C, T, H, W), proposals (N, 4) px, img_shape (H, W))
        | for every view (size (h, w), flip):
        |   inputs  -> bilinear resize to (h, w) -> flip along W if flip
        |   boxes   -> scale_boxes(w / W, h / H) -> flip_boxes(width=w) if flip
        |   meta    -> img_shape (h, w), flip False, crop_quadruple (0, 0, 1, 1); the boxes of
        |              META_BOX_KEYS (e.g. arm boxes) scaled and flipped like the proposals
        v
    model.test_step (one clip, as AVARoIHead requires)
        -> pred bboxes relative to the view (N, 4), scores (N, K), in proposal order
        | un-flip exactly (x -> 1 - x, relative), nothing to un-scale (relative coordinates)
        | checked against the sample's own proposals / (W, H): a mismatch raises
        v
    merged: bboxes = proposals / (W, H), then the sample's flip (exact) and crop_quadruple undone
            scores = mean over views of the per-person probabilities (sigmoid outputs)

The model never sees ``flip=True`` in a view's meta, so ``BBoxHeadAVA``'s off-by-one un-flip
(``img_w - 1 - x``, see :mod:`~mmaction_plugins.models.tta.box_flip`) is never used. Rows are
matched by position: ``AVARoIHead`` keeps every proposal, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from torch import Tensor, nn

from mmaction_plugins.models.tta.box_flip import flip_boxes, scale_boxes

__all__ = ['META_BOX_KEYS', 'TTAView', 'augment_sample', 'merge_view_predictions',
           'stad_tta_predict', 'tta_views']


#: Metainfo keys holding ``(M, 4)`` pixel boxes of the packed input that a head reads besides the
#: proposals (the arm model's ``ArmProposals`` output); every view scales / flips them as well.
META_BOX_KEYS: tuple[str, ...] = ('arm_bboxes', 'arm_body_bboxes')


@dataclass(frozen=True)
class TTAView:
    """One test-time view.

    Attributes:
        size: Input ``(h, w)`` in pixels, a float factor of the sample's size, or None (unchanged).
        flip: Horizontal flip.
    """

    size: tuple[int, int] | float | None = None
    flip: bool = False

    def shape_for(self, h: int, w: int) -> tuple[int, int]:
        """The view's ``(h, w)`` for a sample of ``h x w`` pixels."""
        if self.size is None:
            return (h, w)
        if isinstance(self.size, (int, float)):
            return (max(1, round(h * self.size)), max(1, round(w * self.size)))
        vh, vw = self.size
        return (int(vh), int(vw))


def tta_views(sizes: Sequence[tuple[int, int] | float | None] = (None,), flip: bool = True
              ) -> list[TTAView]:
    """Every size, unflipped then (with ``flip``) flipped.

    Args:
        sizes: View sizes (see :class:`TTAView`); e.g. ``[(256, 455), (360, 640)]``.
        flip: Add the flipped view of every size.
    """
    return [TTAView(s, f) for s in sizes for f in ((False, True) if flip else (False,))]


def _resize(inputs: Tensor, size: tuple[int, int]) -> Tensor:
    """Bilinear resize of the last two dims of ``(..., H, W)`` inputs (any leading dims)."""
    if tuple(inputs.shape[-2:]) == size:
        return inputs
    lead = inputs.shape[:-2]
    flat = inputs.reshape(1, -1, *inputs.shape[-2:]).float()
    out = F.interpolate(flat, size=size, mode='bilinear', align_corners=False)
    if not inputs.dtype.is_floating_point:
        out = out.round().clamp(0, 255)
    return out.to(inputs.dtype).reshape(*lead, *size)


def augment_sample(inputs: Tensor, data_sample, view: TTAView) -> tuple[Tensor, object]:
    """The view of one packed sample.

    Args:
        inputs: ``(..., H, W)`` clip as ``PackActionInputs`` makes it (e.g. ``(C, T, H, W)``).
        data_sample: Its ``ActionDataSample`` with ``proposals.bboxes`` ``(N, 4)`` in input pixels;
            metainfo boxes of :data:`META_BOX_KEYS` (``(M, 4)``, input pixels) are mapped the
            same way.
        view: The view.

    Returns:
        ``(inputs, data_sample)`` of the view; the sample is a copy.
    """
    h, w = (int(v) for v in inputs.shape[-2:])
    meta_shape = data_sample.metainfo.get('img_shape')
    if meta_shape is not None and tuple(int(v) for v in meta_shape[:2]) != (h, w):
        raise ValueError(f'img_shape {tuple(meta_shape)} != inputs size {(h, w)}')
    vh, vw = view.shape_for(h, w)
    out = _resize(inputs, (vh, vw))
    boxes = scale_boxes(data_sample.proposals.bboxes, vw / w, vh / h)
    if view.flip:
        out = out.flip(-1)
        boxes = flip_boxes(boxes, float(vw))
    sample = data_sample.clone()
    moved = {}
    for key in META_BOX_KEYS:  # boxes a head reads from the metainfo move with the proposals
        if data_sample.metainfo.get(key) is not None:
            extra = scale_boxes(np.asarray(data_sample.metainfo[key], np.float32).reshape(-1, 4),
                                vw / w, vh / h)
            moved[key] = flip_boxes(extra, float(vw)) if view.flip else extra
    sample.set_metainfo(dict(img_shape=(vh, vw), flip=False,
                             crop_quadruple=np.array([0, 0, 1, 1], dtype=np.float32), **moved))
    sample.proposals = InstanceData(bboxes=boxes)
    return out, sample


def _undo_crop_and_flip(rel: Tensor, metainfo: dict) -> Tensor:
    """Relative boxes of the packed input -> relative boxes of the original frame: the sample's
    own flip (exact, ``1 - x``), then its ``crop_quadruple`` (as ``BBoxHeadAVA`` does)."""
    if metainfo.get('flip', False):
        rel = flip_boxes(rel, 1.0)
    quad = metainfo.get('crop_quadruple')
    if quad is None:
        return rel
    x1, y1, tw, th = (float(v) for v in quad)
    out = rel.clone()
    out[:, 0::2] = rel[:, 0::2] * tw + x1
    out[:, 1::2] = rel[:, 1::2] * th + y1
    return out


def merge_view_predictions(view_preds: Sequence[InstanceData], views: Sequence[TTAView],
                           proposals: Tensor, img_shape: tuple[int, int], metainfo: dict,
                           atol: float = 1e-4) -> InstanceData:
    """Map every view's boxes back, check them, average the scores.

    Args:
        view_preds: Per view, ``pred_instances`` with ``bboxes`` ``(N, 4)`` relative to the view
            and ``scores`` ``(N, K)``.
        views: The views, same order.
        proposals: ``(N, 4)`` proposals of the packed sample, in its pixels.
        img_shape: ``(H, W)`` of the packed sample.
        metainfo: The packed sample's metainfo (``flip``, ``crop_quadruple`` honoured).
        atol: Tolerance, in relative units, of the box check.

    Returns:
        ``InstanceData(bboxes (N, 4) relative to the original frame, scores (N, K) mean)``.
    """
    if len(view_preds) != len(views) or not views:
        raise ValueError(f'{len(view_preds)} predictions for {len(views)} views')
    h, w = img_shape
    # divided, as BBoxHeadAVA does, so the identity view's boxes are reproduced bit for bit
    rel = proposals.float() / proposals.new_tensor([w, h, w, h], dtype=torch.float32)
    for view, pred in zip(views, view_preds):
        back = pred.bboxes.float()
        if view.flip:
            back = flip_boxes(back, 1.0)
        if back.shape != rel.shape or not torch.allclose(back, rel.to(back.device), atol=atol):
            raise RuntimeError(f'view {view}: predicted boxes do not map back onto the proposals '
                               '(reordered or dropped rows, or a non-exact flip)')
    scores = torch.stack([p.scores.float() for p in view_preds]).mean(dim=0)
    return InstanceData(bboxes=_undo_crop_and_flip(rel, metainfo), scores=scores)


@torch.no_grad()
def stad_tta_predict(model: nn.Module, data: dict, views: Sequence[TTAView] | None = None
                     ) -> list:
    """Run a STAD model (FastRCNN + ``AVARoIHead`` / ``PCCARoIHead``) over several views.

    Args:
        model: The detector (in eval mode), or its wrapper; called through ``test_step``.
        data: A collated test batch: ``inputs`` (list of ``(C, T, H, W)``) and ``data_samples``
            (``ActionDataSample`` with ``proposals``), as the test dataloader yields it.
        views: Views to run; defaults to ``tta_views((None,), flip=True)`` (identity + flip).

    Returns:
        One ``ActionDataSample`` per clip (a copy of the input sample) whose ``pred_instances``
        holds the merged ``bboxes`` and ``scores``.
    """
    views = list(tta_views() if views is None else views)
    if not views:
        raise ValueError('no views')
    results = []
    for inputs, sample in zip(data['inputs'], data['data_samples']):
        preds = []
        for view in views:
            v_inputs, v_sample = augment_sample(inputs, sample, view)
            test_step: Callable[[dict], list] = model.test_step  # type: ignore[assignment]
            (out,) = test_step(dict(inputs=[v_inputs], data_samples=[v_sample]))
            preds.append(out.pred_instances)
        merged = sample.clone()
        h, w = (int(v) for v in inputs.shape[-2:])
        merged.pred_instances = merge_view_predictions(
            preds, views, sample.proposals.bboxes, (h, w), sample.metainfo)
        results.append(merged)
    return results
