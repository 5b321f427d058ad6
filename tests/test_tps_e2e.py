"""The Kinetics-TPS chain end to end on the synthetic ``tiny`` preset, in one process: training
data, video recognizer (-> predicted categories), part-state network, human and part detectors,
stage one on the validation frames, and the challenge submission scored by the project's scorer
— on ground-truth and on detected boxes. One epoch per model: the numbers test the chain."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(cfg, work_dir: str, name: str, train: bool = True, checkpoint: str | None = None
         ) -> dict:
    """Train one epoch (without validation) and/or test, in process; returns the test metrics
    (empty when only training)."""
    from mmengine.runner import Runner

    from mmaction_plugins.engine.runs import set_epochs

    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.randomness = dict(seed=0)
    if train:
        set_epochs(cfg, 1)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # no validation pass
        if 'checkpoint' in cfg.default_hooks:
            cfg.default_hooks.checkpoint.interval = 1
            cfg.default_hooks.checkpoint.pop('save_best', None)
        Runner.from_cfg(cfg).train()
        return {}
    cfg.load_from = checkpoint
    return Runner.from_cfg(cfg).test()


def _rescore(root: str, sub: str, pred_vid: str) -> float:
    from mmaction_plugins.evaluation import evaluate_tps_files

    return evaluate_tps_files(osp.join(root, 'tps', 'gt_vid_val.json'),
                              osp.join(root, 'tps', 'gt_part_val.json'), pred_vid,
                              osp.join(sub, 'pred_part.json')).area


def test_tiny_tps_chain_produces_a_scored_submission(synthetic_tiny, tmp_path):
    from mmdet.apis import init_detector
    from mmengine.config import Config

    import mmaction_plugins  # noqa: F401
    from mmaction_plugins.datasets.person_parts_file import save_person_parts
    from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary
    from mmaction_plugins.datasets.tps.prepare import prepare_tps
    from mmaction_plugins.engine.tps_configs import (
        point_human_config_at,
        point_part_state_config_at,
        point_tps_parts_config_at,
        point_tps_video_config_at,
    )
    from mmaction_plugins.engine.tps_stage_one import tps_stage_one

    root, _ = synthetic_tiny
    prepared = str(tmp_path / 'prepared')
    prepare_tps(root, prepared)
    cfg_dir = osp.join(REPO, 'configs', 'kinetics_tps')
    work = tmp_path / 'work'

    # the video recognizer; its test writes the predicted categories
    pred_vid = str(tmp_path / 'pred_vid_val.json')
    video = osp.join(cfg_dir, 'swin-w16_1xb8-8x8x1-40e_synthetic-tps-rgb.py')
    _run(point_tps_video_config_at(Config.fromfile(video), root, pred_vid, prepared),
         str(work / 'video'), 'tps-video')
    metrics = _run(point_tps_video_config_at(Config.fromfile(video), root, pred_vid, prepared),
                   str(work / 'video'), 'tps-video-test', train=False,
                   checkpoint=str(work / 'video' / 'epoch_1.pth'))
    cats = [line.split(': ', 1)[1].strip()
            for line in open(osp.join(root, 'tps', 'categories.txt')) if line.strip()]
    predicted = json.load(open(pred_vid))
    assert set(predicted) == {'syn0002', 'syn0003'} and set(predicted.values()) <= set(cats)
    assert 0 <= metrics['tps_video/top1'] <= 1

    # the part-state network, trained on ground truth, tested on ground-truth boxes with the
    # predicted categories
    state = osp.join(cfg_dir, 'part-state-mha_swin-w16_1xb32-12e_synthetic-tps.py')
    _run(point_part_state_config_at(Config.fromfile(state), root, pred_vid),
         str(work / 'state'), 'tps-state')
    ckpt = str(work / 'state' / 'epoch_1.pth')
    sub_gt = str(tmp_path / 'sub_gt')
    gt = _run(point_part_state_config_at(Config.fromfile(state), root, pred_vid,
                                         out_dir=sub_gt),
              str(work / 'state'), 'tps-state-test', train=False, checkpoint=ckpt)
    assert 0 < gt['tps_part/top1'] <= 1
    assert gt['tps_part/area_gt_class'] > 0  # some part states right on the true boxes
    assert gt['tps_part/area'] == pytest.approx(_rescore(root, sub_gt, pred_vid))
    assert json.load(open(osp.join(sub_gt, 'pred_vid.json'))) == predicted

    # stage one: human and TPS part detectors, then humans and their parts top-down
    human_cfg = point_human_config_at(Config.fromfile(
        osp.join(REPO, 'configs', 'stage_one', 'cascade-rcnn_r18-w16_fpn_4e_synthetic-human.py')),
        root, prepared)
    _run(human_cfg, str(work / 'human'), 'tps-human')
    part_cfg = point_tps_parts_config_at(Config.fromfile(
        osp.join(cfg_dir, 'cascade-rcnn_swin-t-w16_fpn_2e_synthetic-tps-parts.py')), root,
        prepared)
    _run(part_cfg, str(work / 'parts'), 'tps-parts')
    human_cfg.dump(str(work / 'human.py'))
    part_cfg.dump(str(work / 'parts.py'))
    vocab = load_tps_vocabulary(osp.join(root, 'tps', 'part_states.json'),
                                osp.join(root, 'tps', 'categories.txt'))
    videos = load_tps_split(osp.join(root, 'tps', 'val_list.txt'),
                            osp.join(root, 'tps', 'annotations', 'val'), vocab)
    result = tps_stage_one(
        videos, root,
        init_detector(str(work / 'parts.py'), str(work / 'parts' / 'epoch_1.pth'), device='cpu'),
        init_detector(str(work / 'human.py'), str(work / 'human' / 'epoch_1.pth'), device='cpu'),
        score_thr=0.0, max_humans=3, progress=False)
    assert len(result.boxes) == sum(len(v.frames) for v in videos)
    assert max(len(b) for b in result.boxes.values()) <= 3 and result.part_names == \
        tuple(part_cfg.part_classes)
    parts_file = str(tmp_path / 'parts_val.npz')
    save_person_parts(result, parts_file)

    # the same network on the detected boxes: the end-to-end submission and its score
    sub_det = str(tmp_path / 'sub_det')
    det = _run(point_part_state_config_at(Config.fromfile(state), root, pred_vid,
                                          person_parts_file=parts_file, out_dir=sub_det),
               str(work / 'state'), 'tps-state-e2e', train=False, checkpoint=ckpt)
    assert 'tps_part/top1' not in det  # no ground-truth states for detected persons
    assert 0 <= det['tps_part/area'] <= det['tps_part/area_gt_class'] <= 1
    assert det['tps_part/area'] == pytest.approx(_rescore(root, sub_det, pred_vid))
    part = json.load(open(osp.join(sub_det, 'pred_part.json')))
    n_det = 0
    for vid, frames in part.items():
        video_ = next(v for v in videos if v.video_id == vid)
        for frame in frames.values():
            for human in frame['humans']:
                n_det += 1
                boxes = np.array([human['box']] + [b for q in human['parts'].values()
                                                   for b in q['box']])
                assert (boxes >= 0).all() and (boxes[:, [0, 2]] <= video_.width).all() \
                    and (boxes[:, [1, 3]] <= video_.height).all()
                for name, q in human['parts'].items():
                    assert q['verb'][0] in vocab.states[name]
    assert n_det == sum(len(b) for b in result.boxes.values())
