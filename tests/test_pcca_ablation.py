"""The committed PCCA ablation script, end to end on the tiny preset (one seed, one epoch)."""

from __future__ import annotations

import json
import os
import os.path as osp

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


def test_pcca_ablation_script_runs_every_row_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    work = tmp_path / 'work'
    args = ['tools/analysis/pcca_ablation.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
            '--train-cache', str(tmp_path / 'train_cache'),
            '--phase2-epochs', '1', '--stride', '30',
            '--rows', 'linear', 'pcca', 'pcca-ctx4', 'pcca-concat', 'pcca+decoupled',
            'pcca+decoupled+tta']
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    for row in ('| linear |', '| pcca |', '| pcca-ctx4 |', '| pcca-concat |', '| pcca+decoupled |',
                '| pcca+decoupled+tta |'):
        assert row in md
    assert 'pcca-ctx4 − pcca' in md and 'pcca-ctx4 − linear' in md
    assert 'pcca-concat − linear' in md
    for col in ('F@0.5', 'V@0.2', 'V@0.5', 'V@0.1:0.9', 'context', 'tail'):
        assert col in md
    assert 'pcca − linear' in md
    res = json.loads((work / 'ablation.json').read_text())
    lin = res['per_seed']['0']['linear']
    assert 0 <= lin['F@0.5']['overall'] <= 100 and 'context' in lin['V@0.1:0.9']
    # phase 2 started from phase 1 and changed only the classifier
    import torch

    p1 = torch.load(work / 'seed0' / 'pcca' / 'epoch_1.pth', map_location='cpu',
                    weights_only=True)['state_dict']
    p2 = torch.load(work / 'seed0' / 'pcca+decoupled' / 'epoch_1.pth', map_location='cpu',
                    weights_only=True)['state_dict']
    changed = {k for k in p1 if not torch.equal(p1[k], p2[k])}
    assert changed and all(k.startswith('roi_head.bbox_head.fc_cls') for k in changed), changed
    # a re-run trains and scores nothing again
    stamp = {p: osp.getmtime(p) for p in work.rglob('*.pth')}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert 'not retrained' in proc.stdout
    assert stamp == {p: osp.getmtime(p) for p in work.rglob('*.pth')}
