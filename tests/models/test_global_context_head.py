"""GlobalContextHead: the with_global split, pooling and projection, alone and as the shared
head of mmaction2's AVARoIHead."""

from __future__ import annotations

import pytest
import torch

import mmaction_plugins.models  # noqa: F401  (registers the head)
from mmaction_plugins.models.roi_heads import GlobalContextHead

C, T, FEAT, K = 6, 2, 8, 4


def _ava_head(**kw) -> torch.nn.Module:
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    torch.manual_seed(0)
    cfg = dict(type='AVARoIHead', test_cfg=dict(rcnn=None), **kw)
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(cfg)
    head.init_weights()
    return head.eval()


def test_global_context_head_splits_pools_and_projects():
    from mmaction.registry import MODELS

    torch.manual_seed(0)
    head = MODELS.build(dict(type='GlobalContextHead', in_channels=C, global_channels=3))
    assert MODELS.get('GlobalContextHead') is GlobalContextHead and head.out_channels == C + 3
    x = torch.randn(5, 2 * C, T, 4, 4)
    y = head(x)
    assert y.shape == (5, C + 3, T, 4, 4)
    torch.testing.assert_close(y[:, :C], x[:, :C])  # the RoI half passes unchanged
    g = torch.relu(head.proj(x[:, C:].mean(dim=(2, 3, 4))))
    torch.testing.assert_close(y[:, C:, 0, 0, 0], g)
    assert torch.equal(y[:, C:], y[:, C:, :1, :1, :1].expand(-1, -1, T, 4, 4))  # constant
    raw = GlobalContextHead(in_channels=C, global_channels=None)
    torch.testing.assert_close(raw(x)[:, C:, 1, 2, 3], x[:, C:].mean(dim=(2, 3, 4)))
    assert raw(torch.zeros(0, 2 * C, T, 4, 4)).shape == (0, 2 * C, T, 4, 4)
    with pytest.raises(ValueError, match='with_global'):
        head(x[:, :C])


def test_global_context_in_an_ava_roi_head():
    """AVARoIHead(shared_head=GlobalContextHead) on SingleRoIExtractor3D(with_global=True):
    two clips' persons get their own clip's global vector."""
    head = _ava_head(
        bbox_roi_extractor=dict(type='SingleRoIExtractor3D', output_size=4,
                                with_temporal_pool=True, with_global=True),
        shared_head=dict(type='mmaction.GlobalContextHead', in_channels=C, global_channels=3),
        bbox_head=dict(type='BBoxHeadAVA', background_class=True, num_classes=K, topk=(),
                       in_channels=C + 3))
    x = torch.randn(2, C, T, FEAT, FEAT)
    rois = torch.tensor([[0, 10, 10, 60, 60], [1, 10, 10, 60, 60]], dtype=torch.float32)
    out = head._bbox_forward(x, rois, [{}, {}])
    assert out['cls_score'].shape == (2, K)
    g = torch.relu(head.shared_head.proj(x.mean(dim=(2, 3, 4))))  # each clip's whole map
    torch.testing.assert_close(out['bbox_feats'][:, C:, 0, 0, 0], g, atol=1e-5, rtol=1e-5)
