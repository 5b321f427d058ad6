"""The committed Kinetics-TPS ablation script on the tiny preset (one seed, one epoch, one
Table 3 row, no end-to-end part — those run in ``tests/test_tps_e2e.py``): it writes the table,
fills the README block, and a re-run trains nothing again."""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


def test_tps_ablation_script_writes_its_table_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    readme = tmp_path / 'README.md'
    readme.write_text('before\n<!-- ablation:start -->\nold table\n'
                      '<!-- ablation:end -->\nafter\n')
    work = tmp_path / 'work'
    args = ['tools/analysis/tps_ablation.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--state-epochs', '1',
            '--video-epochs', '1', '--rows', 'augmentation', '--no-e2e',
            '--readme', str(readme), '--train-cache', '']
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    assert '| augmentation |' in md and 'part-state top-1 (%)' in md and 'TPS (%)' in md
    text = readme.read_text()
    assert 'old table' not in text and md.strip() in text
    assert 'Written by `python tools/analysis/tps_ablation.py --preset tiny' in text
    assert text.startswith('before\n') and text.endswith('after\n')
    res = json.loads((work / 'ablation.json').read_text())
    row = res['per_seed']['0']['rows']['augmentation']
    assert 0 <= row['tps_part/top1'] <= 1 and 0 <= row['tps_part/area'] <= 1
    assert json.loads((work / 'seed0' / 'video' / 'pred_vid_val.json').read_text())
    assert set(res['seconds']['seed0']) >= {'data', 'prepare', 'video recognizer', 'row aug'}
    # a re-run trains and tests nothing again
    stamp = {p: os.path.getmtime(p) for p in work.rglob('*.pth')}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert 'not retrained' in proc.stdout
    assert stamp == {p: os.path.getmtime(p) for p in work.rglob('*.pth')}
