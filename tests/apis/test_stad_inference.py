"""In-memory STAD inference gives the dataset path's scores exactly (same pipeline, same model)."""

from __future__ import annotations

import copy
import os.path as osp

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.apis import clip_pipeline, init_stad_model, predict_keyframes
from tests.conftest import REPO, isolated_default_scope

ACTION_CFG = osp.join(REPO, 'configs', 'baseline',
                      'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _config_on(root: str):
    from mmaction_plugins.quickstart import action_config

    anno = osp.join(root, 'ava', 'annotations')
    props = {s: osp.join(anno, f'ava_dense_proposals_{s}.json') for s in ('train', 'val')}
    return action_config(root, '/tmp/unused', props, score_thr=0.6)


@pytest.fixture(scope='module')
def model_and_cfg(synthetic_tiny, tmp_path_factory):
    root, _ = synthetic_tiny
    cfg = _config_on(root)
    torch.manual_seed(0)
    with isolated_default_scope():  # module-scoped: init_stad_model sets the default scope
        model = init_stad_model(cfg, None)
    return model, cfg


def _load_frames(frame_dir: str) -> np.ndarray:
    import cv2

    names = sorted(n for n in __import__('os').listdir(frame_dir) if n.endswith('.jpg'))
    return np.stack([cv2.imread(osp.join(frame_dir, n))[..., ::-1] for n in names])


def test_clip_pipeline_swaps_only_decoding(model_and_cfg):
    _, cfg = model_and_cfg
    kinds = [type(t).__name__ for t in clip_pipeline(cfg).transforms]
    orig = [s['type'] for s in cfg.test_dataloader.dataset.pipeline]
    assert kinds[0] == 'SampleAVAFrames' and kinds[1] == 'ArrayDecode'
    assert kinds[2:] == [t for t in orig if t not in ('SampleAVAFrames', 'RawFrameDecode')]


def test_clip_pipeline_needs_sampler(model_and_cfg):
    _, cfg = model_and_cfg
    bad = copy.deepcopy(cfg)
    bad.test_dataloader.dataset.pipeline = [dict(type='RawFrameDecode')]
    with pytest.raises(ValueError, match='SampleAVAFrames'):
        clip_pipeline(bad)


def test_array_path_matches_dataset_path(model_and_cfg):
    from mmaction.registry import DATASETS
    from mmengine.dataset import pseudo_collate

    model, cfg = model_and_cfg
    ds = DATASETS.build(cfg.test_dataloader.dataset)
    for idx in (0, len(ds) - 1):
        info = ds.get_data_info(idx)
        with torch.no_grad():
            ref = model.test_step(pseudo_collate([ds[idx]]))[0].pred_instances
        frames = _load_frames(info['frame_dir'])
        # mmaction2's AVA sampling centres the clip of second t on file 30 (t - 900) + 2 (its
        # start_index is added twice); the in-memory path centres on the 0-based frame given.
        k = info['fps'] * (info['timestamp'] - info['timestamp_start']) + 1
        got = predict_keyframes(model, clip_pipeline(cfg), frames, [k],
                                {k: info['proposals']}, num_classes=20)[k]
        np.testing.assert_allclose(got[0], ref.bboxes.numpy(), atol=1e-6)
        np.testing.assert_allclose(got[1], ref.scores.numpy(), atol=1e-5)
        assert got[1].shape == (len(info['proposals']), 20)


def test_keyframes_without_boxes_are_skipped_and_batches_agree(model_and_cfg, synthetic_tiny):
    model, cfg = model_and_cfg
    root, _ = synthetic_tiny
    frames = _load_frames(osp.join(root, 'ava', 'rawframes', 'syn0000'))[:40]
    boxes = {0: np.array([[0.1, 0.2, 0.4, 0.9, 0.99]]), 5: np.zeros((0, 5)),
             39: np.array([[0.5, 0.1, 0.9, 0.8], [0.0, 0.0, 0.3, 0.3]])}
    seen: list[int] = []
    one = predict_keyframes(model, clip_pipeline(cfg), frames, [0, 5, 7, 39], boxes, 20,
                            batch_size=1, progress=seen.append)
    two = predict_keyframes(model, clip_pipeline(cfg), frames, [0, 5, 7, 39], boxes, 20,
                            batch_size=8)
    assert sorted(one) == [0, 39] and seen == [1, 1]
    for k in one:
        np.testing.assert_allclose(one[k][1], two[k][1], atol=1e-5)
    with pytest.raises(IndexError, match='outside the video'):
        predict_keyframes(model, clip_pipeline(cfg), frames, [40], {40: boxes[0]}, 20)


def test_views_identity_is_plain_and_flip_view_undoes_a_flipped_video(model_and_cfg,
                                                                     synthetic_tiny):
    from mmaction_plugins.models.tta import TTAView, tta_views

    model, cfg = model_and_cfg
    root, _ = synthetic_tiny
    frames = _load_frames(osp.join(root, 'ava', 'rawframes', 'syn0000'))[:40]
    boxes = {20: np.array([[0.1, 0.2, 0.4, 0.9], [0.5, 0.1, 0.9, 0.8]])}
    pipe = clip_pipeline(cfg)
    plain = predict_keyframes(model, pipe, frames, [20], boxes, 20)[20]
    ident = predict_keyframes(model, pipe, frames, [20], boxes, 20, views=[TTAView()])[20]
    np.testing.assert_array_equal(plain[1], ident[1])
    np.testing.assert_array_equal(plain[0], ident[0])
    # the flipped view of the mirrored video is the original video: same scores, and the boxes
    # come back in the mirrored video's coordinates
    mirrored = np.ascontiguousarray(frames[:, :, ::-1])
    mboxes = {20: np.stack([1 - boxes[20][:, 2], boxes[20][:, 1], 1 - boxes[20][:, 0],
                            boxes[20][:, 3]], axis=1)}
    back = predict_keyframes(model, pipe, mirrored, [20], mboxes, 20,
                             views=[TTAView(None, True)])[20]
    np.testing.assert_allclose(back[1], plain[1], atol=1e-5)
    np.testing.assert_allclose(back[0], mboxes[20], atol=1e-6)
    # two views: the mean of the two single-view runs
    both = predict_keyframes(model, pipe, frames, [20], boxes, 20,
                             views=tta_views([None, 1.25], flip=False))[20]
    big = predict_keyframes(model, pipe, frames, [20], boxes, 20,
                            views=[TTAView(1.25, False)])[20]
    np.testing.assert_allclose(both[1], (plain[1] + big[1]) / 2, atol=1e-6)
