"""FreezeExceptHook: after training steps only the named parameters have changed, bit for bit;
BatchNorm statistics of frozen parts included."""

from __future__ import annotations

import copy
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from mmaction_plugins.engine.freeze_hook import (
    FreezeExceptHook,
    freeze_except,
    frozen_modules_eval,
    matches,
)
from tests.conftest import REPO

PHASE2 = osp.join(REPO, 'configs', 'pcca',
                  'pcca-decoupled_slowfast-tiny_1xb8-16x2x1-2e_synthetic-ava-rgb.py')


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in before if not torch.equal(before[k], after[k])}


def _stad_batch(num_classes: int, batch: int = 2) -> dict:
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    samples = []
    for i in range(batch):
        n = i + 1
        boxes = np.array([[4 + 20 * j, 8, 24 + 20 * j, 60] for j in range(n)], np.float32)
        labels = np.zeros((n, num_classes), np.float32)
        labels[np.arange(n), rng.integers(1, num_classes, n)] = 1
        samples.append(pack(dict(
            imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), gt_bboxes=boxes,
            gt_labels=labels, proposals=boxes + 1.0, img_shape=(64, 64),
            img_key=f'vid,{902 + i:04d}', video_id='vid', timestamp=902 + i)))
    return pseudo_collate(samples)


def _phase2_model_and_optim():
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmaction_plugins.models  # noqa: F401

    cfg = Config.fromfile(PHASE2)
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return cfg, model


def test_matches_and_errors():
    assert matches('roi_head.bbox_head.fc_cls.weight', ['roi_head.bbox_head.fc_cls'])
    assert matches('roi_head.bbox_head.fc_cls', ['roi_head.bbox_head.fc_cls'])
    assert matches('roi_head.bbox_head.fc_cls.0.bias', ['*.fc_cls'])
    assert not matches('roi_head.bbox_head.fc_cls_extra.weight', ['roi_head.bbox_head.fc_cls'])
    assert not matches('backbone.conv1.weight', ['roi_head.bbox_head.fc_cls'])
    with pytest.raises(ValueError, match='no parameter matches'):
        freeze_except(nn.Linear(2, 2), ['typo'])
    with pytest.raises(ValueError):
        FreezeExceptHook(trainable=[])


def test_train_step_changes_only_fc_cls():
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import HOOKS

    cfg, model = _phase2_model_and_optim()
    (hook_cfg,) = cfg.custom_hooks
    hook = HOOKS.build(hook_cfg)
    assert isinstance(hook, FreezeExceptHook)
    runner = SimpleNamespace(model=model)
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)  # the runner's order
    hook.before_run(runner)
    assert {n for n, p in model.named_parameters() if p.requires_grad} == {
        'roi_head.bbox_head.fc_cls.weight', 'roi_head.bbox_head.fc_cls.bias'}
    before = copy.deepcopy(model.state_dict())
    batch = _stad_batch(int(cfg.model.roi_head.bbox_head.num_classes))
    for i in range(2):  # two steps: momentum and weight decay would show on a second one
        model.train()  # what the loop does at every epoch start
        hook.before_train_iter(runner, i, batch)
        assert not model.backbone.training and not model.roi_head.cross_attention.training
        assert model.roi_head.bbox_head.fc_cls.training
        losses = model.train_step(batch, optim_wrapper)
        assert all(torch.isfinite(v).all() for v in losses.values())
    changed = _changed(before, model.state_dict())
    # BN running stats / num_batches_tracked of the frozen backbone unchanged too
    assert changed == {'roi_head.bbox_head.fc_cls.weight', 'roi_head.bbox_head.fc_cls.bias'}


def test_without_hook_everything_moves():
    """Control: the same steps without the freeze change the backbone and its BN statistics."""
    from mmengine.optim import build_optim_wrapper

    cfg, model = _phase2_model_and_optim()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    before = copy.deepcopy(model.state_dict())
    model.train_step(_stad_batch(int(cfg.model.roi_head.bbox_head.num_classes)), optim_wrapper)
    changed = _changed(before, model.state_dict())
    assert any(k.startswith('backbone.') and 'running_mean' in k for k in changed)
    assert any(k.startswith('roi_head.cross_attention.') for k in changed)


class _Toy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
        self.head = nn.Module()
        self.head.dropout = nn.Dropout(0.5)
        self.head.fc_cls = nn.Linear(8, 2)


def test_frozen_modules_eval_keeps_named_and_ancestor_modules():
    toy = _Toy()
    freeze_except(toy, ['head.fc_cls'])
    toy.train()
    switched = frozen_modules_eval(toy, ['head.fc_cls'])
    assert switched == ['backbone', 'head.dropout']
    assert not toy.backbone[1].training and not toy.head.dropout.training
    assert toy.training and toy.head.training and toy.head.fc_cls.training
    toy.train()
    frozen_modules_eval(toy, ['head.fc_cls', 'head.dropout'])  # dropout named: stays in train
    assert toy.head.dropout.training and not toy.backbone.training


def test_with_mmengine_runner(tmp_path):
    """The real Runner order: optimizer built before ``before_run``, ``model.train()`` at every
    epoch start; two epochs, SGD with momentum and weight decay."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch.utils.data import TensorDataset

    class ToyModel(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = _Toy()

        def forward(self, inputs, labels=None, mode='tensor'):
            x = self.net.head.fc_cls(self.net.head.dropout(self.net.backbone(inputs)))
            if mode == 'loss':
                return dict(loss=nn.functional.cross_entropy(x, labels))
            return x

    torch.manual_seed(0)
    model = ToyModel()
    before = copy.deepcopy(model.state_dict())
    data = TensorDataset(torch.randn(16, 4), torch.randint(0, 2, (16,)))
    runner = Runner(
        model=model, work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, batch_size=4, collate_fn=dict(type='default_collate'),
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5, momentum=0.9, weight_decay=0.1),
                           clip_grad=dict(max_norm=1.0)),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        custom_hooks=[dict(type='FreezeExceptHook', trainable=['net.head.fc_cls'])],
        default_hooks=dict(checkpoint=None), default_scope='mmengine')
    runner.train()
    assert _changed(before, model.state_dict()) == {'net.head.fc_cls.weight',
                                                    'net.head.fc_cls.bias'}
