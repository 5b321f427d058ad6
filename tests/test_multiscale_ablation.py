"""The committed multi-scale ablation script, end to end on the tiny preset (one seed, one epoch):
short-term, +global, the pending +lfb slot, the arm model on ground-truth keypoints and its merge;
a re-run trains and predicts nothing again."""

from __future__ import annotations

import json
import os
import os.path as osp

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


def test_multiscale_ablation_script_runs_every_row_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    work = tmp_path / 'work'
    args = ['tools/analysis/multiscale_ablation.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
            '--train-cache', str(tmp_path / 'train_cache')]
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    for row in ('| short-term |', '| +global |', '| +lfb |', '| +arm merge |',
                '(arm model alone, arm classes)'):
        assert row in md
    for text in ('context', 'long-term', 'arm', '+arm merge − +lfb', '+global − short-term',
                 '+lfb − +global'):
        assert text in md
    res = json.loads((work / 'ablation.json').read_text())
    seed = res['per_seed']['0']
    assert 0 <= seed['short-term']['overall'] <= 100 and 'arm' in seed['+arm merge']
    merge = seed['_merge']
    assert merge['merged_into'] == '+lfb' and len(merge['selected']) == 2
    assert 0 <= seed['+lfb']['long-term'] <= 100
    # the +lfb model read the bank dumped from this seed's short-term model, both splits
    bank_meta = json.loads((work / 'seed0' / 'lfb_bank' / 'meta.json').read_text())
    assert bank_meta['kind'] == 'lfb' and set(bank_meta['splits']) == {'train', 'val'}
    assert bank_meta['splits']['val']['checkpoint'] == str(
        work / 'seed0' / 'short-term' / 'epoch_1.pth')
    assert all(set(s) <= {'wave', 'point', 'raise arm'} for s in merge['selected'])
    # the arm model read the ground-truth keypoints written for this seed
    from mmengine.config import Config

    cfg = Config.fromfile(str(work / 'seed0' / 'arm' / 'config.py'))
    assert cfg.train_dataloader.dataset.keypoint_file == str(
        work / 'seed0' / 'keypoints' / 'gt_keypoints_train.npz')
    assert cfg.model.roi_head.type == 'mmaction.ArmRoIHead'
    assert res['seconds']['seed0']['train seed 0 arm s/iter'] > 0
    # a re-run trains and predicts nothing again
    stamp = {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 4
    assert stamp == {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}
    # --arm-config swaps the arm model (here the 144-px one), trained in its own folder beside
    # the same main rows
    arm144 = 'configs/multiscale/arm-144px_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py'
    proc = run_tool([*args, '--arm-config', arm144], env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 3
    cfg2 = Config.fromfile(str(work / 'seed0' / 'arm-144px' / 'config.py'))
    assert {'type': 'Resize', 'scale': (-1, 144)} in [dict(t) for t in
                                                     cfg2.test_dataloader.dataset.pipeline]
    assert 'arm model `arm-144px_slowfast-tiny' in (work / 'ablation.md').read_text()
    # --arm-init starts the arm model from the seed's short-term checkpoint, in its own folder
    proc = run_tool([*args, '--arm-init', 'short-term'], env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 3
    step = work / 'seed0' / 'arm-from-short-term'
    short = work / 'seed0' / 'short-term' / 'epoch_1.pth'
    assert Config.fromfile(str(step / 'config.py')).load_from == str(short)
    assert 'started from the `short-term` model of its seed' in (work / 'ablation.md').read_text()
    import torch

    def state(path):
        return torch.load(path, map_location='cpu', weights_only=True)['state_dict']

    inited, fresh, source = state(step / 'epoch_1.pth'), state(work / 'seed0' / 'arm' /
                                                               'epoch_1.pth'), state(short)
    convs = [k for k, v in source.items() if k.startswith('backbone.') and v.dim() == 5]
    assert convs

    def gap(a, b):
        return sum(float((a[k] - b[k]).abs().mean()) for k in convs)

    # two AdamW steps from the short-term weights stay far closer to them than a fresh init
    assert gap(inited, source) < 0.2 * gap(fresh, source)
