"""Arm RoI head (seed report ``003``): classify a person's actions from its arm box.

From "Multi-scale Spatiotemporal Features for Action Localization" (Fujitsu, AVA 2020): when an
arm's elbow and wrist are inside the image, the person's body box is replaced by a moderately
enlarged arm box for RoI pooling, and an arm-action model is trained on the arm-related classes;
its scores are merged into the main model's result for the classes where validation AP improves
(:mod:`mmaction_plugins.evaluation.class_score_merge`).

The arm boxes are made in the data pipeline
(:class:`~mmaction_plugins.datasets.transforms.ArmProposals`, packed into the metainfo as
``arm_bboxes`` + ``arm_body_bboxes``); this head maps its RoIs onto them, pools there, and
reports the *body* boxes (the person), so its results line up box for box with the main model's.
"""

from __future__ import annotations

import numpy as np
import torch
from mmaction.models.roi_heads import AVARoIHead
from mmaction.registry import MODELS
from torch import Tensor

__all__ = ['ArmRoIHead', 'transfer_boxes']


def _iou(a: Tensor, b: Tensor) -> Tensor:
    """``(N, 4)`` x ``(M, 4)`` -> ``(N, M)`` IoU (0 for empty unions)."""
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(dim=-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(dim=-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(union))


def transfer_boxes(boxes: Tensor, bodies: Tensor, arms: Tensor, min_iou: float
                   ) -> tuple[Tensor, Tensor]:
    """Give every box the arm box of its best-matching body box, moved along with it.

    For a box ``R`` whose best-IoU body box ``P`` (arm box ``A``) has IoU ``>= min_iou``, the arm
    box keeps its position relative to the body: ``A' = R_xy1 + (A - P_xy1) * size(R) / size(P)``
    (``A' = A`` when ``R = P``); other boxes keep themselves.

    Args:
        boxes: ``(N, 4)`` boxes (RoIs of one image, pixels).
        bodies: ``(M, 4)`` the body boxes the arm boxes were made for.
        arms: ``(M, 4)`` their arm boxes.
        min_iou: Smallest IoU of a match.

    Returns:
        ``(arm boxes (N, 4), best IoU (N,))`` (IoU 0 where ``M = 0``).
    """
    if bodies.shape != arms.shape or bodies.dim() != 2 or bodies.shape[-1] != 4:
        raise ValueError(f'bodies and arms must both be (M, 4), got {tuple(bodies.shape)} and '
                         f'{tuple(arms.shape)}')
    if boxes.shape[0] == 0 or bodies.shape[0] == 0:
        return boxes.clone(), boxes.new_zeros(boxes.shape[0])
    iou = _iou(boxes, bodies)
    best_iou, best = iou.max(dim=1)
    p, a = bodies[best], arms[best]
    size_p = (p[:, 2:] - p[:, :2]).clamp(min=1e-6)
    size_r = boxes[:, 2:] - boxes[:, :2]
    ratio = (size_r / size_p).repeat(1, 2)
    moved = boxes[:, :2].repeat(1, 2) + (a - p[:, :2].repeat(1, 2)) * ratio
    exact = (boxes == p).all(dim=1, keepdim=True)
    moved = torch.where(exact, a, moved)
    return torch.where((best_iou >= min_iou)[:, None], moved, boxes), best_iou


@MODELS.register_module()
class ArmRoIHead(AVARoIHead):
    """mmaction2's ``AVARoIHead`` pooling every person at its arm box.

    ::

        rois (N, 5) body boxes  +  metainfo[b]: arm_body_bboxes (M_b, 4), arm_bboxes (M_b, 4)
              | per image: transfer_boxes(rois_b, arm_body_bboxes, arm_bboxes, min_iou):
              |   a RoI that is a proposal gets its arm box (the body box itself where no
              |   arm qualified); a ground-truth box added as a RoI in training gets the arm
              |   box of its best-IoU proposal, moved with it; unmatched RoIs keep the body box
              v
        arm rois (N, 5) --> bbox_roi_extractor (SlowFast: C = Cs + Cf; with_global as usual)
              |                        (with_body: also the body RoI, channels concatenated)
              v
        arm features (N, C [+ C], T, S, S) -> shared_head (if any) -> bbox_head (BBoxHeadAVA)
              -> cls_score (N, num_classes), sigmoid + BCE; predictions keep the body boxes

    At test time (eval mode) every RoI must *be* one of its image's ``arm_body_bboxes`` (IoU
    ``>= 1 - 1e-4``): anything else means the arm boxes were made for other boxes (e.g. a
    test-time-augmented view that moved the proposals but not the metainfo) and raises. Any
    number of persons per clip works, zero included.

    Train it on the arm classes with
    :class:`~mmaction_plugins.datasets.transforms.LabelSubset` (``num_classes = 1 + len(classes) +
    1``). Use it in an AVA-style FastRCNN config as ``roi_head=dict(type='mmaction.ArmRoIHead',
    ...)``.

    Args:
        bbox_roi_extractor: ``SingleRoIExtractor3D`` config.
        bbox_head: ``BBoxHeadAVA`` config (``in_channels`` doubles with ``with_body``).
        match_iou: Smallest IoU for a training RoI to take a proposal's arm box. Defaults to 0.5.
        with_body: Also pool the body box and concatenate (the report replaces the body box: off).
            Defaults to False.
        shared_head, train_cfg, test_cfg, init_cfg: As for ``AVARoIHead``.
    """

    _TEST_IOU = 1.0 - 1e-4

    def __init__(self, bbox_roi_extractor: dict, bbox_head: dict, match_iou: float = 0.5,
                 with_body: bool = False, shared_head: dict | None = None,
                 train_cfg: dict | None = None, test_cfg: dict | None = None,
                 init_cfg: dict | list[dict] | None = None, **kwargs) -> None:
        if not 0.0 < match_iou <= 1.0:
            raise ValueError(f'match_iou must be in (0, 1], got {match_iou}')
        super().__init__(bbox_roi_extractor=bbox_roi_extractor, bbox_head=bbox_head,
                         shared_head=shared_head, train_cfg=train_cfg, test_cfg=test_cfg,
                         init_cfg=init_cfg, **kwargs)
        self.match_iou = float(match_iou)
        self.with_body = with_body

    def arm_rois(self, rois: Tensor, batch_img_metas: list[dict]) -> Tensor:
        """The arm RoIs of ``rois`` (see the class docstring).

        Args:
            rois: ``(N, 5)`` ``batch_idx, x1, y1, x2, y2``.
            batch_img_metas: Per-image metainfo with ``arm_bboxes`` and ``arm_body_bboxes``.

        Returns:
            ``(N, 5)``, same batch indices and order.
        """
        out = rois.clone()
        inds = rois[:, 0].long()
        for b in torch.unique(inds).tolist():
            meta = batch_img_metas[b] if b < len(batch_img_metas) else {}
            if 'arm_bboxes' not in meta or 'arm_body_bboxes' not in meta:
                raise KeyError(
                    f'ArmRoIHead: image {b} ({meta.get("img_key")!r}) has no arm_bboxes / '
                    "arm_body_bboxes in its metainfo: the pipeline needs ArmProposals and "
                    "PackActionInputs(meta_keys=(..., 'arm_bboxes', 'arm_body_bboxes'))")
            bodies = torch.as_tensor(np.asarray(meta['arm_body_bboxes'], dtype=np.float32),
                                     device=rois.device).reshape(-1, 4)
            arms = torch.as_tensor(np.asarray(meta['arm_bboxes'], dtype=np.float32),
                                   device=rois.device).reshape(-1, 4)
            sel = torch.nonzero(inds == b, as_tuple=False).flatten()
            boxes = rois[sel, 1:].float()
            min_iou = self.match_iou if self.training else self._TEST_IOU
            arm, iou = transfer_boxes(boxes, bodies, arms, min_iou)
            if not self.training and bool((iou < self._TEST_IOU).any()):
                bad = int(torch.nonzero(iou < self._TEST_IOU)[0])
                raise ValueError(
                    f'ArmRoIHead: RoI {boxes[bad].tolist()} of image {b} '
                    f'({meta.get("img_key")!r}) is none of the boxes its arm boxes were made for '
                    '(arm_body_bboxes): were the proposals moved after ArmProposals without '
                    'them (a view that does not map mmaction_plugins.models.tta.META_BOX_KEYS)?')
            out[sel, 1:] = arm.to(rois.dtype)
        return out

    def _bbox_forward(self, x: Tensor | tuple[Tensor, ...], rois: Tensor,
                      batch_img_metas: list[dict], **kwargs) -> dict:
        """Arm RoIs -> RoI features (-> shared head) -> classifier.

        Args:
            x: Backbone features, ``(B, C_i, T_i, H, W)`` each.
            rois: ``(N, 5)`` body RoIs in input pixels (``N`` may be 0).
            batch_img_metas: Per-image metainfo (``arm_bboxes``, ``arm_body_bboxes``).

        Returns:
            ``cls_score`` ``(N, num_classes)`` and ``bbox_feats`` (the arm RoI features).
        """
        arm_rois = self.arm_rois(rois, batch_img_metas)
        bbox_feats, global_feat = self.bbox_roi_extractor(x, arm_rois)
        if self.with_body:
            body_feats, _ = self.bbox_roi_extractor(x, rois)
            bbox_feats = torch.cat([bbox_feats, body_feats], dim=1)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats, feat=global_feat, rois=arm_rois,
                                          img_metas=batch_img_metas)
        if rois.shape[0] == 0:  # BBoxHeadAVA.forward cannot view an empty batch as (0, -1)
            cls_score = self.bbox_head.fc_cls(bbox_feats.new_zeros((0, self.bbox_head.in_channels)))
        else:
            cls_score = self.bbox_head(bbox_feats)
        return dict(cls_score=cls_score, bbox_feats=bbox_feats)
