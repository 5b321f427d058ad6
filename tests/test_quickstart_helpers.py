"""The quick start's pure helpers (the pipeline itself: tests/test_quickstart.py)."""

from __future__ import annotations

import json

import numpy as np
from mmengine.config import Config

from mmaction_plugins.quickstart import (
    ACTION_CONFIG,
    DET_CONFIG,
    Progress,
    _json_safe,
    _subset_gt,
    action_config,
    detector_config,
    set_epochs,
)


def test_configs_point_at_the_data_folder(tmp_path):
    det = detector_config('/data/x', str(tmp_path))
    assert det.train_dataloader.dataset.data_root == '/data/x/'
    assert det.test_evaluator.ann_file == '/data/x/coco/person_keypoints_val.json'
    props = {'train': '/p/train.json', 'val': '/p/val.json'}
    act = action_config('/data/x', str(tmp_path), props, 0.7)
    assert act.train_dataloader.dataset.proposal_file == '/p/train.json'
    assert act.test_dataloader.dataset.proposal_file == '/p/val.json'
    assert act.val_dataloader.dataset.person_det_score_thr == 0.7
    assert act.test_evaluator.ann_file == '/data/x/ava/annotations/ava_val.csv'
    # the repository configs themselves are untouched
    assert Config.fromfile(DET_CONFIG).train_dataloader.dataset.data_root != '/data/x/'
    assert Config.fromfile(ACTION_CONFIG).train_dataloader.dataset.proposal_file != props['train']


def test_set_epochs_clips_schedules():
    cfg = Config(dict(train_cfg=dict(max_epochs=12, val_interval=12), param_scheduler=[
        dict(type='LinearLR', by_epoch=False, begin=0, end=100),
        dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[9, 11]),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=0, end=12, T_max=12)]))
    set_epochs(cfg, 4)
    assert cfg.train_cfg.max_epochs == 4 and cfg.train_cfg.val_interval == 4
    assert cfg.param_scheduler[0]['end'] == 100  # per-iteration warm-up untouched
    assert cfg.param_scheduler[1]['milestones'] == [] and cfg.param_scheduler[1]['end'] == 4
    assert cfg.param_scheduler[2]['T_max'] == 4


def test_subset_gt_keeps_only_the_videos():
    gt = {'labels': ['a'], 'test_videos': [['v1', 'v2', 'v3']], 'train_videos': [['t']],
          'nframes': {'v1': 3, 'v2': 4, 'v3': 5, 't': 2}, 'resolution': {k: (1, 1) for k in
                                                                          ('v1', 'v2', 'v3', 't')},
          'gttubes': {'v1': {0: []}, 'v3': {0: []}, 't': {0: []}}}
    sub = _subset_gt(gt, ['v3', 'v1'])
    assert sub['test_videos'] == [['v3', 'v1']]
    assert set(sub['gttubes']) == {'v1', 'v3'} and set(sub['nframes']) == {'v1', 'v3'}
    assert gt['test_videos'] == [['v1', 'v2', 'v3']]  # input untouched


def test_json_safe_turns_nan_into_null():
    out = _json_safe({'a': float('nan'), 'b': [np.float32(1.5), (np.nan, 2)], 'c': 'x'})
    assert json.loads(json.dumps(out, allow_nan=False)) == {'a': None, 'b': [1.5, [None, 2]],
                                                             'c': 'x'}


def test_progress_counts_and_finishes(capsys):
    bar = Progress('x', 4)
    for _ in range(4):
        bar.update(step=1)
    bar.close()
    err = capsys.readouterr().err
    assert '4/4' in err and err.count('4/4') == 1
