"""SlowFastSelfAttentionRoIHead: built in mmdet scope as inside FastRCNN, pathway fusion, both
placements, GAP / GMP, stacked layers, zero RoIs, a training step, and the config errors."""

from __future__ import annotations

import itertools

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

import mmaction_plugins.models  # noqa: F401  (registers the head)
from mmaction_plugins.models.roi_heads import SlowFastSelfAttentionRoIHead, fuse_pathways

CS, CF, TS, TF, FEAT, K = 8, 4, 2, 8, 4, 5  # slow / fast channels and frames, map side, classes
C = CS + CF
IMG = FEAT * 16


def _cfg(**kw) -> dict:
    attention = kw.pop('attention', dict(in_channels=C, slow=dict(embed_dims=8),
                                         fast=dict(embed_dims=8), norm=None))
    cfg = dict(
        type='mmaction.SlowFastSelfAttentionRoIHead',
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                output_size=2, with_temporal_pool=False),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True, multilabel=True,
                       num_classes=K, topk=(), dropout_ratio=0.0, in_channels=C),
        attention=attention, temporal_size=4,
        train_cfg=ConfigDict(
            assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9,
                          min_pos_iou=0.9),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=1, neg_pos_ub=-1,
                         add_gt_as_proposals=True),
            pos_weight=1.0),
        test_cfg=dict(rcnn=None))
    cfg.update(kw)
    return cfg


def _build(**kw) -> SlowFastSelfAttentionRoIHead:
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(_cfg(**kw))
    head.init_weights()
    return head.eval()


