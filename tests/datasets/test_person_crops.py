"""Person-crop geometry (exact both ways, borders, boxes leaving the crop) and the crop-dataset
writer on hand-made COCO files and on the synthetic ``tiny`` preset."""

from __future__ import annotations

import json
import os.path as osp

import cv2
import numpy as np
import pytest

from mmaction_plugins.datasets.person_crops import (
    boxes_from_crop,
    boxes_to_crop,
    clip_to_crop,
    crop_box,
    main,
    make_person_crops,
)


def test_crop_box_enlarges_about_the_centre_in_whole_pixels():
    # centre (20, 40), 30 x 60 after 1.5x: exactly [5, 10, 35, 70]
    np.testing.assert_array_equal(crop_box([10, 20, 30, 60], 1.5, 100, 100), [5, 10, 35, 70])
    # fractional edges round outwards: centre (20.25, 40), half sizes 10.2375 and 21
    np.testing.assert_array_equal(crop_box([10.5, 20, 30, 60], 1.05, 100, 100),
                                  [10, 19, 31, 61])
    # a 5th (score) column is ignored, (N, 4|5) in -> (N, 4) out
    got = crop_box(np.array([[10, 20, 30, 60, 0.9], [0, 0, 4, 4, 0.1]]), 1.0, 100, 100)
    np.testing.assert_array_equal(got, [[10, 20, 30, 60], [0, 0, 4, 4]])


@pytest.mark.parametrize('person, expected', [
    ([0, 0, 10, 20], [0, 0, 15, 30]),            # top-left corner: [-5, -10, 15, 30] clipped
    ([90, 80, 100, 100], [85, 70, 100, 100]),    # bottom-right corner
    ([-30, 40, 6, 60], [0, 30, 24, 70]),         # box partly outside the image
])
def test_crop_box_is_clipped_at_the_image_border(person, expected):
    np.testing.assert_array_equal(crop_box(person, 2.0, 100, 100), expected)


def test_crop_box_rejects_bad_input():
    with pytest.raises(ValueError, match='scale'):
        crop_box([0, 0, 10, 10], 0.0, 100, 100)
    with pytest.raises(ValueError, match='no pixel'):
        crop_box([200, 200, 210, 210], 1.25, 100, 100)
    with pytest.raises(ValueError, match='finite'):
        crop_box([0, 0, np.nan, 10], 1.25, 100, 100)


def test_round_trip_is_bit_exact_on_a_binary_grid():
    rng = np.random.default_rng(0)
    crop = crop_box([700.25, 300.5, 900.75, 700.0], 1.25, 1920, 1080)
    # quarter-pixel boxes anywhere, including left of / above / beyond the crop
    boxes = rng.integers(-4 * 400, 4 * 2400, (200, 4)) / 4.0
    boxes = np.concatenate([boxes, rng.uniform(0, 1, (200, 1))], axis=1)
    in_crop = boxes_to_crop(boxes, crop)
    assert (in_crop[:, :4] < 0).any() and (in_crop[:, 2] > crop[2] - crop[0]).any()
    np.testing.assert_array_equal(in_crop[:, :4], boxes[:, :4] - [crop[0], crop[1]] * 2)
    np.testing.assert_array_equal(in_crop[:, 4], boxes[:, 4])  # scores pass through
    np.testing.assert_array_equal(boxes_from_crop(in_crop, crop), boxes)
    # and the other way round, from crop coordinates
    np.testing.assert_array_equal(boxes_to_crop(boxes_from_crop(boxes, crop), crop), boxes)


def test_round_trip_of_arbitrary_floats_and_shapes():
    rng = np.random.default_rng(1)
    boxes = rng.uniform(-50, 1000, (7, 10, 5))  # (N, P, 5) per-person part boxes
    crop = crop_box([100.3, 50.7, 300.1, 400.9], 1.25, 1280, 720)
    back = boxes_from_crop(boxes_to_crop(boxes, crop), crop)
    assert back.shape == boxes.shape
    np.testing.assert_allclose(back, boxes, rtol=0, atol=1e-12)
    before = boxes.copy()
    boxes_to_crop(boxes, crop)
    np.testing.assert_array_equal(boxes, before)  # inputs are never modified
    assert boxes_to_crop(np.zeros((0, 4)), crop).shape == (0, 4)
    with pytest.raises(ValueError, match='crop_xyxy'):
        boxes_to_crop(boxes, [0, 0, 1])


