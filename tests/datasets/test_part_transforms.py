"""Part-state input geometry: part boxes mapped between frame and network input exactly —
person crops at the image border, resize, random crop, flips with left/right swapped — checked
on the boxes (round trip) and on the pixels (a painted part lands on its mapped box)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401  (registers the transforms)
from mmaction_plugins.datasets.person_crops import boxes_from_crop, crop_box
from mmaction_plugins.datasets.transforms.part_geometry import PartAffine, flip_permutation

PARTS = ('head', 'torso', 'left_arm', 'right_arm', 'left_hand', 'right_hand')


def _build(cfg: dict):
    from mmaction.registry import TRANSFORMS

    return TRANSFORMS.build(cfg)


def _painted_frame(boxes: np.ndarray, h: int = 80, w: int = 120) -> np.ndarray:
    """A black BGR frame with part ``k`` painted grey level ``20 * (k + 1)`` over its
    (integer) box."""
    frame = np.zeros((h, w, 3), np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(boxes.astype(int)):
        frame[y1:y2, x1:x2] = 20 * (k + 1)
    return frame


def _pixel_box(img: np.ndarray, k: int) -> list[int] | None:
    """Bounding box ``x1, y1, x2, y2`` (exclusive ends) of the pixels of part ``k``."""
    ys, xs = np.nonzero(img[..., 0] == 20 * (k + 1))
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


# person at the left image border: crop_box clips the 1.25x crop to x >= 0
PERSON = np.array([0.0, 10.0, 30.0, 50.0])
FRAME_PARTS = np.array([
    [6, 12, 14, 20],    # head
    [4, 20, 24, 36],    # torso
    [0, 20, 4, 34],     # left_arm, touching the image border
    [24, 20, 30, 34],   # right_arm
    [0, 34, 3, 38],     # left_hand, at the border
    [26, 34, 30, 38],   # right_hand
], dtype=np.float64)


def _results(frame: np.ndarray, person: np.ndarray = PERSON,
             parts: np.ndarray = FRAME_PARTS) -> dict:
    return dict(img=frame, person_box=person.copy(), part_boxes=parts.astype(np.float32),
                part_valid=np.ones(len(parts), bool), part_states=np.arange(len(parts)),
                part_names=PARTS, img_key='vid,0001')


def test_affine_round_trip_and_flip_reorders_x():
    aff = PartAffine().translate(7, -3).scale(2.5, 0.75).translate(4, 1).hflip(96)
    assert aff.flipped
    rng = np.random.default_rng(0)
    xy = rng.uniform(-50, 300, (500, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(0, 80, (500, 2)), rng.uniform(0, 1, (500, 1))],
                           axis=1)
    mapped = aff.apply(boxes)
    assert (mapped[:, 2] >= mapped[:, 0]).all() and (mapped[:, 3] >= mapped[:, 1]).all()
    np.testing.assert_array_equal(mapped[:, 4], boxes[:, 4])  # a score column passes through
    np.testing.assert_allclose(aff.invert(mapped), boxes, rtol=0, atol=1e-12)
    # translations and flips alone are bit-exact on a binary grid (quarter pixels here)
    grid = np.round(boxes * 4) / 4
    exact = PartAffine().translate(13, 5).hflip(64).translate(-2, 3).hflip(50)
    assert not exact.flipped
    np.testing.assert_array_equal(exact.invert(exact.apply(grid)), grid)
    # the crop translation agrees bit for bit with the part detector's boxes_from_crop
    crop = crop_box(PERSON, 1.25, 120, 80)
    in_crop = PartAffine().translate(crop[0], crop[1]).apply(grid)
    np.testing.assert_array_equal(boxes_from_crop(in_crop, crop), grid)


def test_affine_rejects_degenerate_maps():
    with pytest.raises(ValueError, match='scale factors'):
        PartAffine().scale(0.0, 1.0)
    with pytest.raises(ValueError, match='ax != 0'):
        PartAffine(ax=0.0)
    with pytest.raises(ValueError, match='boxes must be'):
        PartAffine().apply(np.zeros((3, 2)))


def test_flip_permutation_swaps_left_and_right():
    perm = flip_permutation(PARTS)
    np.testing.assert_array_equal(perm, [0, 1, 3, 2, 5, 4])
    np.testing.assert_array_equal(perm[perm], np.arange(len(PARTS)))  # an involution
    with pytest.raises(ValueError, match="no mirror 'right_knee'"):
        flip_permutation(('head', 'left_knee'))


def test_person_crop_at_the_border_maps_parts_onto_their_pixels():
    frame = _painted_frame(FRAME_PARTS)
    crop = crop_box(PERSON, 1.25, frame.shape[1], frame.shape[0])
    assert crop[0] == 0  # clipped at the border
    cw, ch = int(crop[2] - crop[0]), int(crop[3] - crop[1])
    # twice the crop size with nearest-neighbour resizing: the painted pixels scale exactly
    step = _build(dict(type='PersonPartCrop', size=(2 * ch, 2 * cw), scale=1.25,
                       interpolation='nearest'))
    out = step(_results(frame))
    assert 'img' not in out and out['img_shape'] == (2 * ch, 2 * cw)
    np.testing.assert_array_equal(out['crop_xyxy'], crop)
    img = out['imgs'][0]
    for k in range(len(PARTS)):
        assert out['part_valid'][k]
        assert _pixel_box(img, k) == out['part_boxes'][k].tolist(), PARTS[k]
    np.testing.assert_allclose(out['part_affine'].invert(out['part_boxes']), FRAME_PARTS,
                               rtol=0, atol=1e-9)


def test_parts_outside_or_cut_by_the_crop():
    # the person stands at the bottom-right corner; a part far away is not in its crop
    person = np.array([90.0, 50.0, 120.0, 80.0])
    parts = np.array([[100, 55, 110, 65], [112, 70, 122, 82], [0, 0, 10, 10]], np.float64)
    res = dict(_results(_painted_frame(np.zeros((0, 4))), person, parts),
               part_names=('head', 'torso', 'left_arm'))
    out = _build(dict(type='PersonPartCrop', size=40, scale=1.25))(res)
    crop = out['crop_xyxy']
    assert crop[2] == 120 and crop[3] == 80  # clipped at the right and bottom borders
    np.testing.assert_array_equal(out['part_valid'], [True, True, False])
    np.testing.assert_array_equal(out['part_boxes'][2], [0, 0, 0, 0])  # absent: zero box
    # the part that leaves the frame is clipped to the crop, then mapped
    clipped = np.minimum(parts[1], [120, 80, 120, 80])
    np.testing.assert_allclose(out['part_affine'].invert(out['part_boxes'][1]), clipped,
                               atol=1e-9)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_random_crop_and_flip_keep_boxes_on_their_parts(seed):
    np.random.seed(seed)  # noqa: NPY002  (the transforms draw from numpy's global RNG)
    frame = _painted_frame(FRAME_PARTS)
    crop = crop_box(PERSON, 1.25, frame.shape[1], frame.shape[0])
    cw, ch = int(crop[2] - crop[0]), int(crop[3] - crop[1])
    pipeline = [
        _build(dict(type='PersonPartCrop', size=(2 * ch, 2 * cw), interpolation='nearest')),
        _build(dict(type='PartRandomCrop', size=(2 * ch - 8, 2 * cw - 6), random=True)),
        _build(dict(type='PartFlip', flip_ratio=1.0)),
    ]
    out = _results(frame)
    for step in pipeline:
        out = step(out)
    assert out['flipped'] and out['part_affine'].flipped
    perm = flip_permutation(PARTS)
    np.testing.assert_array_equal(out['part_order'], perm)
    np.testing.assert_array_equal(out['part_states'], np.arange(len(PARTS))[perm])
    img = out['imgs'][0]
    for slot in range(len(PARTS)):
        frame_part = int(out['part_order'][slot])
        pix = _pixel_box(img, frame_part)  # painted with its *frame* part's grey level
        if not out['part_valid'][slot]:
            assert pix is None or min(pix[2] - pix[0], pix[3] - pix[1]) < 1
            continue
        assert pix == out['part_boxes'][slot].tolist(), (PARTS[frame_part], pix)
        # the box of input slot k maps back to the frame box of part part_order[k], clipped
        # to the frame region the input shows
        back = out['part_affine'].invert(out['part_boxes'][slot])
        h, w = out['img_shape']
        vx1, vy1, vx2, vy2 = out['part_affine'].invert([0, 0, w, h])
        expected = np.clip(FRAME_PARTS[frame_part], [vx1, vy1, vx1, vy1], [vx2, vy2, vx2, vy2])
        np.testing.assert_allclose(back, expected, rtol=0, atol=1e-9)


def test_centre_crop_without_resize_is_bit_exact():
    frame = _painted_frame(FRAME_PARTS)
    crop = crop_box(PERSON, 1.25, frame.shape[1], frame.shape[0])
    cw, ch = int(crop[2] - crop[0]), int(crop[3] - crop[1])
    out = _results(frame)
    for step in (_build(dict(type='PersonPartCrop', size=(ch, cw))),
                 _build(dict(type='PartRandomCrop', size=(ch - 4, cw - 2), random=False)),
                 _build(dict(type='PartFlip', flip_ratio=1.0))):
        out = step(out)
    aff = out['part_affine']
    assert (aff.ax, aff.ay) == (-1.0, 1.0)
    valid = out['part_valid']
    back = aff.invert(out['part_boxes'][valid].astype(np.float64))
    # the centre crop keeps frame x in [crop x1 + 1, crop x2 - 1], y in [crop y1 + 2, y2 - 2]
    expected = FRAME_PARTS[out['part_order'][valid]].copy()
    expected[:, 0::2] = np.clip(expected[:, 0::2], crop[0] + 1, crop[2] - 1)
    expected[:, 1::2] = np.clip(expected[:, 1::2], crop[1] + 2, crop[3] - 2)
    np.testing.assert_array_equal(back, expected)
    assert valid.all()


def test_bad_inputs_name_the_sample():
    frame = _painted_frame(FRAME_PARTS)
    with pytest.raises(KeyError, match="vid,0001"):
        _build(dict(type='PersonPartCrop'))(dict(img=frame, img_key='vid,0001'))
    out = _build(dict(type='PersonPartCrop', size=32))(_results(frame))
    with pytest.raises(ValueError, match='larger than the input'):
        _build(dict(type='PartRandomCrop', size=40))(out)
    with pytest.raises(ValueError, match='flip_ratio'):
        _build(dict(type='PartFlip', flip_ratio=1.5))


def test_pack_zeroes_absent_parts_and_keeps_frame_boxes():
    frame = _painted_frame(FRAME_PARTS)
    res = _results(frame)
    res['part_valid'][1] = False
    res.update(frame_part_boxes=FRAME_PARTS.astype(np.float32), video_id='vid', frame=1,
               category=3)
    out = _build(dict(type='PersonPartCrop', size=32))(res)
    out['part_boxes'][1] = [1, 2, 3, 4]  # e.g. moved by BoxJitter
    packed = _build(dict(type='PackPartStateInputs'))(out)
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 32, 32) and packed['inputs'].dtype == torch.float32
    assert sample.part_boxes[1].abs().sum() == 0 and not sample.part_valid[1]
    assert sample.part_states[1] == -1 and sample.part_states[2] == 2
    assert int(sample.category) == 3
    np.testing.assert_array_equal(sample.metainfo['frame_part_boxes'], FRAME_PARTS)
    assert set(sample.metainfo['part_affine_params']) == {'ax', 'bx', 'ay', 'by'}
