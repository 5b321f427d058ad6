"""Stage-one proposal writing: a detector (random weights, checkpoint we create) over the real
fixture keyframes and the real people.mp4, in the safe and legacy layouts."""

from __future__ import annotations

import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets.proposals import load_proposals, save_proposals
from mmaction_plugins.engine.detect_proposals import ava_keyframes, detect_proposals, video_frames
from tests.conftest import REPO, isolated_default_scope, needs_shared

DET_TINY = osp.join(REPO, 'configs', 'stage_one', 'faster-rcnn_r18-w16_fpn_12e_synthetic-person.py')

pytestmark = needs_shared


@pytest.fixture(scope='module')
def detector(tmp_path_factory):
    from mmdet.apis import init_detector
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    cfg = Config.fromfile(DET_TINY)
    cfg.model.test_cfg.rcnn.score_thr = 0.0  # random weights: keep whatever comes out
    ckpt = str(tmp_path_factory.mktemp('det') / 'det.pth')
    with isolated_default_scope():  # module-scoped: outside the per-test isolation
        init_default_scope('mmdet')
        torch.manual_seed(0)
        torch.save({'state_dict': MODELS.build(cfg.model).state_dict(), 'meta': {}}, ckpt)
        yield init_detector(cfg, ckpt, device='cpu')


def test_real_video_frames_and_keys(detector, shared_data):
    video = osp.join(shared_data, 'videos', 'people.mp4')
    props = detect_proposals(detector, video_frames(video, every=100), score_thr=0.0,
                             progress=False)
    assert list(props) == ['people.mp4,0001', 'people.mp4,0101', 'people.mp4,0201']
    boxes = np.concatenate(list(props.values()))
    assert boxes.shape[1] == 5 and len(boxes) > 0
    assert boxes[:, :4].min() >= 0 and boxes[:, :4].max() <= 1
    for v in props.values():  # score-sorted per frame
        assert np.all(np.diff(v[:, 4]) <= 0)


def test_ava_keyframes_to_all_layouts(detector, fixtures_dir, tmp_path):
    from mmaction.datasets import AVADataset

    from mmaction_plugins.datasets import STADDataset

    ann = osp.join(fixtures_dir, 'ava', 'annotations', 'ava_train.csv')
    frames = list(ava_keyframes(ann, osp.join(fixtures_dir, 'ava', 'rawframes')))
    assert [k for k, _ in frames] == ['0f39OWEqJ24,0902', '0f39OWEqJ24,0903', '_-Z6wFjXtGQ,0902']
    assert frames[0][1].endswith(osp.join('0f39OWEqJ24', 'img_00061.jpg'))
    props = detect_proposals(detector, frames, score_thr=0.0, progress=False)
    props['_-Z6wFjXtGQ,0902'] = np.zeros((0, 5))  # a keyframe where nothing was detected

    paths = {ext: str(tmp_path / f'props.{ext}') for ext in ('json', 'npz', 'pkl')}
    for path in paths.values():
        save_proposals(props, path)
    safe = load_proposals(paths['json'])
    for path in paths.values():
        got = load_proposals(path)
        for key in props:
            if len(props[key]):
                np.testing.assert_allclose(got[key], safe[key], atol=1e-6)
    assert '_-Z6wFjXtGQ,0902' not in load_proposals(paths['pkl'])  # legacy convention

    kw = dict(ann_file=ann, pipeline=[], person_det_score_thr=0.0,
              data_prefix=dict(img=osp.join(fixtures_dir, 'ava', 'rawframes')))
    theirs = AVADataset(proposal_file=paths['pkl'], **kw)  # legacy layout, unchanged loader
    for ours in (STADDataset(proposal_file=paths['json'], **kw),
                 STADDataset(proposal_file=paths['npz'], **kw)):
        for i in range(len(theirs)):
            a, b = ours.get_data_info(i), theirs.get_data_info(i)
            np.testing.assert_allclose(a['proposals'], b['proposals'], atol=1e-6)


def test_missing_keyframe_names_csv_line(tmp_path):
    ann = tmp_path / 'a.csv'
    ann.write_text('vid,0902,0.1,0.1,0.5,0.5,1,0\n')
    with pytest.raises(FileNotFoundError, match=r'a\.csv:1: keyframe vid,0902'):
        list(ava_keyframes(str(ann), str(tmp_path)))
