"""The tiny top-down part detector trains on person crops narrower than its smallest anchor.

Persons cut by the frame edge give crops a few pixels wide; after the keep-ratio resize they are
narrower than every anchor, and with mmdet's cascade default ``allowed_border=0`` the RPN raised
"no valid anchor inside the image boundary" mid-epoch on the synthetic ``full`` preset.
"""

from __future__ import annotations

import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = ('configs/stage_one/cascade-rcnn_swin-t-w16_fpn_2e_synthetic-body-part.py',
           'configs/kinetics_tps/cascade-rcnn_swin-t-w16_fpn_2e_synthetic-tps-parts.py')


@pytest.mark.parametrize('config', CONFIGS)
def test_loss_on_a_crop_narrower_than_every_anchor(config):
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.structures import InstanceData

    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope('mmdet')
    assert cfg.model.train_cfg.rpn.allowed_border == -1
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    h, w = 128, 6  # a 6-px-wide crop; the smallest anchor is 16 px
    sample = DetDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, 8),
                                         scale_factor=(1.0, 1.0), batch_input_shape=(h, 8)))
    sample.gt_instances = InstanceData(bboxes=torch.tensor([[0.5, 10.0, 5.5, 40.0]]),
                                       labels=torch.tensor([0]))
    inputs = torch.rand(1, 3, h, 8) * 255  # padded to the size divisor
    losses = model.loss(model.data_preprocessor(
        dict(inputs=[inputs[0]], data_samples=[sample]), True)['inputs'], [sample])
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(x.sum() for x in v)
                for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
