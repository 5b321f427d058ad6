"""ArmRoIHead: RoIs pooled at the arm boxes of the metainfo (exactly mmaction2's head on those
boxes), ground-truth RoIs moved with their proposal, the test-time check, zero RoIs, with_body,
and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict

import mmaction_plugins.models  # noqa: F401  (registers the heads)
from mmaction_plugins.models.roi_heads import ArmRoIHead, transfer_boxes

C, T, FEAT, K = 6, 2, 8, 4
IMG = FEAT * 16
BODIES = np.array([[10, 10, 60, 120], [70, 20, 120, 124]], np.float32)
ARMS = np.array([[30, 30, 70, 60], [70, 20, 120, 124]], np.float32)  # person 2: no arm


def _head_cfg(type_: str, **kw) -> dict:
    cfg = dict(
        type=type_,
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                output_size=4, with_temporal_pool=True),
        bbox_head=dict(type='BBoxHeadAVA', background_class=False, multilabel=True,
                       num_classes=K, topk=(), dropout_ratio=0.0, in_channels=C),
        train_cfg=ConfigDict(
            assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9,
                          min_pos_iou=0.9),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=1, neg_pos_ub=-1,
                         add_gt_as_proposals=True),
            pos_weight=1.0),
        test_cfg=dict(rcnn=None))
    cfg.update(kw)
    return cfg


def _build(type_: str = 'mmaction.ArmRoIHead', **kw):
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(_head_cfg(type_, **kw))
    head.init_weights()
    return head.eval()


def _x() -> torch.Tensor:
    torch.manual_seed(1)
    return torch.randn(1, C, T, FEAT, FEAT)


def _rois(boxes: np.ndarray) -> torch.Tensor:
    return torch.cat([torch.zeros(len(boxes), 1), torch.as_tensor(boxes)], dim=1)


META = [dict(img_shape=(IMG, IMG), img_key='v,0902', arm_bboxes=ARMS, arm_body_bboxes=BODIES)]


def test_registered_and_pools_at_the_arm_boxes():
    from mmaction.models.roi_heads import AVARoIHead
    from mmaction.registry import MODELS

    assert MODELS.get('ArmRoIHead') is ArmRoIHead
    arm = _build()
    plain = _build('AVARoIHead')
    plain.load_state_dict(arm.state_dict())
    assert isinstance(arm, AVARoIHead)
    out = arm._bbox_forward(_x(), _rois(BODIES), META)
    expected = plain._bbox_forward(_x(), _rois(ARMS), META)['cls_score']
    torch.testing.assert_close(out['cls_score'], expected)  # person 1 at its arm, 2 at its body
    body = plain._bbox_forward(_x(), _rois(BODIES), META)['cls_score']
    assert not torch.allclose(out['cls_score'][0], body[0])
    torch.testing.assert_close(out['cls_score'][1], body[1])


def test_predictions_report_the_body_boxes():
    from mmengine.structures import InstanceData

    arm = _build()
    (pred,) = arm.predict(_x(), [InstanceData(bboxes=torch.as_tensor(BODIES))],
                          [_Sample(META[0])])
    torch.testing.assert_close(pred.bboxes, torch.as_tensor(BODIES) / IMG)
    assert pred.scores.shape == (2, K)


class _Sample:
    """The bit of an ActionDataSample that AVARoIHead.predict reads."""

    def __init__(self, meta: dict) -> None:
        self.metainfo = meta


def test_transfer_boxes_exact_moved_and_unmatched():
    bodies, arms = torch.as_tensor(BODIES), torch.as_tensor(ARMS)
    out, iou = transfer_boxes(bodies, bodies, arms, 0.5)
    torch.testing.assert_close(out, arms)  # a proposal gets its own arm box, bit for bit
    torch.testing.assert_close(iou, torch.ones(2))
    # a ground-truth box 2 px right and 10 % wider than proposal 1: the arm box moves along
    gt = torch.tensor([[12.0, 10.0, 67.0, 120.0]])
    moved, _ = transfer_boxes(gt, bodies, arms, 0.5)
    expected = torch.tensor([[12 + 20 * 1.1, 30.0, 12 + 60 * 1.1, 60.0]])
    torch.testing.assert_close(moved, expected)
    far = torch.tensor([[0.0, 0.0, 5.0, 5.0]])
    kept, iou = transfer_boxes(far, bodies, arms, 0.5)
    torch.testing.assert_close(kept, far)
    assert float(iou[0]) == 0.0
    empty, _ = transfer_boxes(torch.zeros(0, 4), bodies, arms, 0.5)
    assert empty.shape == (0, 4)


def test_training_rois_match_by_iou_test_rois_must_be_the_proposals():
    arm = _build()
    moved = BODIES + np.array([2, 0, 2, 0], np.float32)  # a TTA view / a jittered box
    arm.train()
    rois = arm.arm_rois(_rois(moved), META)
    assert torch.allclose(rois[0, 1:], torch.as_tensor(ARMS[0] + np.float32([2, 0, 2, 0])))
    arm.eval()
    with pytest.raises(ValueError, match='v,0902.*META_BOX_KEYS'):
        arm.arm_rois(_rois(moved), META)


def test_zero_rois_missing_metainfo_and_with_body():
    arm = _build()
    out = arm._bbox_forward(_x(), torch.zeros(0, 5), META)
    assert out['cls_score'].shape == (0, K)
    with pytest.raises(KeyError, match='ArmProposals'):
        arm._bbox_forward(_x(), _rois(BODIES), [dict(img_shape=(IMG, IMG))])
    both = _build(with_body=True, bbox_head=dict(type='BBoxHeadAVA', background_class=False,
                                                 num_classes=K, topk=(), in_channels=2 * C))
    out = both._bbox_forward(_x(), _rois(BODIES), META)
    assert out['bbox_feats'].shape[1] == 2 * C and out['cls_score'].shape == (2, K)
    with pytest.raises(ValueError, match='match_iou'):
        _build(match_iou=0.0)