def test_clip_to_crop_drops_parts_outside_and_keeps_partial_ones():
    crop = np.array([10.0, 20.0, 40.0, 80.0])  # 30 x 60
    in_crop = boxes_to_crop(np.array([
        [12, 25, 20, 30],    # inside
        [5, 70, 15, 90],     # partly outside (left and bottom)
        [45, 30, 50, 40],    # right of the crop
        [39.5, 30, 45, 40],  # 0.5 px inside: less than min_size
    ]), crop)
    clipped, keep = clip_to_crop(in_crop, crop, min_size=1.0)
    np.testing.assert_array_equal(keep, [True, True, False, False])
    np.testing.assert_array_equal(clipped[:2], [[2, 5, 10, 10], [0, 50, 5, 60]])
    assert clip_to_crop(in_crop, crop, min_size=0.25)[1][3]


# ---------------------------------------------------------------------------------------------
# the dataset writer


def _write_coco(tmp_path, persons, parts, size=(100, 80)):
    """One 100x80 image with a gradient (so every crop is distinct) and two COCO files."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([xx * 2, yy * 3, (xx + yy) % 256], axis=-1).astype(np.uint8)
    (tmp_path / 'imgs' / 'v').mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'imgs' / 'v' / 'f1.png'), img)
    images = [dict(id=1, file_name='v/f1.png', width=w, height=h)]
    cats = [dict(id=1, name='head'), dict(id=2, name='torso')]
    for name, anns in (('persons.json', persons), ('parts.json', parts)):
        (tmp_path / name).write_text(json.dumps(dict(images=images, annotations=anns,
                                                     categories=cats)))
    return img


def _person(i, bbox, pid):
    return dict(id=i, image_id=1, category_id=1, bbox=bbox, person_id=pid, iscrowd=0)


def _part(i, bbox, pid, cat=1):
    return dict(id=i, image_id=1, category_id=cat, bbox=bbox, person_id=pid, part='head')


def test_make_person_crops_on_a_hand_made_image(tmp_path):
    persons = [_person(7, [10, 5, 20, 40], 0),      # crop [5, 0, 35, 55] (clipped at the top)
               _person(8, [80, 50, 20, 30], 1)]     # crop [75, 42, 100, 80] (clipped right/bottom)
    parts = [_part(1, [12, 12, 6, 6], 0),           # inside person 0's crop
             _part(2, [2, 30, 10, 5], 0, cat=2),    # partly left of it: truncated
             _part(3, [60, 10, 5, 5], 0),           # outside the crop: dropped
             _part(4, [85, 55, 5, 5], 1)]           # person 1's own part (not in crop 0)
    img = _write_coco(tmp_path, persons, parts)
    stats = make_person_crops(str(tmp_path / 'persons.json'), str(tmp_path / 'parts.json'),
                              str(tmp_path / 'imgs'), str(tmp_path / 'out'), 'train', scale=1.5)
    assert stats == dict(crops=2, parts=3, truncated_parts=1, dropped_parts=1, skipped_persons=0)
    coco = json.loads((tmp_path / 'out' / 'annotations' / 'train.json').read_text())
    assert [c['name'] for c in coco['categories']] == ['head', 'torso']
    crops = {c['person_ann_id']: c for c in coco['images']}
    assert crops[7]['crop_xyxy'] == [5, 0, 35, 55] and crops[8]['crop_xyxy'] == [75, 42, 100, 80]
    for c in coco['images']:
        x1, y1, x2, y2 = c['crop_xyxy']
        got = cv2.imread(str(tmp_path / 'out' / 'images' / c['file_name']))
        np.testing.assert_array_equal(got, img[y1:y2, x1:x2])  # lossless, the exact slice
        assert (c['width'], c['height']) == (x2 - x1, y2 - y1)
    anns = {(a['image_id'], a['category_id']): a for a in coco['annotations']}
    c0, c1 = crops[7]['id'], crops[8]['id']
    assert anns[(c0, 1)]['bbox'] == [7, 12, 6, 6] and not anns[(c0, 1)]['truncated']
    assert anns[(c0, 2)]['bbox'] == [0, 30, 7, 5] and anns[(c0, 2)]['truncated']
    assert anns[(c1, 1)]['bbox'] == [10, 13, 5, 5]
    assert len(coco['annotations']) == 3  # person 1's part never lands in person 0's crop


def test_make_person_crops_names_file_and_key_on_bad_input(tmp_path):
    _write_coco(tmp_path, [_person(7, [10, 10, 20, 40], 0)],
                [dict(id=5, image_id=1, category_id=1, bbox=[1, 1, 2, 2])])  # no person_id
    args = (str(tmp_path / 'persons.json'), str(tmp_path / 'parts.json'),
            str(tmp_path / 'imgs'), str(tmp_path / 'out'), 'train')
    with pytest.raises(ValueError, match=r'parts\.json: annotations\[0\] \(id 5\): missing '
                                         r'"person_id"'):
        make_person_crops(*args)
    persons = json.loads((tmp_path / 'persons.json').read_text())
    persons['annotations'][0]['bbox'] = [1, 2, -3, 4]
    (tmp_path / 'persons.json').write_text(json.dumps(persons))
    (tmp_path / 'parts.json').write_text(json.dumps(dict(persons, annotations=[])))
    with pytest.raises(ValueError, match=r'persons\.json: annotations\[0\] \(id 7\): "bbox"'):
        make_person_crops(*args)
    persons['annotations'][0]['bbox'] = [1, 2, 3, 4]
    persons['images'][0]['file_name'] = 'v/missing.png'
    (tmp_path / 'persons.json').write_text(json.dumps(persons))
    with pytest.raises(ValueError, match=r'parts\.json: images\[0\] \(id 1\): file_name'):
        make_person_crops(*args)
    (tmp_path / 'parts.json').write_text(json.dumps(dict(persons, annotations=[])))
    with pytest.raises(FileNotFoundError, match=r'persons\.json: image id 1: cannot read'):
        make_person_crops(*args)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory) -> str:
    """The synthetic ``tiny`` preset (seed 0), generated once per session."""
    from mmaction_plugins.datasets.synthetic import PRESETS, generate

    out = tmp_path_factory.getbasetemp() / 'synthetic-tiny-seed0'
    if not out.is_dir():
        generate(PRESETS['tiny'], 0, str(out))
    return str(out)


def test_command_line_on_the_tiny_preset_maps_back_to_the_source_parts(tiny, tmp_path):
    out = tmp_path / 'crops'
    stats = main(['--root', tiny, '--out', str(out), '--splits', 'val'])
    coco = json.loads((out / 'annotations' / 'val.json').read_text())
    src = json.loads(open(osp.join(tiny, 'coco', 'body_parts_val.json')).read())
    assert stats['val']['crops'] == len(coco['images']) > 0
    assert stats['val']['parts'] == len(coco['annotations']) > 5 * len(coco['images'])
    source = {(a['image_id'], a['person_id'], a['category_id']): a['bbox']
              for a in src['annotations']}
    crops = {c['id']: c for c in coco['images']}
    checked = 0
    for ann in coco['annotations']:
        if ann['truncated']:
            continue
        crop = crops[ann['image_id']]
        x, y, w, h = ann['bbox']
        back = boxes_from_crop([x, y, x + w, y + h], crop['crop_xyxy'])
        sx, sy, sw, sh = source[(crop['source_image_id'], crop['person_id'],
                                 ann['category_id'])]
        np.testing.assert_allclose(back, [sx, sy, sx + sw, sy + sh], atol=2e-3)
        checked += 1
    assert checked > len(coco['annotations']) // 2
    crop = coco['images'][len(coco['images']) // 2]
    x1, y1, x2, y2 = crop['crop_xyxy']
    frame = cv2.imread(osp.join(tiny, 'ava', 'rawframes', crop['source_file_name']))
    np.testing.assert_array_equal(cv2.imread(str(out / 'images' / crop['file_name'])),
                                  frame[y1:y2, x1:x2])
