"""Point the Kinetics-TPS chain's configs at a data root (as ``runs.point_stad_config_at`` does
for the AVA-layout STAD configs), for the ablation script and the end-to-end test.

``data_root`` holds the TPS layout (``tps/``, the frames of every video's ``frames_dir``) and the
output of :mod:`mmaction_plugins.datasets.tps.prepare` in ``data_root/tps_prepared`` (or
``prepared``). Every function changes the config in place and returns it.
"""

from __future__ import annotations

import os.path as osp
from typing import Any

__all__ = ['point_human_config_at', 'point_tps_parts_config_at', 'point_tps_video_config_at',
           'point_part_state_config_at']


def _root(path: str) -> str:
    return osp.join(osp.abspath(path), '')


def point_human_config_at(cfg: Any, data_root: str, prepared: str | None = None) -> Any:
    """A stage-one human detector config (mmdet ``CocoDataset``) on ``humans_<split>.json``."""
    root = _root(data_root)
    coco = osp.join(prepared or osp.join(root, 'tps_prepared'), 'coco')
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        ds.data_root = root
        ds.ann_file = osp.join(coco, f'humans_{split}.json')
        ds.data_prefix = dict(img=root)
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = osp.join(coco, 'humans_val.json')
    return cfg


def point_tps_parts_config_at(cfg: Any, data_root: str, prepared: str | None = None) -> Any:
    """A TPS part-detector config on the person crops of ``prepared/part_crops``."""
    crops = _root(osp.join(prepared or osp.join(_root(data_root), 'tps_prepared'),
                           'part_crops'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = crops
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = osp.join(crops, 'annotations', 'val.json')
    return cfg


def point_tps_video_config_at(cfg: Any, data_root: str, pred_vid_file: str,
                              prepared: str | None = None) -> Any:
    """A TPS video-recognizer config on ``videos_<split>.txt``; its ``TPSCategoryMetric``
    writes the predicted categories to ``pred_vid_file``."""
    root = _root(data_root)
    prep = prepared or osp.join(root, 'tps_prepared')
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        ds.ann_file = osp.join(prep, f'videos_{split}.txt')
        ds.data_prefix = dict(img=root)
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) \
        else [cfg.test_evaluator]
    found = False
    for ev in evaluators:
        if ev.get('type') == 'TPSCategoryMetric':
            ev.categories_file = osp.join(root, 'tps', 'categories.txt')
            ev.out_file = pred_vid_file
            found = True
    if not found:
        raise ValueError('the video config has no TPSCategoryMetric in test_evaluator')
    return cfg


def point_part_state_config_at(cfg: Any, data_root: str, pred_vid_file: str | None = None,
                               person_parts_file: str | None = None,
                               out_dir: str | None = None) -> Any:
    """A part-state config on ``data_root``'s TPS layout.

    Args:
        cfg: The config.
        data_root: The data root.
        pred_vid_file: The video recognizer's categories: the test category input and the
            metric's classes; None tests with the ground-truth category and scores only
            ``area_gt_class``.
        person_parts_file: Predicted humans and parts for the test split; None tests on the
            ground-truth boxes.
        out_dir: Where the test metric writes the submission files.
    """
    root = _root(data_root)
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        ds.data_root = root
        ds.ann_file = f'tps/{split}_list.txt'
        ds.data_prefix = dict(ann=f'tps/annotations/{split}', img='')
    test = cfg.test_dataloader.dataset
    test.category_file = pred_vid_file
    test.person_parts_file = person_parts_file
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].gt_vid_file = osp.join(root, 'tps', 'gt_vid_val.json')
        cfg[ev].gt_part_file = osp.join(root, 'tps', 'gt_part_val.json')
    cfg.val_evaluator.pred_vid_file = None
    cfg.test_evaluator.pred_vid_file = pred_vid_file
    cfg.test_evaluator.out_dir = out_dir
    return cfg
