"""Feature-bank files and the window reader: round trip, window edges (start / end of a video,
missing keyframes), exclusion of the current keyframe, per-keyframe caps (random in training,
first-k in testing), mmaction2's padded layout, bad files and keys."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
import torch

from mmaction_plugins.datasets.feature_bank import (
    FeatureBank,
    read_bank_meta,
    read_video_bank,
    video_bank_path,
    write_bank_meta,
    write_video_bank,
)

C = 3


def _feat(t: int, i: int) -> list[float]:
    """A feature that names its keyframe and actor: ``[t - 900, i, (t - 900) * 10 + i]``
    (exact in float16)."""
    return [float(t - 900), float(i), float((t - 900) * 10 + i)]


@pytest.fixture
def bank(tmp_path) -> str:
    """Video ``v``: keyframes 902..906 without 904 (nobody in view), actors per keyframe 1, 3,
    -, 2, 7; video ``sport/w.mp4``: one keyframe."""
    root = str(tmp_path / 'bank')
    write_bank_meta(root, 'acfb', C)
    counts = {902: 1, 903: 3, 905: 2, 906: 7}
    per = {t: (np.tile([[0.1, 0.2, 0.3, 0.4]], (n, 1)), np.array([_feat(t, i) for i in range(n)]))
           for t, n in counts.items()}
    write_video_bank(root, 'v', per, C)
    write_video_bank(root, 'sport/w.mp4', {1: (np.zeros((1, 4)), np.ones((1, C)))}, C)
    return root


def _keys(feats: torch.Tensor) -> list[tuple[int, int]]:
    return [(int(f[0]) + 900, int(f[1])) for f in feats]


def test_round_trip_and_layout(bank):
    meta = read_bank_meta(bank)
    assert meta['kind'] == 'acfb' and meta['channels'] == C and meta['dtype'] == 'float16'
    vb = read_video_bank(video_bank_path(bank, 'v'), C)
    assert vb.timestamps.tolist() == [902, 903, 905, 906]
    assert vb.counts.tolist() == [1, 3, 2, 7]
    assert vb.features.dtype == np.float16 and vb.features.shape == (13, C)
    np.testing.assert_array_equal(vb.features_at(903), np.array([_feat(903, i) for i in range(3)],
                                                                np.float16))
    assert vb.features_at(904).shape == (0, C) and 904 not in vb
    # ids with a slash (MultiSports keys) become one plain file name
    assert osp.basename(video_bank_path(bank, 'sport/w.mp4')) == 'sport%2Fw.mp4.npz'
    assert FeatureBank(bank).window('sport/w.mp4', 1).shape == (1, C)


def test_window_edges_and_missing_keyframes(bank):
    fb = FeatureBank(bank, window=(-2, 1), max_per_keyframe=10)
    # start of the video: 900 and 901 do not exist; 902 (current) and 903
    assert _keys(fb.window('v', 902)) == [(902, 0), (903, 0), (903, 1), (903, 2)]
    # 904 has no entry (nobody in view): the window 902..905 skips it, keeps time order
    assert [k[0] for k in _keys(fb.window('v', 904))] == [902, 903, 903, 903, 905, 905]
    # end of the video: 907 does not exist
    assert [k[0] for k in _keys(fb.window('v', 906))] == [905, 905] + [906] * 7
    # a keyframe far from every entry: empty, not an error
    assert fb.window('v', 950).shape == (0, C)
    fb_ex = FeatureBank(bank, window=(-1, 1), exclude_current=True, max_per_keyframe=10)
    assert [k[0] for k in _keys(fb_ex.window('v', 903))] == [902]  # 904 empty, 903 excluded


def test_per_keyframe_cap_first_in_test_random_in_training(bank):
    fb = FeatureBank(bank, window=(0, 0), max_per_keyframe=3)
    assert _keys(fb.window('v', 906)) == [(906, 0), (906, 1), (906, 2)]  # testing: first k
    fb.train()
    torch.manual_seed(0)
    draws = {tuple(_keys(fb.window('v', 906))) for _ in range(20)}
    assert len(draws) > 1  # random subsets in training
    for d in draws:
        assert len(d) == 3 and len(set(d)) == 3 and list(d) == sorted(d)  # distinct, in order
    torch.manual_seed(0)
    first = _keys(fb.window('v', 906))
    torch.manual_seed(0)
    assert _keys(fb.window('v', 906)) == first  # the run's seed fixes the draw


def test_padded_layout_is_mmaction2s(bank):
    fb = FeatureBank(bank, window=(-1, 1), max_per_keyframe=2)
    out = fb.padded('v', 903)  # seconds 902, 903, 904 -> 3 x 2 rows
    assert out.shape == (6, C)
    assert out[0].tolist() == _feat(902, 0) and out[1].abs().sum() == 0
    assert out[2].tolist() == _feat(903, 0) and out[3].tolist() == _feat(903, 1)
    assert out[4:].abs().sum() == 0  # 904: no entry
    ex = FeatureBank(bank, window=(-1, 1), max_per_keyframe=2, exclude_current=True)
    assert ex.padded('v', 903)[2:4].abs().sum() == 0


def test_missing_video_and_bad_files(bank, tmp_path):
    with pytest.raises(KeyError, match="no features for video 'nope'"):
        FeatureBank(bank).window('nope', 902)
    assert FeatureBank(bank, missing_video='empty').window('nope', 902).shape == (0, C)
    with pytest.raises(FileNotFoundError, match='meta.json'):
        FeatureBank(str(tmp_path / 'none')).window('v', 902)
    with pytest.raises(ValueError, match='window'):
        FeatureBank(bank, window=(3, -3))
    # a file whose counts disagree with its rows names the file
    bad = video_bank_path(bank, 'bad')
    np.savez(bad, timestamps=np.array([1, 2]), counts=np.array([1, 1]),
             boxes=np.zeros((3, 4), np.float32), features=np.zeros((3, C), np.float16))
    with pytest.raises(ValueError, match='bad.npz.*counts sum to 2'):
        FeatureBank(bank).window('bad', 1)
    np.savez(bad, timestamps=np.array([2, 1]), counts=np.array([0, 0]),
             boxes=np.zeros((0, 4), np.float32), features=np.zeros((0, C), np.float16))
    with pytest.raises(ValueError, match='ascending'):
        read_video_bank(bad)
    with pytest.raises(ValueError, match='channels'):
        read_video_bank(video_bank_path(bank, 'v'), channels=C + 1)
    # a pickled object array is refused (allow_pickle=False)
    np.savez(bad, timestamps=np.array([1], dtype=object), counts=np.array([0]),
             boxes=np.zeros((0, 4)), features=np.zeros((0, C)))
    with pytest.raises(ValueError, match='pickle'):
        read_video_bank(bad)
    # writing: features must match the boxes and the width, and be finite
    with pytest.raises(ValueError, match='v,1'):
        write_video_bank(bank, 'v', {1: (np.zeros((2, 4)), np.zeros((2, C + 1)))}, C)
    with pytest.raises(ValueError, match='non-finite'):
        write_video_bank(bank, 'v', {1: (np.zeros((1, 4)), np.full((1, C), np.nan))}, C)
    # a bank keeps one kind and width
    with pytest.raises(ValueError, match="holds a 'acfb' bank of 3"):
        write_bank_meta(bank, 'lfb', C)
    meta = json.loads((tmp_path / 'bank' / 'meta.json').read_text())
    meta['version'] = 99
    (tmp_path / 'bank' / 'meta.json').write_text(json.dumps(meta))
    with pytest.raises(ValueError, match='v1'):
        read_bank_meta(bank)


def test_key_of_metainfo():
    assert FeatureBank.key_of({'img_key': 'sport/w.mp4,0012'}) == ('sport/w.mp4', 12)
    assert FeatureBank.key_of({'video_id': 'v', 'timestamp': 903}) == ('v', 903)
    with pytest.raises(KeyError, match='img_key'):
        FeatureBank.key_of({'img_shape': (4, 4)})
