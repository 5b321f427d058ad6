"""PCCARoIHead / PersonContextCrossAttention: built through the registry, shapes, context boxes,
zero and varying persons per clip, and that the attention reads exactly the context region."""

from __future__ import annotations

import itertools
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.structures import InstanceData

import mmaction_plugins.models  # noqa: F401  (registers the head)
from mmaction_plugins.models.roi_heads import (
    PCCARoIHead,
    PersonContextCrossAttention,
    context_rois,
    person_token_mask,
    token_centres,
)
from tests.conftest import REPO

C, K, T, FEAT = 16, 6, 2, 16  # channels, classes, frames, feature map side (stride 16: 256 px)
IMG = FEAT * 16

PHASE1 = osp.join(REPO, 'configs', 'pcca', 'pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _cfg(*, embed_dims: int | None = None, bbox_in: int | None = None, **kw) -> dict:
    attn = {**dict(in_channels=C, num_heads=4, ffn_channels=32), **kw.pop('attn', {})}
    if embed_dims is not None:
        attn['embed_dims'] = embed_dims
    cfg = dict(
        type='PCCARoIHead',
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                output_size=4, with_temporal_pool=True),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True, multilabel=True,
                       num_classes=K, topk=(), dropout_ratio=0.0,
                       in_channels=bbox_in or embed_dims or C),
        cross_attention=attn,
        train_cfg=ConfigDict(
            assigner=dict(type='MaxIoUAssignerAVA', pos_iou_thr=0.9, neg_iou_thr=0.9,
                          min_pos_iou=0.9),
            sampler=dict(type='RandomSampler', num=32, pos_fraction=1, neg_pos_ub=-1,
                         add_gt_as_proposals=True),
            pos_weight=1.0),
        test_cfg=dict(rcnn=None))
    cfg.update(kw)
    return cfg


def _build(**kw) -> PCCARoIHead:
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    torch.manual_seed(0)
    cfg = _cfg(**kw)
    cfg['type'] = 'mmaction.PCCARoIHead'
    # as inside an AVA config's FastRCNN (`_scope_='mmdet'`): the extractor, bbox head and
    # assigner live in mmdet's registries, whatever default scope an earlier test left behind
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(cfg)
    head.init_weights()
    return head.eval()


def _metas(n: int, shape: tuple[int, int] = (IMG, IMG)) -> list[dict]:
    return [dict(img_shape=shape) for _ in range(n)]


def _rois(per_clip: list[list[list[float]]]) -> torch.Tensor:
    rows = [[float(i), *box] for i, boxes in enumerate(per_clip) for box in boxes]
    return torch.tensor(rows, dtype=torch.float32).reshape(-1, 5)


def test_built_through_registry_is_an_ava_roi_head():
    from mmaction.models.roi_heads import AVARoIHead
    from mmaction.registry import MODELS

    assert MODELS.get('PCCARoIHead') is PCCARoIHead
    assert MODELS.get('PersonContextCrossAttention') is PersonContextCrossAttention
    head = _build()
    assert isinstance(head, AVARoIHead)
    assert head.token_grid == (4, 4) and head.context_scale == 2.0


def test_context_rois_expand_twice_around_centre_and_clip():
    rois = _rois([[[100, 100, 140, 180], [0, 10, 40, 90], [200, 20, 256, 256]],
                  [[10, 10, 60, 50]]])
    ctx = context_rois(rois, [(256, 256), (40, 64)], 2.0)
    expected = torch.tensor([
        [0, 80, 60, 160, 220],      # inside: width 40 -> 80, height 80 -> 160, same centre
        [0, 0, 0, 60, 130],         # left / top border: clipped at 0, not re-centred
        [0, 172, 0, 256, 256],      # right / bottom border: clipped at W, H
        [1, 0, 0, 64, 40],          # second image is 40 x 64: clipped to it
    ], dtype=torch.float32)
    torch.testing.assert_close(ctx, expected)
    torch.testing.assert_close(context_rois(rois, [(256, 256), (40, 64)], 1.0)[:1], rois[:1])
    assert context_rois(torch.zeros(0, 5), [(256, 256)]).shape == (0, 5)
    with pytest.raises(ValueError):
        context_rois(rois, [(256, 256), (40, 64)], 0.5)


