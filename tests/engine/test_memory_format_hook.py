"""MemoryFormatHook / conv3d_channels_last: only Conv3d weights change layout, values and parameter
identity are kept, the tiny chain computes the same scores, checkpoints cross layouts, and the tiny
configs enable it."""

from __future__ import annotations

import copy
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from mmaction_plugins.engine.memory_format_hook import MemoryFormatHook, conv3d_channels_last
from tests.conftest import REPO

CL = torch.channels_last_3d
TINY = osp.join(REPO, 'configs', 'baseline', 'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _toy() -> nn.Module:
    """Input ``(N, 3, 4, 12, 12)`` → ``(N, 2)``."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv3d(3, 4, (3, 5, 5), padding=(1, 2, 2)), nn.BatchNorm3d(4),
                         nn.ReLU(), nn.Conv3d(4, 6, 3, stride=2), nn.Flatten(1),
                         nn.Linear(6 * 1 * 5 * 5, 2))


def test_only_conv3d_weights_change_layout_values_and_identity_kept():
    model = _toy()
    params = {n: p for n, p in model.named_parameters()}
    values = {n: p.detach().clone() for n, p in params.items()}
    assert conv3d_channels_last(model) == 2
    for n, p in model.named_parameters():
        assert p is params[n]  # same Parameter objects: an optimizer built before keeps working
        torch.testing.assert_close(p.detach(), values[n], rtol=0, atol=0)
    assert model[0].weight.is_contiguous(memory_format=CL)
    assert model[3].weight.is_contiguous(memory_format=CL)
    assert not model[0].weight.is_contiguous()  # really re-laid out (C > 1)
    assert model[5].weight.is_contiguous() and model[0].bias.is_contiguous()
    assert conv3d_channels_last(model) == 0  # idempotent


def test_same_outputs_and_gradients_up_to_float_rounding():
    plain = _toy().double()
    x = torch.randn(2, 3, 4, 12, 12, dtype=torch.float64)
    fast = copy.deepcopy(plain)
    conv3d_channels_last(fast)
    out_plain, out_fast = plain(x), fast(x)
    torch.testing.assert_close(out_fast, out_plain, rtol=1e-10, atol=1e-10)
    out_plain.sum().backward()
    out_fast.sum().backward()
    for (n, a), (_, b) in zip(plain.named_parameters(), fast.named_parameters()):
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-9, atol=1e-10, msg=n)


def test_optimizer_built_before_conversion_updates_the_converted_weights():
    model = _toy()
    x = torch.randn(2, 3, 4, 12, 12)
    optim = torch.optim.AdamW(model.parameters(), lr=1e-2)
    conv3d_channels_last(model)
    before = model[0].weight.detach().clone()
    model(x).square().sum().backward()
    optim.step()
    assert not torch.equal(model[0].weight.detach(), before)
    assert model[0].weight.is_contiguous(memory_format=CL)


def _tiny_model():
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(TINY)
    init_default_scope('mmaction')
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model).eval()


def _tiny_batches(num_classes: int) -> list[dict]:
    """Two one-clip batches (test mode takes one clip) with 1 and 3 persons."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    batches = []
    for i, n in enumerate((1, 3)):
        boxes = np.array([[2 + 18 * j, 4, 20 + 18 * j, 60] for j in range(n)],
                         np.float32).reshape(-1, 4)
        batches.append(pseudo_collate([pack(dict(
            imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), proposals=boxes,
            gt_bboxes=boxes, gt_labels=np.zeros((n, num_classes), np.float32),
            img_shape=(64, 64), img_key=f'v{i},0902', video_id=f'v{i}', timestamp=902))]))
    return batches


def _scores(model, batches: list[dict]) -> list[torch.Tensor]:
    with torch.no_grad():
        return [model.test_step(b)[0].pred_instances.scores for b in batches]


def test_tiny_chain_scores_and_checkpoints_across_layouts(tmp_path):
    cfg, plain = _tiny_model()
    batches = _tiny_batches(cfg.model.roi_head.bbox_head.num_classes)
    fast = copy.deepcopy(plain)
    assert conv3d_channels_last(fast) > 30  # every Conv3d of both pathways
    ref, got = _scores(plain, batches), _scores(fast, batches)
    assert [len(s) for s in got] == [1, 3]
    for a, b in zip(ref, got):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
    # a checkpoint of the converted model loads into an unconverted one, values exact
    path = str(tmp_path / 'ckpt.pth')
    torch.save(fast.state_dict(), path)
    _, fresh = _tiny_model()
    fresh.load_state_dict(torch.load(path, weights_only=True))
    for (n, a), (_, b) in zip(plain.state_dict().items(), fresh.state_dict().items()):
        assert torch.equal(a, b), n
    for a, b in zip(ref, _scores(fresh, batches)):
        assert torch.equal(a, b)


def test_hook_converts_at_train_val_and_test_start():
    from mmengine.logging import MMLogger

    hook = MemoryFormatHook()
    for stage in ('before_train', 'before_val', 'before_test'):
        model = _toy()
        getattr(hook, stage)(SimpleNamespace(model=model,
                                             logger=MMLogger.get_current_instance()))
        assert model[0].weight.is_contiguous(memory_format=CL), stage
    off = _toy()
    MemoryFormatHook(enabled=False).before_train(SimpleNamespace(model=off, logger=None))
    assert off[0].weight.is_contiguous() and not off[0].weight.is_contiguous(memory_format=CL)


@pytest.mark.parametrize('config', [
    'configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py',
    'configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_multisports-fixtures-rgb.py',
    'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'configs/pcca/pcca-decoupled_slowfast-tiny_1xb8-16x2x1-2e_synthetic-ava-rgb.py',
    'configs/acar/acar-acfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
])
def test_tiny_configs_enable_the_hook_and_it_builds(config):
    """A default hook (dict key), so leaves that set ``custom_hooks`` (phase 2) keep it."""
    from mmengine.config import Config
    from mmengine.registry import HOOKS, init_default_scope

    import mmaction_plugins  # noqa: F401  (registrations)

    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.default_hooks.memory_format == dict(type='MemoryFormatHook')
    init_default_scope('mmaction')
    assert isinstance(HOOKS.build(cfg.default_hooks.memory_format), MemoryFormatHook)
