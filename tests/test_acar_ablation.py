"""The committed ACAR ablation script, end to end on the tiny preset (one seed, one epoch)."""

from __future__ import annotations

import json
import os
import os.path as osp

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


def test_acar_ablation_script_runs_every_row_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    work = tmp_path / 'work'
    args = ['tools/analysis/acar_ablation.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
            '--train-cache', str(tmp_path / 'train_cache'),
            '--window', '-2', '2']
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    for row in ('| linear |', '| lfb |', '| acar |', '| acar+acfb |', '| ensemble |'):
        assert row in md
    for col in ('relation', 'long-term', 'acar − linear', 'acar+acfb − acar',
                'eval noise (video bootstrap std)'):
        assert col in md
    res = json.loads((work / 'ablation.json').read_text())['per_seed']['0']
    # every claim's difference under the paired video bootstrap, equal to the table's at full set
    assert set(res['_noise']) == {'acar − linear @ relation', 'acar+acfb − acar @ long-term',
                                  'lfb − linear @ long-term', 'acar+acfb − lfb @ long-term',
                                  'ensemble − acar+acfb @ overall'}
    for key, n in res['_noise'].items():
        row, rest = key.split(' − ')
        base, group = rest.split(' @ ')
        assert n['diff'] == pytest.approx(res[row][group] - res[base][group], abs=1e-6), key
        assert n['std'] >= 0 and n['low'] <= n['high']
    for row in ('linear', 'lfb', 'acar', 'acar+acfb', 'ensemble'):
        assert 0 <= res[row]['overall'] <= 100, (row, res[row])
        assert set(res['_per_class'][row]) == set(res['_groups'])
    # the banks were dumped from the right models, over both splits
    for bank, kind, width in (('lfb_bank', 'lfb', 96), ('acfb_bank', 'acfb', 32)):
        meta = json.loads((work / 'seed0' / bank / 'meta.json').read_text())
        assert (meta['kind'], meta['channels']) == (kind, width)
        assert set(meta['splits']) == {'train', 'val'}
    weights = json.loads((work / 'seed0' / 'ensemble' / 'detections.csv.weights.json').read_text())
    assert set(weights['folds']) == {'0', '1'}
    # a re-run trains, dumps and scores nothing again
    stamp = {p: osp.getmtime(p) for p in work.rglob('*') if p.suffix in ('.pth', '.npz', '.csv')}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert 'not retrained' in proc.stdout
    assert stamp == {p: osp.getmtime(p) for p in work.rglob('*')
                     if p.suffix in ('.pth', '.npz', '.csv')}


def test_shared_backbone_starts_every_row_from_one_backbone(synthetic_tiny, tmp_path):
    import torch

    from mmaction_plugins.compat import allow_mmengine_checkpoints

    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')
    work = tmp_path / 'work'
    run_tool(['tools/analysis/acar_ablation.py', '--preset', 'tiny', '--seeds', '0',
              '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
              '--train-cache', '', '--rows', 'linear', 'acar', '--shared-backbone', '1',
              '--n-boot', '20'], env={'OMP_NUM_THREADS': '1'})
    seed = work / 'seed0'
    backbone = seed / 'backbone' / 'backbone.pth'
    state = torch.load(backbone, weights_only=True)['state_dict']
    assert state and all(k.startswith('backbone.') for k in state)
    allow_mmengine_checkpoints()
    trained = torch.load(seed / 'backbone' / 'epoch_1.pth', map_location='cpu',
                         weights_only=True)['state_dict']
    assert set(state) == {k for k in trained if k.startswith('backbone.')}
    assert any(k.startswith('roi_head.') for k in trained)
    for row in ('linear', 'acar'):
        # (config.py is re-dumped by the test run with load_from = the tested checkpoint)
        log = (seed / row / 'train.log').read_text()
        assert f'Load checkpoint from {backbone}' in log
        # every backbone tensor loaded; the head (missing from the file) keeps its own init
        (missing,) = [ln.split(': ', 1)[1] for ln in log.splitlines()
                      if ln.startswith('missing keys in source state_dict: ')]
        assert all(k.startswith('roi_head.') for k in missing.split(', ')), missing
    md = (work / 'ablation.md').read_text()
    assert "from the seed's shared backbone (the linear chain trained 1 epochs" in md
    assert '| acar |' in md and 'acar − linear' in md
