"""Loading user-given checkpoints (path) the way full-scale configs do — on checkpoints we create.

Full-scale configs point ``init_cfg=dict(type='Pretrained', checkpoint=...)`` or ``load_from`` at a
path or URL; mmengine then calls ``torch.load`` with torch's default ``weights_only=True``.
"""

from __future__ import annotations

import copy
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from tests.conftest import REPO

TINY = osp.join(REPO, 'configs', 'baseline', 'slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py')


def _tiny_model_cfg():
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(TINY)
    init_default_scope('mmaction')
    return copy.deepcopy(cfg.model)


def _build(model_cfg):
    from mmaction.registry import MODELS

    return MODELS.build(model_cfg)


def _save_like_runner(model: torch.nn.Module, path: str) -> None:
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(1.25)
    torch.save({'meta': {'epoch': 3, 'seed': np.int64(0), 'dataset_meta': {'n': np.arange(2)}},
                'state_dict': model.state_dict(),
                'message_hub': {'log_scalars': {'train/loss': buf}}}, path)


def test_pretrained_init_cfg_loads_user_checkpoint(tmp_path):
    torch.manual_seed(1)
    source = _build(_tiny_model_cfg())
    path = str(tmp_path / 'pretrained.pth')
    _save_like_runner(source, path)

    cfg = _tiny_model_cfg()
    cfg['init_cfg'] = dict(type='Pretrained', checkpoint=path)
    torch.manual_seed(2)
    target = _build(cfg)
    assert not torch.equal(next(iter(target.parameters())), next(iter(source.parameters())))
    target.init_weights()
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        assert torch.equal(a, b), name


def test_load_checkpoint_and_refuse_code(tmp_path):
    from mmengine.runner import load_checkpoint

    model = _build(_tiny_model_cfg())
    path = str(tmp_path / 'epoch_3.pth')
    _save_like_runner(model, path)
    ckpt = load_checkpoint(_build(_tiny_model_cfg()), path, map_location='cpu')
    assert ckpt['meta']['epoch'] == 3

    class Payload:
        def __reduce__(self):
            return (exec, ('raise SystemExit("code ran")',))

    torch.save({'state_dict': model.state_dict(), 'meta': Payload()}, path)
    with pytest.raises(Exception, match='Weights only load failed|Unsupported global'):
        load_checkpoint(_build(_tiny_model_cfg()), path, map_location='cpu')
