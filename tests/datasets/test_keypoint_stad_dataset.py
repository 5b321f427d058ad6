"""Ground-truth keypoints of the synthetic benchmark's COCO export -> keypoint file ->
``KeypointSTADDataset`` samples (keypoints aligned with the proposals), its errors, and
``LabelSubset``."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401  (registers the dataset and transforms)
from mmaction_plugins.datasets.coco_person_keypoints import coco_keypoints_to_person_parts, main
from mmaction_plugins.datasets.keypoint_stad_dataset import match_boxes
from mmaction_plugins.datasets.person_parts_file import (
    PersonParts,
    load_person_parts,
    save_person_parts,
)


@pytest.fixture(scope='module')
def val_keypoints(synthetic_tiny, tmp_path_factory) -> tuple[str, str]:
    root, _ = synthetic_tiny
    out = str(tmp_path_factory.mktemp('kpts') / 'val.npz')
    assert main(['--coco', osp.join(root, 'coco', 'person_keypoints_val.json'),
                 '--out', out]) == 0
    return root, out


def _dataset(root: str, keypoint_file: str, **kw):
    from mmaction.registry import DATASETS

    anno = osp.join(root, 'ava', 'annotations')
    return DATASETS.build(dict(
        type='KeypointSTADDataset', ann_file=osp.join(anno, 'ava_val.csv'),
        exclude_file=osp.join(anno, 'ava_val_excluded_timestamps.csv'),
        label_file=osp.join(anno, 'ava_action_list.pbtxt'), num_classes=20,
        proposal_file=osp.join(anno, 'ava_dense_proposals_val.json'), pipeline=[],
        data_prefix=dict(img=osp.join(root, 'ava', 'rawframes')), test_mode=True,
        keypoint_file=keypoint_file, **kw))


def test_coco_export_becomes_keyframe_keypoints(val_keypoints):
    root, path = val_keypoints
    parts = load_person_parts(path)
    coco = json.load(open(osp.join(root, 'coco', 'person_keypoints_val.json')))
    img = next(i for i in coco['images'] if i['frame'] == 61)  # second 902's keyframe
    key = f'{img["video_id"]},0902'
    anns = [a for a in coco['annotations'] if a['image_id'] == img['id']]
    assert key in parts.boxes and len(parts.boxes[key]) == len(anns) > 0
    raw = np.array(anns[0]['keypoints'], dtype=np.float64).reshape(17, 3)
    got = parts.keypoints[key][0]
    np.testing.assert_allclose(got[:, 0], np.clip(raw[:, 0] / img['width'], 0, 1), atol=1e-6)
    np.testing.assert_allclose(got[:, 2], [{0: 0.0, 1: 0.5, 2: 1.0}[int(v)] for v in raw[:, 2]])
    x, y, w, h = anns[0]['bbox']
    np.testing.assert_allclose(parts.boxes[key][0, :4], [x / 192, y / 144, (x + w) / 192,
                                                         (y + h) / 144], atol=1e-6)
    # only keyframes (frame 1 + 30 k): frame 16 is not one
    assert all(int(k.split(',')[1]) >= 900 for k in parts.boxes)
    keyframes = {(i['video_id'], i['frame']) for i in coco['images'] if (i['frame'] - 1) % 30 == 0}
    assert len(parts.boxes) == len(keyframes)


def test_dataset_samples_carry_aligned_keypoints(val_keypoints):
    root, path = val_keypoints
    ds = _dataset(root, path)
    inside, total = 0, 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        kpts = info['proposal_keypoints']
        assert kpts.shape == (len(info['proposals']), 17, 3) and kpts.dtype == np.float32
        for box, k in zip(info['proposals'], kpts):
            seen = k[k[:, 2] > 0]
            assert len(seen), 'every ground-truth proposal has ground-truth keypoints'
            cx, cy = seen[:, :2].mean(axis=0)
            inside += int(box[0] <= cx <= box[2] and box[1] <= cy <= box[3])
            total += 1
    assert total > 20 and inside == total  # a person's keypoints centre lies in its own box


def test_missing_key_gives_zero_keypoints_and_wrong_file_raises(val_keypoints, tmp_path):
    root, path = val_keypoints
    parts = load_person_parts(path)
    ds = _dataset(root, path)
    key = ds.get_data_info(0)['img_key']
    kept = {k: v for k, v in parts.boxes.items() if k != key}
    partial = str(tmp_path / 'partial.npz')
    save_person_parts(PersonParts(boxes=kept, keypoints={k: parts.keypoints[k] for k in kept},
                                  keypoint_names=parts.keypoint_names), partial)
    info = _dataset(root, partial).get_data_info(0)
    assert info['img_key'] == key and not info['proposal_keypoints'].any()
    other = str(tmp_path / 'other.npz')
    save_person_parts(PersonParts(boxes={'nowhere,0902': parts.boxes[key]},
                                  keypoints={'nowhere,0902': parts.keypoints[key]},
                                  keypoint_names=parts.keypoint_names), other)
    with pytest.raises(ValueError, match='other.npz.*wrong keypoint file'):
        _dataset(root, other)
    renamed = str(tmp_path / 'renamed.npz')
    save_person_parts(PersonParts(boxes=parts.boxes, keypoints=parts.keypoints,
                                  keypoint_names=tuple(reversed(parts.keypoint_names))), renamed)
    with pytest.raises(ValueError, match='renamed.npz.*COCO order'):
        _dataset(root, renamed)


def test_match_boxes():
    boxes = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]], dtype=float)
    cands = np.array([[20, 20, 30, 31], [0, 0, 10, 10]], dtype=float)
    assert match_boxes(boxes, cands, 0.9).tolist() == [1, 0, -1]
    assert match_boxes(boxes, np.zeros((0, 4)), 0.5).tolist() == [-1, -1, -1]


def test_coco_conversion_errors(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps({'images': [{'id': 1, 'frame': 1}], 'annotations': [],
                               'categories': [{'keypoints': ['a'] * 17}]}))
    with pytest.raises(ValueError, match="bad.json: image 1 has no 'video_id'"):
        coco_keypoints_to_person_parts(bad)


def test_label_subset_keeps_every_person_and_adds_none():
    from mmaction.registry import TRANSFORMS

    labels = np.zeros((3, 20), np.float32)
    labels[0, [1, 17]] = 1  # stand + wave
    labels[1, [2, 18, 19]] = 1  # crouch + point + raise arm
    labels[2, [1, 4]] = 1  # no arm class
    out = TRANSFORMS.build(dict(type='LabelSubset', classes=[17, 18, 19]))(
        dict(gt_labels=labels.copy()))['gt_labels']
    np.testing.assert_array_equal(out, [[0, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 0]])
    plain = TRANSFORMS.build(dict(type='LabelSubset', classes=[19, 17], with_none=False))
    assert plain.num_classes == 3
    np.testing.assert_array_equal(plain(dict(gt_labels=labels.copy()))['gt_labels'],
                                  [[0, 0, 1], [0, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match='unique'):
        TRANSFORMS.build(dict(type='LabelSubset', classes=[17, 17]))
    with pytest.raises(ValueError, match='label columns'):
        TRANSFORMS.build(dict(type='LabelSubset', classes=[25]))(dict(gt_labels=labels))
