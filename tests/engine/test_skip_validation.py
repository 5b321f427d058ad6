"""``skip_validation``: a training loop of mmengine that runs no validation epoch at all (its
``EpochBasedTrainLoop`` otherwise validates at the last epoch whatever ``val_interval`` says)."""

from __future__ import annotations

import torch
from mmengine.config import Config
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.registry import DATASETS, METRICS, MODELS
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmaction_plugins.engine.runs import skip_validation, training_key


class _Toy(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs, mode='tensor'):
        x = torch.stack(inputs) if isinstance(inputs, list) else inputs
        if mode == 'loss':
            return {'loss': ((x * self.w - 1) ** 2).mean()}
        return [x * self.w]


class _Data(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i):
        return {'inputs': torch.ones(1)}


class _Count(BaseMetric):
    calls = 0

    def process(self, data_batch, data_samples) -> None:
        type(self).calls += 1
        self.results.append(0.0)

    def compute_metrics(self, results) -> dict:
        return {'n': float(len(results))}


def _runner(tmp_path, edit) -> Runner:
    MODELS.register_module('_ToySkipVal', module=_Toy, force=True)
    METRICS.register_module('_CountSkipVal', module=_Count, force=True)
    DATASETS.register_module('_DataSkipVal', module=_Data, force=True)
    loader = dict(dataset=dict(type='_DataSkipVal'), batch_size=2,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    cfg = Config(dict(
        model=dict(type='_ToySkipVal'), work_dir=str(tmp_path),
        train_dataloader=loader, val_dataloader=loader,
        val_evaluator=dict(type='_CountSkipVal'), val_cfg=dict(),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=3),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=10)),
        default_scope='mmengine'))
    key = training_key(cfg, 0)
    edit(cfg)
    assert training_key(cfg, 0) == key  # not part of what a training reads
    return Runner.from_cfg(cfg)


def test_val_interval_alone_still_validates_at_the_last_epoch(tmp_path):
    _Count.calls = 0
    _runner(tmp_path / 'a', lambda cfg: None).train()
    assert _Count.calls > 0  # why val_interval = epochs + 1 was not enough


def test_skip_validation_runs_no_validation(tmp_path):
    _Count.calls = 0
    runner = _runner(tmp_path / 'b', skip_validation)
    runner.train()
    assert _Count.calls == 0 and runner.train_loop.epoch == 2