def test_token_centres_and_person_mask():
    rois = _rois([[[96, 96, 160, 160]]])
    ctx = context_rois(rois, [(IMG, IMG)])  # 64 .. 192
    centres = token_centres(ctx, (4, 4))
    assert centres.shape == (1, 16, 2)
    torch.testing.assert_close(centres[0, :4, 0], torch.tensor([80.0, 112.0, 144.0, 176.0]))
    torch.testing.assert_close(centres[0, ::4, 1], torch.tensor([80.0, 112.0, 144.0, 176.0]))
    mask = person_token_mask(rois, ctx, (4, 4)).reshape(4, 4)
    inner = torch.zeros(4, 4, dtype=torch.bool)
    inner[1:3, 1:3] = True  # the person is the central half of its 2x context
    assert torch.equal(mask, inner)


@pytest.mark.parametrize(
    'with_ffn,norm_first,query_pool,embed_dims,token_grid,includes_person',
    list(itertools.product([True, False], [False, True], ['max', 'avg'], [None, 8], [None, 2],
                           [True, False]))[::3])
def test_bbox_forward_shapes_varying_persons(with_ffn, norm_first, query_pool, embed_dims,
                                            token_grid, includes_person):
    head = _build(embed_dims=embed_dims, token_grid=token_grid,
                  context_includes_person=includes_person,
                  attn=dict(with_ffn=with_ffn, norm_first=norm_first, query_pool=query_pool))
    torch.manual_seed(1)
    # SlowFast-like pair: slow (B, 12, T, H, W) and fast (B, 4, 4T, H, W) -> C = 16
    x = (torch.randn(2, 12, T, FEAT, FEAT), torch.randn(2, 4, 4 * T, FEAT, FEAT))
    rois = _rois([[[10, 20, 80, 200]],
                  [[0, 0, 256, 256], [100, 30, 180, 250], [230, 200, 256, 256]]])
    out = head._bbox_forward(x, rois, _metas(2))
    e = embed_dims or C
    assert out['cls_score'].shape == (4, K)
    assert out['bbox_feats'].shape == (4, e, 1, 1, 1)
    assert torch.isfinite(out['cls_score']).all()


def test_concat_output_keeps_the_pooled_person_feature():
    """output='concat': [q ; x] of C + E channels, q the max-pooled, time-averaged person
    feature untouched; bbox_head.in_channels must be C + E; zero persons still work."""
    head = _build(embed_dims=8, bbox_in=C + 8, attn=dict(output='concat'))
    assert head.cross_attention.out_channels == C + 8
    torch.manual_seed(1)
    x = torch.randn(2, C, T, FEAT, FEAT)
    rois = _rois([[[10, 20, 80, 200]], [[0, 0, 256, 256], [100, 30, 180, 250]]])
    out = head._bbox_forward(x, rois, _metas(2))
    assert out['cls_score'].shape == (3, K)
    feats = out['bbox_feats']
    assert feats.shape == (3, C + 8, 1, 1, 1)
    person, _ = head.bbox_roi_extractor(x, rois)
    torch.testing.assert_close(feats[:, :C, 0, 0, 0], person.mean(dim=2).amax(dim=(2, 3)))
    # the second part is the residual block's output, LayerNorm-ed: zero mean per person
    torch.testing.assert_close(feats[:, C:, 0, 0, 0].mean(dim=1), torch.zeros(3), atol=1e-5,
                               rtol=0)
    assert head._bbox_forward(x, torch.zeros(0, 5), _metas(2))['cls_score'].shape == (0, K)
    with pytest.raises(ValueError, match='out_channels|output channels'):
        _build(embed_dims=8, bbox_in=8, attn=dict(output='concat'))
    with pytest.raises(ValueError, match='output'):
        _build(attn=dict(output='sum'))


def test_zero_persons_forward_and_predict():
    head = _build()
    x = torch.randn(1, C, T, FEAT, FEAT)
    out = head._bbox_forward(x, torch.zeros(0, 5), _metas(1))
    assert out['cls_score'].shape == (0, K)
    from mmaction.structures import ActionDataSample

    sample = ActionDataSample()
    sample.set_metainfo(dict(img_shape=(IMG, IMG)))
    (res,) = head.predict(x, [InstanceData(bboxes=torch.zeros(0, 4))], [sample])
    assert res.scores.shape == (0, K) and res.bboxes.shape == (0, 4)


