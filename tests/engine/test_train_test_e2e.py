"""End to end on CPU: tools/train.py -> checkpoint -> resume -> tools/test.py, for the tiny AVA and
MultiSports baselines on the real fixtures, plus tools/dist_train.sh with two gloo ranks."""

from __future__ import annotations

import json
import math
import os
import os.path as osp
import subprocess

import pytest
import torch

import mmaction_plugins  # noqa: F401  (allow-lists mmengine checkpoint types)
from tests.conftest import REPO, needs_shared, run_tool

AVA_TINY = 'configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py'
MS_TINY = 'configs/baseline/slowfast-tiny_1xb1-16x2x1-2e_multisports-fixtures-rgb.py'

pytestmark = [pytest.mark.slow, needs_shared]


def _metrics(proc: subprocess.CompletedProcess) -> dict[str, float]:
    lines = [line for line in proc.stdout.splitlines() if line.startswith('METRICS ')]
    assert lines, proc.stdout[-3000:]
    return json.loads(lines[-1][len('METRICS '):])


def test_ava_train_resume_test(fixtures_dir, tmp_path):
    work = str(tmp_path / 'ava')
    run_tool(['tools/train.py', AVA_TINY, '--work-dir', work, '--seed', '0',
              '--cfg-options', 'train_cfg.max_epochs=1'])
    ckpt1 = osp.join(work, 'epoch_1.pth')
    # our checkpoints load under torch's default weights_only=True (no code execution)
    state = torch.load(ckpt1, map_location='cpu', weights_only=True)
    assert state['meta']['epoch'] == 1 and 'state_dict' in state and 'message_hub' in state

    proc = run_tool(['tools/train.py', AVA_TINY, '--work-dir', work, '--resume', '--seed', '0'])
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1' in log.lower() or 'resumed checkpoint' in log.lower(), log[-3000:]
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read().strip().endswith('epoch_2.pth')

    proc = run_tool(['tools/test.py', AVA_TINY, osp.join(work, 'epoch_2.pth'),
                     '--work-dir', work])
    metrics = _metrics(proc)
    assert 'mAP/overall' in metrics and 0.0 <= metrics['mAP/overall'] <= 1.0
    with open(osp.join(work, 'test_metrics.json')) as f:
        assert json.load(f) == metrics


def test_multisports_train_test(fixtures_dir, tmp_path):
    work = str(tmp_path / 'ms')
    run_tool(['tools/train.py', MS_TINY, '--work-dir', work, '--seed', '0',
              '--cfg-options', 'train_cfg.max_epochs=1'])
    proc = run_tool(['tools/test.py', MS_TINY, osp.join(work, 'epoch_1.pth'), '--work-dir', work])
    metrics = _metrics(proc)
    for key in ('mAP/frameAP', 'mAP/v_map@0.2', 'mAP/v_map@0.5'):
        assert key in metrics and not math.isnan(metrics[key]), metrics
    # --tta: the config has no tta_model, so STADTTAModel's default (the input and its flip)
    proc = run_tool(['tools/test.py', MS_TINY, osp.join(work, 'epoch_1.pth'), '--work-dir', work,
                     '--tta', '--out-json', osp.join(work, 'tta.json')])
    tta = _metrics(proc)
    assert set(tta) == set(metrics) and not math.isnan(tta['mAP/frameAP'])


def _run_dist(args: list[str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(['bash', *args], cwd=REPO, capture_output=True, text=True, timeout=900,
                          env={**os.environ, 'PORT': '29517', 'PYTHONUNBUFFERED': '1'})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def test_dist_train_and_test_two_cpu_ranks(fixtures_dir, tmp_path):
    work = str(tmp_path / 'dist')
    proc = _run_dist(['tools/dist_train.sh', AVA_TINY, '2', '--work-dir', work, '--seed', '0',
                      '--cfg-options', 'train_cfg.max_epochs=1'])
    log = proc.stdout + proc.stderr
    assert 'gloo' in log and 'GPU number: 2' in log, log[-3000:]  # mmengine's name for ranks
    ckpt = osp.join(work, 'epoch_1.pth')
    dist_metrics = _metrics(_run_dist(['tools/dist_test.sh', AVA_TINY, ckpt, '2',
                                       '--work-dir', work]))
    single_metrics = _metrics(run_tool(['tools/test.py', AVA_TINY, ckpt, '--work-dir', work]))
    assert dist_metrics.keys() == single_metrics.keys() and 'mAP/overall' in dist_metrics