def _feats(batch: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(1)
    return (torch.randn(batch, CS, TS, FEAT, FEAT), torch.randn(batch, CF, TF, FEAT, FEAT))


ROIS = torch.tensor([[0, 0, 0, 32, 48], [0, 16, 8, 64, 64]], dtype=torch.float32)


def test_built_in_mmdet_scope_is_an_ava_roi_head():
    from mmaction.models.roi_heads import AVARoIHead
    from mmaction.registry import MODELS

    assert MODELS.get('SlowFastSelfAttentionRoIHead') is SlowFastSelfAttentionRoIHead
    head = _build(num_layers=2)
    assert isinstance(head, AVARoIHead) and len(head.attention) == 2
    assert head.attention[0] is not head.attention[1]


def test_fuse_pathways_resizes_time_and_concatenates():
    slow, fast = _feats(2)
    out = fuse_pathways((slow, fast), 4)
    assert out.shape == (2, C, 4, FEAT, FEAT)
    torch.testing.assert_close(out[:, :CS, 0], slow[:, :, 0])  # repeated: 2 -> 4
    torch.testing.assert_close(out[:, :CS, 1], slow[:, :, 0])
    torch.testing.assert_close(out[:, CS:, 0], fast[:, :, :2].mean(dim=2))  # averaged: 8 -> 4
    assert fuse_pathways((slow, fast)).shape[2] == TF  # default: the longest pathway
    assert fuse_pathways(slow, 2).shape == slow.shape
    with pytest.raises(ValueError, match='same B, H, W'):
        fuse_pathways((slow, fast[..., :2]))
    with pytest.raises(ValueError, match='temporal_size'):
        fuse_pathways((slow, fast), 0)


@pytest.mark.parametrize('placement,pool,layers,modules,norm', list(itertools.product(
    ('feature_map', 'roi'), ('avg', 'max'), (1, 2), ('slow', 'fast', 'both'), (None, 'post'))))
def test_shapes_every_setting(placement, pool, layers, modules, norm):
    att = dict(in_channels=C, norm=norm,
               slow=dict(embed_dims=8) if modules in ('slow', 'both') else None,
               fast=dict(embed_dims=4) if modules in ('fast', 'both') else None)
    head = _build(placement=placement, pool=pool, num_layers=layers, attention=att)
    out = head._bbox_forward(_feats(), ROIS, [dict(img_shape=(IMG, IMG))])
    assert out['cls_score'].shape == (2, K)
    assert out['bbox_feats'].shape == (2, C, 1, 1, 1)
    assert torch.isfinite(out['cls_score']).all()
    empty = head._bbox_forward(_feats(), ROIS[:0], [dict(img_shape=(IMG, IMG))])
    assert empty['cls_score'].shape == (0, K) and empty['bbox_feats'].shape == (0, C, 1, 1, 1)


@pytest.mark.parametrize('pool', ['avg', 'max'])
def test_gap_gmp_pool_the_attended_roi_features_over_time_and_space(pool):
    head = _build(pool=pool)  # fresh layers: gamma = 0, the attention is the identity
    x = _feats()
    roi_feats, _ = head.bbox_roi_extractor(fuse_pathways(x, 4), ROIS)  # (N, C, 4, 2, 2)
    expected = (roi_feats.mean(dim=(2, 3, 4)) if pool == 'avg'
                else roi_feats.amax(dim=(2, 3, 4)))
    out = head._bbox_forward(x, ROIS, [{}])
    torch.testing.assert_close(out['bbox_feats'].flatten(1), expected)
    torch.testing.assert_close(out['cls_score'], head.bbox_head.fc_cls(expected))


def test_placements_differ_only_in_what_the_attention_sees():
    att = dict(in_channels=C, slow=dict(embed_dims=8, gamma_init=1.0),
               fast=dict(embed_dims=8, gamma_init=1.0), norm=None)
    fmap = _build(placement='feature_map', attention=att)
    roi = _build(placement='roi', attention=att)
    roi.load_state_dict(fmap.state_dict())
    x = _feats()
    a = fmap._bbox_forward(x, ROIS, [{}])['bbox_feats']
    b = roi._bbox_forward(x, ROIS, [{}])['bbox_feats']
    assert not torch.allclose(a, b)
    # on the map, a person's features depend on the clip outside its box; on the RoI, not
    far = (x[0].clone(), x[1].clone())
    far[0][..., 3, 3] += 10.0  # a cell outside the first RoI (0..32 x 0..48 px -> cells 0..2)
    far[1][..., 3, 3] += 10.0
    one = ROIS[:1]
    assert not torch.allclose(fmap._bbox_forward(x, one, [{}])['bbox_feats'],
                              fmap._bbox_forward(far, one, [{}])['bbox_feats'])
    torch.testing.assert_close(roi._bbox_forward(x, one, [{}])['bbox_feats'],
                               roi._bbox_forward(far, one, [{}])['bbox_feats'])


def test_training_step_updates_the_attention():
    head = _build(attention=dict(in_channels=C, slow=dict(embed_dims=8, gamma_init=0.1),
                                 fast=dict(embed_dims=8, gamma_init=0.1), norm='post'))
    head.train()
    x = _feats(2)
    samples = []
    from mmaction.structures import ActionDataSample

    for i in range(2):
        s = ActionDataSample()
        boxes = ROIS[:, 1:] if i == 0 else ROIS[:1, 1:]
        labels = torch.zeros(len(boxes), K)
        labels[:, 1 + i] = 1
        s.gt_instances = InstanceData(bboxes=boxes, labels=labels)
        s.set_metainfo(dict(img_shape=(IMG, IMG)))
        samples.append(s)
    proposals = [InstanceData(bboxes=s.gt_instances.bboxes.clone()) for s in samples]
    losses = head.loss(x, proposals, samples)
    losses['loss_action_cls'].backward()
    grads = [p.grad for n, p in head.named_parameters() if n.startswith('attention.')]
    assert grads and all(g is not None for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize('kw,match', [
    (dict(placement='clip'), 'placement'),
    (dict(pool='median'), 'pool'),
    (dict(num_layers=0), 'num_layers'),
    (dict(temporal_size=0), 'temporal_size'),
    (dict(shared_head=dict(type='ACRNHead')), 'shared_head'),
    (dict(bbox_roi_extractor=dict(type='SingleRoIExtractor3D', output_size=2,
                                  with_temporal_pool=True)), 'with_temporal_pool'),
    (dict(bbox_head=dict(type='BBoxHeadAVA', background_class=True, num_classes=K, topk=(),
                         in_channels=C + 1)), 'in_channels'),
])
def test_bad_settings_raise(kw, match):
    with pytest.raises(ValueError, match=match):
        _build(**kw)


def test_wrong_feature_width_raises():
    head = _build()
    with pytest.raises(ValueError, match='in_channels=12'):
        head._bbox_forward((_feats()[0],), ROIS, [{}])