def test_loss_with_varying_persons_trains_the_attention():
    from mmaction.structures import ActionDataSample

    head = _build().train()
    x = torch.randn(2, C, T, FEAT, FEAT)
    per_clip = [[[10, 20, 80, 200]], [[0, 0, 100, 256], [100, 30, 180, 250], [200, 0, 256, 90]]]
    samples, proposals = [], []
    for i, boxes in enumerate(per_clip):
        b = torch.tensor(boxes, dtype=torch.float32)
        labels = torch.zeros(len(boxes), K)
        labels[torch.arange(len(boxes)), torch.arange(len(boxes)) % (K - 1) + 1] = 1
        s = ActionDataSample()
        s.set_metainfo(dict(img_shape=(IMG, IMG), img_key=f'v,{i:04d}'))
        s.gt_instances = InstanceData(bboxes=b, labels=labels)
        samples.append(s)
        proposals.append(InstanceData(bboxes=b.clone()))
    losses = head.loss(x, proposals, samples)
    loss = losses['loss_action_cls']
    assert torch.isfinite(loss)
    loss.backward()
    grads = [p.grad for p in head.cross_attention.parameters()]
    assert all(g is not None for g in grads)
    assert head.cross_attention.k_proj.weight.grad.abs().sum() > 0


def _features_for(person_box, context_change=None, outside_change=None) -> torch.Tensor:
    torch.manual_seed(2)
    x = torch.randn(1, C, T, FEAT, FEAT)
    if context_change is not None:
        ys, xs = context_change
        x[..., ys, xs] += 3.0
    if outside_change is not None:
        ys, xs = outside_change
        x[..., ys, xs] -= 5.0
    return x


def test_output_reads_the_context_and_nothing_beyond():
    head = _build()
    # RoIAlign (aligned, 4x4 bins, one sample per feature cell of bin size) in feature cells:
    # person x 112..144, y 112..176 -> samples x 6.75..8.25, y 7..10: cells x 6..9, y 7..10.
    # Context x 96..160, y 80..208 -> samples x 6..9, y 5..12: cells x 6..9, y 5..12.
    rois = _rois([[[112, 112, 144, 176]]])
    metas = _metas(1)
    base_x = _features_for(None)
    ctx_x = _features_for(None, context_change=(slice(5, 7), slice(6, 10)))  # rows 5, 6
    far_x = _features_for(None, outside_change=(slice(0, FEAT), slice(12, FEAT)))

    ctx = context_rois(rois, [(IMG, IMG)])
    person = lambda x: head.bbox_roi_extractor(x, rois)[0]  # noqa: E731
    context = lambda x: head.bbox_roi_extractor(x, ctx)[0]  # noqa: E731
    # preconditions: the rows-5..6 change is seen by the context RoI only; columns >= 12 by neither
    assert torch.equal(person(base_x), person(ctx_x))
    assert not torch.equal(context(base_x), context(ctx_x))
    assert torch.equal(context(base_x), context(far_x))
    assert torch.equal(person(base_x), person(far_x))

    with torch.no_grad():
        base = head._bbox_forward(base_x, rois, metas)['cls_score']
        changed = head._bbox_forward(ctx_x, rois, metas)['cls_score']
        far = head._bbox_forward(far_x, rois, metas)['cls_score']
    assert (changed - base).abs().max() > 1e-4  # the context is attended to
    assert torch.equal(far, base)  # pixels beyond the context box do not matter


def test_masked_tokens_are_ignored_and_all_masked_is_finite():
    torch.manual_seed(3)
    block = PersonContextCrossAttention(in_channels=C, num_heads=4, grid=3, ffn_channels=32)
    block.init_weights()
    block.eval()
    person = torch.randn(2, C, 1, 3, 3)
    context = torch.randn(2, C, 1, 3, 3)
    mask = torch.zeros(2, 9, dtype=torch.bool)
    mask[0, :4] = True
    mask[1] = True  # every token of person 1 masked
    out = block(person, context, mask)
    other = context.clone()
    other[0, :, 0, 0, :] += 4.0  # tokens 0..2 of person 0: masked
    other[1] -= 2.0  # all tokens of person 1: masked
    torch.testing.assert_close(block(person, other, mask), out, rtol=0, atol=1e-6)
    assert torch.isfinite(out).all()
    other[0, :, 0, 2, 2] += 4.0  # token 8: attended
    assert (block(person, other, mask)[0] - out[0]).abs().max() > 1e-4


