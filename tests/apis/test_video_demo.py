"""The video demo (detector + STAD model on a whole video) on the real people.mp4 and on a
synthetic clip, with random-weight models saved as checkpoints we create."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from tests.conftest import REPO, isolated_default_scope, needs_shared

DET_CFG = osp.join(REPO, 'configs', 'stage_one', 'faster-rcnn_r18-w16_fpn_12e_synthetic-person.py')


@pytest.fixture(scope='module')
def models(synthetic_tiny, tmp_path_factory):
    """(det config, det ckpt, act config, act ckpt, label map) — random weights, seeded."""
    from mmdet.registry import MODELS as DET_MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmaction_plugins.apis import init_stad_model
    from mmaction_plugins.quickstart import action_config

    root, _ = synthetic_tiny
    tmp = tmp_path_factory.mktemp('demo_models')
    det_cfg = Config.fromfile(DET_CFG)
    det_cfg.model.test_cfg.rcnn.score_thr = 0.0  # random weights: keep whatever comes out
    det_path, det_ckpt = str(tmp / 'det.py'), str(tmp / 'det.pth')
    det_cfg.dump(det_path)
    anno = osp.join(root, 'ava', 'annotations')
    act_cfg = action_config(root, str(tmp), {s: osp.join(anno, f'ava_dense_proposals_{s}.json')
                                             for s in ('train', 'val')}, 0.6)
    act_path, act_ckpt = str(tmp / 'act.py'), str(tmp / 'act.pth')
    act_cfg.dump(act_path)
    with isolated_default_scope():
        init_default_scope('mmdet')
        torch.manual_seed(0)
        torch.save({'state_dict': DET_MODELS.build(det_cfg.model).state_dict(), 'meta': {}},
                   det_ckpt)
        torch.save({'state_dict': init_stad_model(act_cfg, None).state_dict(), 'meta': {}},
                   act_ckpt)
    return det_path, det_ckpt, act_path, act_ckpt, osp.join(anno, 'ava_action_list.pbtxt')


def _run(video: str, models, tmp_path, extra: list[str]) -> tuple[dict, str]:
    from mmaction_plugins.apis.video_demo import main

    det_path, det_ckpt, act_path, act_ckpt, label_map = models
    out = str(tmp_path / 'out.mp4')
    res = main([video, det_path, det_ckpt, act_path, act_ckpt, '--out', out, '--json',
                str(tmp_path / 'out.json'), '--label-map', label_map, '--score-thr', '0.0',
                '--action-thr', '0.0', *extra])
    with open(tmp_path / 'out.json') as f:
        assert json.load(f) == json.loads(json.dumps(res))
    return res, out


def _frame_count(path: str) -> tuple[int, tuple]:
    import cv2

    cap = cv2.VideoCapture(path)
    n, shape = 0, None
    while True:
        ok, img = cap.read()
        if not ok:
            return n, shape
        n, shape = n + 1, img.shape


@needs_shared
def test_real_video(models, shared_data, tmp_path):
    video = osp.join(shared_data, 'videos', 'people.mp4')
    res, out = _run(video, models, tmp_path, ['--every', '50'])
    assert sorted(int(k) for k in res['frames']) == [0, 50, 100, 150, 200, 250]
    people = [p for v in res['frames'].values() for p in v]
    assert people, 'random-weight detector at threshold 0 should give boxes'
    for p in people:
        x1, y1, x2, y2 = p['box']
        assert 0 <= x1 <= x2 <= 1 and 0 <= y1 <= y2 <= 1
        assert set(p['actions']) <= {str(i) for i in range(1, 20)}  # label-map classes only
        assert all(0 <= v <= 1 for v in p['actions'].values())
    assert _frame_count(out) == (300, (240, 426, 3))  # every frame written, boxes or not


def test_synthetic_clip_matches_in_memory_api(models, synthetic_tiny, tmp_path):
    from mmdet.apis import init_detector

    from mmaction_plugins.apis import detect_and_classify, init_stad_model, read_video_rgb

    root, _ = synthetic_tiny
    det_path, det_ckpt, act_path, act_ckpt, _ = models
    video = osp.join(root, 'multisports', 'trainval')
    video = osp.join(video, sorted(__import__('glob').glob(osp.join(video, '*', '*.mp4')))[0])
    res, out = _run(video, models, tmp_path, ['--every', '30', '--upscale', '2'])
    rgb = read_video_rgb(video)
    boxes, actions = detect_and_classify(init_detector(det_path, det_ckpt, device='cpu'),
                                         init_stad_model(act_path, act_ckpt), rgb, 0.0,
                                         keyframes=[30])
    got = res['frames']['30']
    assert len(got) == len(boxes[30])
    np.testing.assert_allclose([p['box'] for p in got], boxes[30][:, :4], atol=1e-5)
    for p, s in zip(got, actions[30][1]):
        for c, v in p['actions'].items():
            assert v == pytest.approx(float(s[int(c)]), abs=1e-4)
    n, shape = _frame_count(out)
    assert n == len(rgb) and shape == (144 * 2, 192 * 2, 3)
