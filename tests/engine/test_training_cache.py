"""The training cache shared by the ablation scripts: the key covers what training reads and
nothing else; a finished training is registered, an identical one is taken from the cache (no
subprocess), a different one is not."""

from __future__ import annotations

import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmaction_plugins.engine import runs
from tests.conftest import REPO

BASE = osp.join(REPO, 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _cfg(tmp_path, work='w') -> Config:
    cfg = runs.point_stad_config_at(Config.fromfile(BASE), str(tmp_path / 'data'),
                                    str(tmp_path / work))
    runs.set_epochs(cfg, 2)
    return cfg


def test_key_ignores_evaluation_and_work_dir_but_not_training(tmp_path):
    key = runs.training_key(_cfg(tmp_path), seed=0)
    other = _cfg(tmp_path, work='elsewhere')
    other.train_cfg.val_interval = 3
    other.test_evaluator.out_csv = 'x.csv'
    other.val_dataloader.dataset.ann_file = 'other.csv'
    assert runs.training_key(other, seed=0) == key
    assert runs.training_key(_cfg(tmp_path), seed=1) != key
    for edit in (lambda c: runs.set_epochs(c, 3),
                 lambda c: c.optim_wrapper.optimizer.__setitem__('lr', 0.1),
                 lambda c: c.model.roi_head.bbox_head.__setitem__('dropout_ratio', 0.5),
                 lambda c: c.train_dataloader.dataset.__setitem__('ann_file', 'other.csv')):
        cfg = _cfg(tmp_path)
        edit(cfg)
        assert runs.training_key(cfg, seed=0) != key


def test_finished_training_is_registered_and_reused(tmp_path, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(runs, 'run_tool', lambda *a, **k: calls.append(a))
    cache = str(tmp_path / 'cache')
    first = tmp_path / 'first'
    first.mkdir()
    (first / 'epoch_2.pth').write_bytes(b'weights')  # a finished training
    assert runs.train(_cfg(tmp_path), str(first), 'first', 0, cache) == str(first / 'epoch_2.pth')
    assert not calls
    key = runs.training_key(_cfg(tmp_path), 0)
    assert (tmp_path / 'cache' / key / 'epoch_2.pth').read_bytes() == b'weights'
    # the same training elsewhere: taken from the cache, not run
    second = str(tmp_path / 'second')
    out = runs.train(_cfg(tmp_path, work='second'), second, 'second', 0, cache)
    assert not calls and open(out, 'rb').read() == b'weights'
    assert 'training cache' in capsys.readouterr().out
    assert osp.samefile(out, tmp_path / 'cache' / key / 'epoch_2.pth')  # a hard link
    # another seed is another training
    third = str(tmp_path / 'third')
    runs.train(_cfg(tmp_path), third, 'third', 1, cache)
    assert len(calls) == 1 and not os.path.exists(osp.join(third, 'epoch_2.pth'))
    # without a cache nothing is shared
    runs.train(_cfg(tmp_path), str(tmp_path / 'fourth'), 'fourth', 0, None)
    assert len(calls) == 2


def test_step_dir_of_another_training_raises(tmp_path, monkeypatch):
    """A step folder remembers its training: the same config is not retrained, another config
    or seed raises (its checkpoint would be reused, or resumed, for the wrong model)."""
    calls = []
    monkeypatch.setattr(runs, 'run_tool', lambda *a, **k: calls.append(a))
    step = tmp_path / 'step'
    runs.train(_cfg(tmp_path, work='step'), str(step), 'step', 0, None)  # (mock) training
    assert len(calls) == 1
    assert (step / 'training_key.txt').read_text().strip() == runs.training_key(
        _cfg(tmp_path, work='step'), 0)
    (step / 'epoch_2.pth').write_bytes(b'weights')
    runs.train(_cfg(tmp_path, work='step'), str(step), 'step', 0, None)
    assert len(calls) == 1  # finished, same training: not retrained
    other = _cfg(tmp_path, work='step')
    other.model.roi_head.bbox_head.dropout_ratio = 0.5
    with pytest.raises(RuntimeError, match='holds a training of another config'):
        runs.train(other, str(step), 'step', 0, None)
    with pytest.raises(RuntimeError, match=str(step)):
        runs.train(_cfg(tmp_path, work='step'), str(step), 'step', 1, None)
    assert len(calls) == 1


def test_legacy_step_dir_is_checked_by_its_config(tmp_path, monkeypatch):
    """A folder from before ``training_key.txt`` is judged by the key of its ``config.py``."""
    monkeypatch.setattr(runs, 'run_tool', lambda *a, **k: None)
    step = tmp_path / 'legacy'
    step.mkdir()
    old = _cfg(tmp_path, work='legacy')
    old.optim_wrapper.optimizer.lr = 0.123
    old.dump(str(step / 'config.py'))
    (step / 'epoch_2.pth').write_bytes(b'weights')
    with pytest.raises(RuntimeError, match='config.py'):
        runs.train(_cfg(tmp_path, work='legacy'), str(step), 'legacy', 0, None)
    assert runs.train(old, str(step), 'legacy', 0, None) == str(step / 'epoch_2.pth')
    assert (step / 'training_key.txt').is_file()
    # the runner re-dumps config.py with the randomness of `tools/train.py --seed 0`: the same
    # training
    (step / 'training_key.txt').unlink()
    seeded = _cfg(tmp_path, work='legacy')
    seeded.randomness = dict(seed=0, deterministic=False)
    seeded.dump(str(step / 'config.py'))
    assert runs.train(_cfg(tmp_path, work='legacy'), str(step), 'legacy', 0,
                      None) == str(step / 'epoch_2.pth')
    (step / 'training_key.txt').unlink()
    seeded.dump(str(step / 'config.py'))
    with pytest.raises(RuntimeError, match='another config or seed'):
        runs.train(_cfg(tmp_path, work='legacy'), str(step), 'legacy', 1, None)
