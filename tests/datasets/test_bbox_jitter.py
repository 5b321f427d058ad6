"""BoxJitter: valid boxes inside the image for many draws (border and tiny boxes included), zero
boxes, probability 0 is the identity, labels untouched, seeding, registry build."""

from __future__ import annotations

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401  (compat repairs, registries)
from mmaction_plugins.datasets.transforms import BoxJitter

H, W = 240, 320


def _seed(seed: int) -> None:
    """Seed numpy's global RNG, which BoxJitter draws from (as mmaction2's transforms do)."""
    np.random.seed(seed)  # noqa: NPY002


def _results(boxes, proposals=None, labels=None, shape=(H, W)) -> dict:
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    out = dict(img_shape=shape, gt_bboxes=boxes,
               gt_labels=(np.eye(len(boxes), 5, dtype=np.float32) if labels is None else labels))
    if proposals is not None:
        out['proposals'] = np.asarray(proposals, np.float32)
    return out


BOXES = [
    [0, 0, W, H],            # the whole image
    [0, 0, 30, 60],          # top-left corner
    [W - 25, H - 40, W, H],  # bottom-right corner
    [100, 0, 180, 35],       # touching the top
    [150, 100, 150.5, 100.3],  # tiny (below min_size)
    [200, 120, 200, 120],    # degenerate (zero size)
    [W - 0.2, 10, W, 12],    # sliver at the right border
    [50, 60, 120, 200],      # ordinary
]


def _check_valid(boxes: np.ndarray, shape=(H, W), min_size: float = 1.0) -> None:
    h, w = shape
    assert boxes.dtype == np.float32
    x1, y1, x2, y2 = boxes.T.astype(np.float64)
    assert (x1 >= 0).all() and (y1 >= 0).all() and (x2 <= w).all() and (y2 <= h).all()
    assert (x2 > x1).all() and (y2 > y1).all()
    assert (x2 - x1 >= min(min_size, w) - 1e-4).all()
    assert (y2 - y1 >= min(min_size, h) - 1e-4).all()


@pytest.mark.parametrize('shift,scale,min_size', [(0.075, 0.15, 1.0), (0.5, 0.9, 4.0),
                                                  (2.0, 0.0, 1.0), (0.0, 0.5, 0.5)])
def test_boxes_stay_valid_and_inside_over_many_draws(shift, scale, min_size):
    _seed(0)
    t = BoxJitter(keys=('gt_bboxes', 'proposals'), shift_ratio=shift, scale_ratio=scale,
                  min_size=min_size)
    changed = 0
    for _ in range(300):
        res = t(_results(BOXES, proposals=BOXES))
        _check_valid(res['gt_bboxes'], min_size=min_size)
        _check_valid(res['proposals'], min_size=min_size)
        changed += int(not np.array_equal(res['gt_bboxes'][-1], np.float32(BOXES[-1])))
    assert changed > 250  # the ordinary box does move


def test_jitter_is_proportional_to_box_size():
    _seed(1)
    t = BoxJitter(shift_ratio=0.1, scale_ratio=0.2)
    box = np.array([[100, 80, 140, 160]], np.float32)  # w 40, h 80, centre (120, 120)
    for _ in range(200):
        (x1, y1, x2, y2) = t(_results(box))['gt_bboxes'][0].astype(np.float64)
        assert abs((x1 + x2) / 2 - 120) <= 0.1 * 40 + 1e-4
        assert abs((y1 + y2) / 2 - 120) <= 0.1 * 80 + 1e-4
        assert 0.8 * 40 - 1e-4 <= x2 - x1 <= 1.2 * 40 + 1e-4
        assert 0.8 * 80 - 1e-4 <= y2 - y1 <= 1.2 * 80 + 1e-4


def test_tiny_image_and_min_size_larger_than_image():
    _seed(2)
    t = BoxJitter(shift_ratio=1.0, scale_ratio=0.5, min_size=8.0)
    for _ in range(100):
        res = t(_results([[0, 0, 3, 2], [1, 1, 2, 2]], shape=(4, 6)))
        _check_valid(res['gt_bboxes'], shape=(4, 6), min_size=8.0)
        assert np.allclose(res['gt_bboxes'][:, 3] - res['gt_bboxes'][:, 1], 4.0)  # = H


