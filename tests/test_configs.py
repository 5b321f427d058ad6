"""Every config under ``configs/``: load, build with pretrained weights off, one ``train_step``
and one ``test_step`` on CPU with tiny inputs.

Configs are discovered, so new ones are covered without editing this file. Full-scale configs run
at their real widths and depths; only the input is shrunk (64x64 pixels, the config's clip length).
A model family without a batch builder here fails the test, loudly, rather than being skipped.
"""

from __future__ import annotations

import glob
import os.path as osp
from collections.abc import Callable

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from tests.conftest import REPO

CONFIG_DIR = osp.join(REPO, 'configs')
CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '**', '*.py'), recursive=True)
                 if f'{osp.sep}_base_{osp.sep}' not in p)


def test_configs_are_discovered():
    assert len(CONFIGS) >= 4, CONFIGS


def _disable_pretrained(node: object) -> None:
    """Drop every pretrained-weight reference (init_cfg Pretrained, pretrained=...)."""
    if isinstance(node, dict):
        if 'pretrained' in node:
            node['pretrained'] = None
        init_cfg = node.get('init_cfg')
        if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for v in node.values():
            _disable_pretrained(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _disable_pretrained(v)


def _clip_len(cfg) -> int:
    for step in cfg.val_dataloader.dataset.pipeline:
        if step['type'] == 'SampleAVAFrames':
            return int(step['clip_len'])
    raise AssertionError('no SampleAVAFrames step in val pipeline')


# val-pipeline steps that add what a head reads from the metainfo; the batch goes through them
_STAD_META_STEPS = ('ArmProposals',)


def _stad_meta_steps(cfg) -> tuple[list, dict]:
    """The config's val-pipeline steps of ``_STAD_META_STEPS`` (built) and its
    ``PackActionInputs`` arguments (so that their keys reach the metainfo)."""
    from mmaction.registry import TRANSFORMS

    steps, pack = [], {}
    for step in cfg.val_dataloader.dataset.pipeline:
        kind = str(step['type']).split('.')[-1]
        if kind in _STAD_META_STEPS:
            steps.append(TRANSFORMS.build(step))
        elif kind == 'PackActionInputs':
            pack = {k: v for k, v in step.items() if k != 'type'}
    return steps, pack


def _stad_batch(cfg, size: int = 64, batch: int = 2) -> dict:
    """A collated batch as the STAD pipeline's PackActionInputs produces it."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    num_classes = int(cfg.model.roi_head.bbox_head.num_classes)
    meta_steps, pack_args = _stad_meta_steps(cfg)
    pack = TRANSFORMS.build(dict(type='PackActionInputs', **pack_args))
    rng = np.random.default_rng(0)
    kpt_rng = np.random.default_rng(1)  # apart, so that the other draws stay what they were
    samples = []
    for i in range(batch):
        n = i + 1  # 1 and 2 people
        boxes = np.array([[4 + 20 * j, 8, 24 + 20 * j, 60] for j in range(n)], np.float32)
        labels = np.zeros((n, num_classes), np.float32)
        labels[np.arange(n), rng.integers(1, num_classes, n)] = 1
        imgs = rng.uniform(0, 255, (3, _clip_len(cfg), size, size)).astype(np.float32)
        results = dict(
            imgs=imgs, gt_bboxes=boxes, gt_labels=labels, proposals=boxes + 1.0,
            img_shape=(size, size), img_key=f'vid,{902 + i:04d}', video_id='vid',
            timestamp=902 + i,
            # COCO keypoints (x, y relative, score 1) inside each proposal, for ArmProposals
            proposal_keypoints=np.concatenate(
                [kpt_rng.uniform((boxes[:, None, :2] + 1.0) / size,
                                 (boxes[:, None, 2:] + 1.0) / size, (n, 17, 2)),
                 np.ones((n, 17, 1))], axis=-1).astype(np.float32))
        for step in meta_steps:
            results = step(results)
        samples.append(pack(results))
    return pseudo_collate(samples)


def _det_batch(cfg, size: int = 64, batch: int = 2) -> dict:
    """A collated batch as mmdet's PackDetInputs produces it (one to two boxes per image)."""
    from mmdet.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    pack = TRANSFORMS.build(dict(type='PackDetInputs'))
    rng = np.random.default_rng(0)
    samples = []
    for i in range(batch):
        n = i + 1
        boxes = np.array([[4 + 20 * j, 8, 24 + 20 * j, 60] for j in range(n)], np.float32)
        samples.append(pack(dict(
            img=rng.integers(0, 255, (size, size, 3), dtype=np.uint8), gt_bboxes=boxes,
            gt_bboxes_labels=np.zeros(n, np.int64), gt_ignore_flags=np.zeros(n, bool),
            img_shape=(size, size), ori_shape=(size, size), scale_factor=(1.0, 1.0),
            img_id=i, img_path=f'{i}.jpg')))
    return pseudo_collate(samples)


def _pose_batch(cfg, size: int = 64, batch: int = 2) -> dict:
    """A collated batch from the config's own top-down transforms on a random image."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmpose.registry import TRANSFORMS

    keep = ('GetBBoxCenterScale', 'TopdownAffine', 'GenerateTarget', 'PackPoseInputs')
    steps = [s for s in cfg.train_dataloader.dataset.pipeline if s['type'] in keep]
    pipeline = Compose([TRANSFORMS.build(s) for s in steps])
    rng = np.random.default_rng(0)
    samples = []
    for i in range(batch):
        kpts = np.stack([rng.uniform(10, 30, 17), rng.uniform(5, 60, 17)], -1)[None]
        samples.append(pipeline(dict(
            img=rng.integers(0, 255, (size, size, 3), dtype=np.uint8),
            img_shape=(size, size), ori_shape=(size, size), id=i, img_id=i,
            img_path=f'{i}.jpg', bbox=np.array([[8.0, 4.0, 32.0, 62.0]], np.float32),
            bbox_score=np.ones(1, np.float32), keypoints=kpts.astype(np.float32),
            keypoints_visible=np.ones((1, 17), np.float32), category_id=1,
            flip_indices=list(range(17)), dataset_name='coco')))
    return pseudo_collate(samples)


def _check_pose_outputs(outputs: list, batch: dict) -> None:
    for out in outputs:
        assert out.pred_instances.keypoints.shape[-2:] == (17, 2)
        assert np.isfinite(out.pred_instances.keypoint_scores).all()


def _check_det_outputs(outputs: list, batch: dict) -> None:
    for out in outputs:
        assert torch.isfinite(out.pred_instances.scores).all()
        assert out.pred_instances.bboxes.shape[-1] == 4


def _check_stad_outputs(outputs: list, batch: dict) -> None:
    for out, sample in zip(outputs, batch['data_samples']):
        scores = out.pred_instances.scores
        assert scores.shape[0] == len(sample.proposals.bboxes)
        assert torch.isfinite(scores).all()


def _video_batch(cfg, size: int = 64, batch: int = 2) -> dict:
    """A collated batch as a recognizer pipeline's FormatShape + PackActionInputs produce it
    (one clip of the val pipeline's ``clip_len``)."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    clip_len = next(int(s['clip_len']) for s in cfg.val_dataloader.dataset.pipeline
                    if s['type'] == 'SampleFrames')
    num_classes = int(cfg.model.cls_head.num_classes)
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    rng = np.random.default_rng(0)
    return pseudo_collate([pack(dict(
        imgs=rng.uniform(0, 255, (1, 3, clip_len, size, size)).astype(np.float32),
        label=int(rng.integers(num_classes)), img_shape=(size, size))) for _ in range(batch)])


def _check_video_outputs(outputs: list, batch: dict) -> None:
    for out in outputs:
        assert torch.isfinite(out.pred_score).all() and out.pred_score.ndim == 1


def _part_state_batch(cfg, size: int | None = None, batch: int = 2) -> dict:
    """A collated batch as PackPartStateInputs produces it, at the config's input size: the
    second person has three absent parts."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    crop = next(s for s in cfg.val_dataloader.dataset.pipeline if s['type'] == 'PartRandomCrop')
    size = size or int(crop['size'])
    head = cfg.model.head
    num_states = list(head.num_states)
    pack = TRANSFORMS.build(dict(type='PackPartStateInputs'))
    rng = np.random.default_rng(0)
    samples = []
    for i in range(batch):
        p = len(num_states)
        xy = rng.uniform(0, size * 0.7, (p, 2))
        boxes = np.concatenate([xy, xy + rng.uniform(2, size * 0.3, (p, 2))], 1)
        valid = np.ones(p, bool)
        valid[:3 * i] = False
        samples.append(pack(dict(
            imgs=[rng.integers(0, 255, (size, size, 3), dtype=np.uint8)],
            part_boxes=boxes.astype(np.float32), part_valid=valid,
            part_states=np.array([rng.integers(s) for s in num_states]),
            part_order=np.arange(p), category=int(rng.integers(max(head.num_categories, 1))),
            img_key=f'vid,{i + 1:04d}')))
    return pseudo_collate(samples)


def _check_part_state_outputs(outputs: list, batch: dict) -> None:
    for out in outputs:
        states, scores = out.pred_part_states, out.pred_part_scores
        assert states.shape == (scores.shape[0],) and torch.isfinite(scores).all()
        assert (scores.gather(1, states[:, None]) > 0).all()  # an existing state of each part


# model type -> (batch builder, test batch size, output check)
BATCH_BUILDERS: dict[str, tuple[Callable, int, Callable]] = {
    'Recognizer3D': (_video_batch, 1, _check_video_outputs),
    'PartStateRecognizer': (_part_state_batch, 2, _check_part_state_outputs),
    'FastRCNN': (_stad_batch, 1, _check_stad_outputs),  # AVARoIHead tests one clip at a time
    'FasterRCNN': (_det_batch, 2, _check_det_outputs),
    'CascadeRCNN': (_det_batch, 2, _check_det_outputs),
    'TopdownPoseEstimator': (_pose_batch, 2, _check_pose_outputs),
}


def _registry(scope: str):
    """The MODELS registry of the config's default scope."""
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    elif scope == 'mmpose':
        from mmpose.registry import MODELS
    else:
        from mmaction.registry import MODELS
    return MODELS


def _point_banks_at(model_cfg: object, root: str, timestamps=(902, 903)) -> int:
    """Give every long-term feature bank of a model config a small bank under ``root``, with
    features of the right width for the keyframes of :func:`_stad_batch` (video ``vid``);
    returns how many banks were made."""
    from mmaction_plugins.datasets.feature_bank import (
        bank_configs,
        write_bank_meta,
        write_video_bank,
    )

    made = 0
    for bank, channels in bank_configs(model_cfg):
        bank['root'] = osp.join(root, f'bank{made}')
        write_bank_meta(bank['root'], 'test', channels)
        rng = np.random.default_rng(1)
        write_video_bank(bank['root'], 'vid', {
            t: (np.tile([[0.1, 0.1, 0.5, 0.9]], (n, 1)), rng.normal(size=(n, channels)))
            for n, t in enumerate(timestamps, 1)}, channels)
        made += 1
    return made


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, CONFIG_DIR))
def test_config_builds_and_steps(path, tmp_path):
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    cfg = Config.fromfile(path)
    assert cfg.custom_imports == dict(imports=['mmaction_plugins'], allow_failed_imports=False)
    import_modules_from_strings(**cfg.custom_imports)
    scope = cfg.get('default_scope', 'mmaction')
    init_default_scope(scope)
    _disable_pretrained(cfg.model)
    _point_banks_at(cfg.model, str(tmp_path))  # feature banks are dumped files: make small ones
    model_type = cfg.model['type']
    assert model_type in BATCH_BUILDERS, f'no batch builder for model type {model_type}: add one'
    make_batch, test_batch_size, check_outputs = BATCH_BUILDERS[model_type]

    torch.manual_seed(0)
    model = _registry(scope).build(cfg.model)
    batch = make_batch(cfg)

    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    losses = model.train_step(batch, optim_wrapper)
    assert losses, 'train_step returned no losses'
    for name, value in losses.items():
        assert torch.isfinite(value).all(), f'{name} is not finite: {value}'

    model.eval()
    test_batch = make_batch(cfg, batch=test_batch_size)
    with torch.no_grad():
        outputs = model.test_step(test_batch)
    assert len(outputs) == len(test_batch['inputs'])
    check_outputs(outputs, test_batch)


