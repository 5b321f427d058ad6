"""The committed self-attention ablation script, end to end on the tiny preset (one seed, one
epoch; the baseline, the first and the last Table 4.2 rows — every row's config is built and
stepped by tests/test_configs.py); a re-run trains and predicts nothing again."""

from __future__ import annotations

import json
import os
import os.path as osp

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


def test_self_attention_ablation_script_runs_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    work = tmp_path / 'work'
    args = ['tools/analysis/self_attention_ablation.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
            '--train-cache', str(tmp_path / 'train_cache'),
            '--rows', 'baseline', 'fast-gap', 'slowfast-l2-ln']
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    for row in ('| baseline |', '| fast-gap | TSFA, GAP, 1 layer, 512 | 18.5 |',
                '| slowfast-l2-ln | SSFA+TSFA, GAP, 2 layers, 2048, LN | 23.0 |',
                'slowfast-l2-ln − fast-gap | +4.5', 'slowfast-l2-ln − baseline',
                'motion eval noise (video bootstrap std)'):
        assert row in md
    res = json.loads((work / 'ablation.json').read_text())
    seed = res['per_seed']['0']
    assert set(seed) >= {'baseline', 'fast-gap', 'slowfast-l2-ln'}
    assert 0 <= seed['slowfast-l2-ln']['motion'] <= 100 and 'walk' in seed['baseline']['per_class']
    noise = seed['_noise']['slowfast-l2-ln − baseline @ motion']
    assert noise['diff'] == pytest.approx(
        seed['slowfast-l2-ln']['motion'] - seed['baseline']['motion'], abs=1e-6)
    from mmengine.config import Config

    cfg = Config.fromfile(str(work / 'seed0' / 'slowfast-l2-ln' / 'config.py'))
    assert cfg.model.roi_head.num_layers == 2 and cfg.model.roi_head.attention.norm == 'post'
    stamp = {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 3
    assert stamp == {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}