def test_zero_boxes():
    t = BoxJitter(keys=('gt_bboxes', 'proposals'))
    res = t(_results(np.zeros((0, 4)), proposals=np.zeros((0, 4)),
                     labels=np.zeros((0, 5), np.float32)))
    assert res['gt_bboxes'].shape == (0, 4) and res['proposals'].shape == (0, 4)
    assert res['gt_bboxes'].dtype == np.float32


def test_probability_zero_is_identity():
    t = BoxJitter(keys=('gt_bboxes', 'proposals'), prob=0.0)
    res = _results(BOXES, proposals=BOXES)
    before = {k: np.array(v, copy=True) for k, v in res.items() if isinstance(v, np.ndarray)}
    _seed(3)
    for _ in range(50):
        out = t(res)
        for k, v in before.items():
            assert np.array_equal(out[k], v)


def test_probability_between_zero_and_one():
    _seed(4)
    t = BoxJitter(prob=0.3)
    moved = sum(not np.array_equal(t(_results(BOXES))['gt_bboxes'], np.float32(BOXES))
                for _ in range(400))
    assert 80 < moved < 160


def test_labels_and_other_keys_untouched_extra_columns_kept():
    labels = np.random.default_rng(5).random((len(BOXES), 5)).astype(np.float32)
    res = _results(BOXES, labels=labels.copy())
    scored = np.concatenate([np.float32(BOXES), np.linspace(0.1, 0.9, len(BOXES),
                                                            dtype=np.float32)[:, None]], 1)
    res['proposals'] = scored.copy()
    res['img_key'] = 'v,0902'
    _seed(5)
    out = BoxJitter(keys='proposals')(res)
    assert np.array_equal(out['gt_labels'], labels)
    assert np.array_equal(out['gt_bboxes'], np.float32(BOXES))  # not a listed key
    assert out['proposals'].shape == (len(BOXES), 5)
    assert np.array_equal(out['proposals'][:, 4], scored[:, 4])
    assert not np.array_equal(out['proposals'][:, :4], scored[:, :4])
    assert out['img_key'] == 'v,0902'


def test_missing_and_none_keys_are_skipped():
    res = _results(BOXES)
    res['proposals'] = None
    out = BoxJitter(keys=('proposals', 'gt_bboxes', 'absent'))(res)
    assert out['proposals'] is None and out['gt_bboxes'].shape == (len(BOXES), 4)


def test_seeded_numpy_rng_reproduces():
    t = BoxJitter(keys=('gt_bboxes', 'proposals'))
    _seed(6)
    a = t(_results(BOXES, proposals=BOXES))
    _seed(6)
    b = t(_results(BOXES, proposals=BOXES))
    assert np.array_equal(a['gt_bboxes'], b['gt_bboxes'])
    assert np.array_equal(a['proposals'], b['proposals'])
    assert not np.array_equal(a['gt_bboxes'], a['proposals'])  # independent draws per key


def test_bad_input_and_arguments_raise():
    t = BoxJitter()
    with pytest.raises(ValueError, match='x2 < x1'):
        t(_results([[10, 10, 5, 20]]))
    with pytest.raises(ValueError, match=r'\(N, 4\)'):
        t(dict(img_shape=(H, W), gt_bboxes=np.zeros((3, 3), np.float32)))
    with pytest.raises(KeyError, match='img_shape'):
        t(dict(gt_bboxes=np.zeros((1, 4), np.float32)))
    for kw in (dict(shift_ratio=-0.1), dict(scale_ratio=1.0), dict(prob=1.5), dict(min_size=0),
               dict(keys=())):
        with pytest.raises(ValueError):
            BoxJitter(**kw)


def test_built_from_config_through_mmaction_registry():
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import Compose

    t = TRANSFORMS.build(dict(type='BoxJitter', keys=['gt_bboxes', 'proposals'],
                              shift_ratio=0.1, scale_ratio=0.2, prob=1.0))
    assert isinstance(t, BoxJitter) and t.keys == ('gt_bboxes', 'proposals')
    assert TRANSFORMS.get('mmaction.BoxJitter') is BoxJitter
    pipeline = Compose([dict(type='mmaction.BoxJitter', min_size=2.0)])
    _seed(7)
    out = pipeline(_results(BOXES))
    _check_valid(out['gt_bboxes'], min_size=2.0)
    assert 'BoxJitter(' in repr(t)
