"""The sanity-table script: its oracle sees only the box crop, and its scoring path is exact."""

from __future__ import annotations

import os.path as osp
import shutil

import cv2
import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic import CLASSES, GROUPS
from tests.conftest import load_tool


@pytest.fixture(scope='module')
def sanity():
    return load_tool('synthetic_sanity')


def test_oracle_features_see_only_the_box(sanity, tiny, tmp_path):
    root, _ = tiny
    ann = osp.join(root, 'ava', 'annotations')
    boxes, _ = sanity.read_gt(osp.join(ann, 'ava_val.csv'))
    key = sorted(boxes)[0]
    before = sanity.features(root, [key], boxes)
    copy = tmp_path / 'copy'
    shutil.copytree(osp.join(root, 'ava'), copy / 'ava')
    vid, ts, _ = key
    frame = copy / 'ava' / 'rawframes' / vid / f'img_{(ts - 900) * 30 + 1:05d}.jpg'
    img = cv2.imread(str(frame))
    h, w = img.shape[:2]
    x1, y1, x2, y2 = boxes[key]
    outside = np.ones((h, w), dtype=bool)
    outside[int(y1 * h):int(round(y2 * h)), int(x1 * w):int(round(x2 * w))] = False
    img[outside] = 255 - img[outside]  # change everything outside the box
    # lossless (OpenCV reads by content, whatever the extension), so the box pixels are unchanged
    frame.write_bytes(cv2.imencode('.png', img)[1].tobytes())
    np.testing.assert_array_equal(sanity.features(str(copy), [key], boxes), before)
    img[~outside] = 0  # and changing the box does change the features
    frame.write_bytes(cv2.imencode('.png', img)[1].tobytes())
    assert np.abs(sanity.features(str(copy), [key], boxes) - before).max() > 0.5


def test_scoring_path_gives_one_for_ground_truth_scores(sanity, tiny, tmp_path):
    root, _ = tiny
    ann = osp.join(root, 'ava', 'annotations')
    boxes, labels = sanity.read_gt(osp.join(ann, 'ava_val.csv'))
    keys = sorted(boxes)
    lmap = {c.id: c.name for c in CLASSES}
    perfect = np.array([[c.id in labels[k] for c in CLASSES] for k in keys], dtype=float)
    aps = sanity.evaluate(str(tmp_path), 'perfect', keys, boxes, perfect, lmap,
                          osp.join(ann, 'ava_val.csv'),
                          osp.join(ann, 'ava_val_excluded_timestamps.csv'))
    assert {v for v in aps.values() if v is not None} == {1.0}
    inverted = sanity.evaluate(str(tmp_path), 'inverted', keys, boxes, 1.0 - perfect, lmap,
                               osp.join(ann, 'ava_val.csv'),
                               osp.join(ann, 'ava_val_excluded_timestamps.csv'))
    assert max(v for v in inverted.values() if v is not None) < 1.0


def test_table_covers_every_group(sanity, tiny):
    root, _ = tiny
    result = sanity.sanity(root)
    assert [r['group'] for r in result['table']] == [*GROUPS, 'part state']
    for row in result['table']:
        for kind in ('oracle', 'chance'):
            assert row[kind] is None or 0.0 <= row[kind] <= 1.0
    text = sanity.markdown([result])
    assert text.startswith('| group |') and '| hand over | relation |' in text
    two = sanity.markdown([result, result])  # identical datasets: zero spread
    assert 'mean ± std over 2 datasets' in two and '± 0.000' in two