def test_border_and_full_image_boxes():
    head = _build(context_includes_person=False)
    x = torch.randn(1, C, T, FEAT, FEAT)
    rois = _rois([[[0, 0, 256, 256], [0, 0, 20, 30], [240, 250, 256, 256]]])
    out = head._bbox_forward(x, rois, _metas(1))
    assert torch.isfinite(out['cls_score']).all()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='shared_head'):
        _build(shared_head=dict(type='ACRNHead', in_channels=C, out_channels=C))
    with pytest.raises(ValueError, match='in_channels'):
        _build(embed_dims=8, bbox_in=C)
    with pytest.raises(ValueError, match='num_heads'):
        _build(attn=dict(num_heads=5))
    with pytest.raises(ValueError, match='query_pool'):
        _build(attn=dict(query_pool='median'))
    with pytest.raises(ValueError, match='context_scale'):
        _build(context_scale=0.5)
    with pytest.raises(ValueError, match='token_grid'):
        _build(attn=dict(grid=3))
    block = PersonContextCrossAttention(in_channels=C, num_heads=4, grid=4)
    with pytest.raises(ValueError, match='channels'):
        block(torch.randn(1, C + 1, 1, 4, 4), torch.randn(1, C + 1, 1, 4, 4))
    with pytest.raises(ValueError, match='grid'):
        block(torch.randn(1, C, 1, 4, 4), torch.randn(1, C, 1, 3, 3))


def test_tiny_config_model_zero_and_several_persons():
    """The phase-1 config's whole model: a clip with no proposal and one with three."""
    from mmaction.registry import TRANSFORMS
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(PHASE1)
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    assert isinstance(model.roi_head, PCCARoIHead)
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    for n in (0, 3):
        boxes = np.array([[2 + 20 * j, 4, 22 + 20 * j, 64] for j in range(n)],
                         np.float32).reshape(-1, 4)
        sample = pack(dict(
            imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), proposals=boxes,
            gt_bboxes=boxes, gt_labels=np.zeros((n, 20), np.float32), img_shape=(64, 64),
            img_key='v,0902', video_id='v', timestamp=902))
        with torch.no_grad():
            (out,) = model.test_step(pseudo_collate([sample]))
        assert out.pred_instances.scores.shape == (n, 20)
        assert torch.isfinite(out.pred_instances.scores).all()


def test_without_temporal_pooling_tokens_span_time():
    """``with_temporal_pool=False``: T x gh x gw context tokens, the person mask repeated over T."""
    head = _build(context_includes_person=False,
                  bbox_roi_extractor=dict(type='SingleRoIExtractor3D', roi_layer_type='RoIAlign',
                                          output_size=4, with_temporal_pool=False))
    x = torch.randn(1, C, 3, FEAT, FEAT)
    rois = _rois([[[96, 96, 160, 160], [0, 0, 40, 256]]])
    out = head._bbox_forward(x, rois, _metas(1))
    assert out['cls_score'].shape == (2, K) and torch.isfinite(out['cls_score']).all()
    # the head's output is the block on the extractor's features with the mask repeated over T
    feats, _ = head.bbox_roi_extractor(x, torch.cat([rois, context_rois(rois, [(IMG, IMG)])]))
    person, context = feats[:2], feats[2:]
    mask = person_token_mask(rois, context_rois(rois, [(IMG, IMG)]), (4, 4)).repeat(1, 3)
    assert mask.shape == (2, 3 * 16)
    torch.testing.assert_close(head.cross_attention(person, context, mask), out['bbox_feats'])
    changed = context.clone()
    changed[0, :, 1, 1:3, 1:3] += 5.0  # person 0's masked (person-region) tokens of frame 1
    torch.testing.assert_close(head.cross_attention(person, changed, mask), out['bbox_feats'],
                               rtol=0, atol=1e-6)