def _has_pretrained(node: object) -> bool:
    if isinstance(node, dict):
        init_cfg = node.get('init_cfg')
        if node.get('pretrained') or (isinstance(init_cfg, dict)
                                      and init_cfg.get('type') == 'Pretrained'):
            return True
        return any(_has_pretrained(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return any(_has_pretrained(v) for v in node)
    return False


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, CONFIG_DIR))
def test_from_scratch_backbones_train_their_norms(path):
    """A backbone without pretrained weights and no ``load_from`` must not freeze its BatchNorm:
    mmdet's ResNet defaults to ``norm_eval=True`` (meant for ImageNet weights), which leaves BN
    at its initial statistics for the whole training (the tiny person detector lost ~0.1 AP@0.5
    to this)."""
    from mmengine.config import Config

    cfg = Config.fromfile(path)
    backbone = cfg.model.get('backbone', {})
    if cfg.get('load_from') or _has_pretrained(backbone) or 'norm_cfg' not in backbone:
        return
    trains_bn = 'BN' in str(backbone['norm_cfg'].get('type', '')) and \
        backbone['norm_cfg'].get('requires_grad', True)
    # mmdet's ResNet/ResNeXt default to norm_eval=True (mmpose's and mmaction2's to False)
    mmdet_resnet = str(backbone.get('type', '')).split('.')[-1].startswith('ResNe') and \
        backbone.get('_scope_', cfg.get('default_scope')) == 'mmdet'
    if trains_bn and mmdet_resnet:
        assert backbone.get('norm_eval', True) is False, \
            f'{path}: from-scratch mmdet ResNet with norm_eval left at True'
