"""The feature-dump pass: one file per video with every keyframe's proposals, features equal to
the head's own, resumable (finished videos are not redone), ACFB for ACAR heads and LFB
(mmaction2's LFBInferHead pooling) for the linear head; the bank then feeds ACAR + ACFB and
linear + LFB models."""

from __future__ import annotations

import os
import os.path as osp
from collections import defaultdict

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401
from tests.conftest import REPO

ACAR = osp.join(REPO, 'configs/acar/acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')
ACFB = osp.join(REPO, 'configs/acar/acar-acfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')
LINEAR = osp.join(REPO, 'configs/acar/linear_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')
LFB = osp.join(REPO, 'configs/acar/lfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _cfg(path: str, root: str, work: str):
    from mmengine.config import Config

    from mmaction_plugins.engine.runs import point_stad_config_at

    return point_stad_config_at(Config.fromfile(path), root, work)


def _val_keyframes(root: str) -> dict[str, dict[int, int]]:
    """video -> {second: boxes} of the validation proposals (ground-truth boxes)."""
    from mmaction_plugins.datasets.proposals import load_proposals

    props = load_proposals(osp.join(root, 'ava', 'annotations', 'ava_dense_proposals_val.json'))
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for key, boxes in props.items():
        vid, ts = key.rsplit(',', 1)
        out[vid][int(ts)] = len(boxes)
    return out


@pytest.mark.slow
def test_dump_acfb_resumes_and_matches_the_head(synthetic_tiny, tmp_path):
    from mmaction_plugins.datasets.feature_bank import (
        FeatureBank,
        read_bank_meta,
        read_video_bank,
        video_bank_path,
    )
    from mmaction_plugins.engine.dump_features import dump_features

    root, _ = synthetic_tiny
    cfg = _cfg(ACAR, root, str(tmp_path / 'work'))
    torch.manual_seed(0)
    from mmaction_plugins.apis import init_stad_model

    model = init_stad_model(cfg, None)
    ckpt = str(tmp_path / 'acar.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    bank = str(tmp_path / 'acfb')
    meta = dump_features(cfg, ckpt, bank, splits=['val'], batch_size=4)
    assert meta['kind'] == 'acfb' and meta['channels'] == 32
    want = _val_keyframes(root)
    info = meta['splits']['val']
    assert info['videos'] == len(want)
    assert info['keyframes'] == sum(len(v) for v in want.values())
    assert info['features'] == sum(sum(v.values()) for v in want.values())
    for vid, per_second in want.items():
        vb = read_video_bank(video_bank_path(bank, vid), 32)
        assert dict(zip(vb.timestamps.tolist(), vb.counts.tolist())) == per_second

    # the stored features are the head's bank_features of the test sample (float16)
    from mmaction.registry import DATASETS
    from mmdet.structures.bbox import bbox2roi
    from mmengine.dataset import pseudo_collate

    from mmaction_plugins.engine.dump_features import split_dataset_cfg

    ds = DATASETS.build(split_dataset_cfg(cfg, 'val'))
    sample = pseudo_collate([ds[3]])
    with torch.no_grad():
        data = model.data_preprocessor(sample, False)
        s = data['data_samples'][0]
        x = model.extract_feat(data['inputs'])
        ref = model.roi_head.bank_features(x, bbox2roi([s.proposals.bboxes]), [s.metainfo])
    vid, ts = FeatureBank.key_of(s.metainfo)
    got = read_video_bank(video_bank_path(bank, vid)).features_at(ts)
    # one float16 step of tolerance: the dump's batches of 4 and this batch of 1 may differ in
    # float32's last bits, which can round to neighbouring halves
    torch.testing.assert_close(torch.from_numpy(got.astype(np.float32)), ref,
                               rtol=2 ** -10, atol=1e-4)

    # resume: finished videos are kept as they are, a missing one is redone
    files = sorted(os.listdir(osp.join(bank, 'videos')))
    stamps = {f: osp.getmtime(osp.join(bank, 'videos', f)) for f in files}
    os.remove(osp.join(bank, 'videos', files[0]))
    again = dump_features(cfg, ckpt, bank, splits=['val'], batch_size=4)
    assert again['splits']['val'] == {**info, 'seconds': again['splits']['val']['seconds']}
    assert sorted(os.listdir(osp.join(bank, 'videos'))) == files
    for f in files[1:]:
        assert osp.getmtime(osp.join(bank, 'videos', f)) == stamps[f]
    assert read_bank_meta(bank)['splits']['val']['videos'] == len(want)

    # the ACFB model reads it: every clip attends to its window
    acfb_cfg = _cfg(ACFB, root, str(tmp_path / 'work2'))
    acfb_cfg.model.roi_head.long_term_bank.root = bank
    acfb = init_stad_model(acfb_cfg, None)
    with torch.no_grad():
        data = acfb.data_preprocessor(sample, False)
        banks = acfb.roi_head._banks([s.metainfo for s in data['data_samples']], 'cpu')
    assert banks[0].shape[1] == 32 and len(banks[0]) > 0
    # a bank of another width is refused
    with pytest.raises(ValueError, match="holds a 'acfb' bank of 32 channels"):
        dump_features(_cfg(LINEAR, root, str(tmp_path / 'w3')), None, bank, splits=['val'])


@pytest.mark.slow
def test_dump_lfb_is_mmaction2_pooling_and_feeds_bank_fbo_head(synthetic_tiny, tmp_path):
    from mmaction.registry import DATASETS
    from mmdet.structures.bbox import bbox2roi
    from mmengine.dataset import pseudo_collate

    from mmaction_plugins.apis import init_stad_model
    from mmaction_plugins.datasets.feature_bank import FeatureBank
    from mmaction_plugins.engine.dump_features import dump_features, split_dataset_cfg

    root, _ = synthetic_tiny
    cfg = _cfg(LINEAR, root, str(tmp_path / 'work'))
    torch.manual_seed(1)
    model = init_stad_model(cfg, None)
    ckpt = str(tmp_path / 'linear.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    bank = str(tmp_path / 'lfb')
    meta = dump_features(cfg, ckpt, bank, splits=['train', 'val'], batch_size=4)
    assert meta['kind'] == 'lfb' and meta['channels'] == 96
    assert set(meta['splits']) == {'train', 'val'}
    ds = DATASETS.build(split_dataset_cfg(cfg, 'train'))
    sample = pseudo_collate([ds[0]])
    with torch.no_grad():
        data = model.data_preprocessor(sample, False)
        s = data['data_samples'][0]
        x = model.extract_feat(data['inputs'])
        roi_feats, _ = model.roi_head.bbox_roi_extractor(x, bbox2roi([s.proposals.bboxes]))
    # mmaction2's LFBInferHead pooling (its default temporal 'avg', spatial 'max'); the head
    # itself is not built here: its __del__ writes pickles
    ref = torch.nn.AdaptiveMaxPool3d((None, 1, 1))(
        torch.nn.AdaptiveAvgPool3d((1, None, None))(roi_feats)).flatten(1)
    vid, ts = FeatureBank.key_of(s.metainfo)
    got = FeatureBank(bank, window=(0, 0), max_per_keyframe=99).window(vid, ts)
    # one float16 step of tolerance (see above), far below what a wrong pooling would change
    torch.testing.assert_close(got, ref, rtol=2 ** -10, atol=1e-4)

    lfb_cfg = _cfg(LFB, root, str(tmp_path / 'work2'))
    lfb_cfg.model.roi_head.shared_head.bank.root = bank
    lfb = init_stad_model(lfb_cfg, None)
    with torch.no_grad():
        out = lfb.test_step(sample)
    assert out[0].pred_instances.scores.shape == (len(s.proposals.bboxes), 20)
    # its long-term input is the bank window, zero-padded to 17 s x 5 actors
    lt = lfb.roi_head.shared_head.long_term(bbox2roi([s.proposals.bboxes]), [s.metainfo])
    assert lt.shape == (len(s.proposals.bboxes), 96, 17 * 5, 1, 1)
    assert lt.abs().sum() > 0
