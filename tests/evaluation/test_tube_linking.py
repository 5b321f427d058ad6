"""Tube linking against mmaction2's ``link_tubes`` (MOC ``BuildTubes``) with its score bug fixed."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from mmaction_plugins.evaluation import link_tubes
from mmaction_plugins.evaluation.tube_linking import nms_frame
from tests.evaluation.test_multisports import random_gt


def _fixed_mmaction_link(monkeypatch, anno, dets, **kw):
    """mmaction2's link_tubes with ``frm_det[3]`` -> ``frm_dets[3]`` in ``get_vid_dets``."""
    from mmaction.evaluation.functional import multisports_utils as mu

    class FixedDataset(mu.Dataset):
        def get_vid_dets(self):
            self.vid_frm_det = defaultdict(list)
            for frm_det in self.frm_alldets:
                self.vid_frm_det[self.video_list[int(frm_det[0])]].append(frm_det)
            self.vid_det = {}
            for vid_name, vid_frm_dets in self.vid_frm_det.items():
                self.vid_det[vid_name] = {
                    f: {c: np.empty((0, 5)) for c in range(len(self.labels))}
                    for f in range(1, self.nframes[vid_name] + 1)}
                for frm_dets in vid_frm_dets:
                    f, c = int(frm_dets[1]), int(frm_dets[2])
                    det = np.array([*frm_dets[-4:], frm_dets[3]])[None, :]
                    self.vid_det[vid_name][f][c] = np.concatenate(
                        [self.vid_det[vid_name][f][c], det])
            return self.vid_det

    monkeypatch.setattr(mu, 'Dataset', FixedDataset)
    return mu.link_tubes(anno, dets, **kw)


def random_linking_dets(rng, gt, quant=0):
    rows = []
    for iv, v in enumerate(gt['test_videos'][0]):
        n = gt['nframes'][v]
        for c in range(len(gt['labels'])):
            for _ in range(int(rng.integers(0, 3))):
                s = int(rng.integers(1, n))
                e = int(rng.integers(s, min(n, s + 40) + 1))
                x, y = rng.uniform(0, 500, 2)
                for f in range(s, e + 1):
                    if rng.random() < 0.1:
                        continue  # a gap ends the tube
                    x, y = x + rng.normal(0, 3), y + rng.normal(0, 3)
                    for _ in range(int(rng.integers(1, 4))):  # duplicates for the NMS
                        j = rng.normal(0, 4, 4)
                        sc = rng.random() if not quant else rng.integers(1, quant + 1) / quant
                        rows.append([iv, f, c, sc, x + j[0], y + j[1], x + 60 + j[2],
                                     y + 100 + j[3]])
    order = rng.permutation(len(rows))
    return np.array(rows, dtype=np.float32)[order]


@pytest.mark.parametrize('seed', range(6))
def test_matches_moc_semantics(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    gt = random_gt(rng, n_videos=3)
    dets = random_linking_dets(rng, gt, quant=[0, 4][seed % 2])
    ours = link_tubes(gt, dets, min_len=5)
    ref = _fixed_mmaction_link(monkeypatch, gt, dets, len_thre=5)
    assert sum(len(x) for x in ours.values()) > 0
    for c in range(len(gt['labels'])):
        assert len(ours[c]) == len(ref[c])
        for (v1, s1, t1), (v2, s2, t2) in zip(ours[c], ref[c]):
            assert v1 == v2 and s1 == s2
            np.testing.assert_array_equal(t1, t2)
            assert t1.dtype == np.float32


def test_every_box_keeps_its_own_score(monkeypatch):
    """mmaction2 1.2.0 gives every box the score of the last input row; we do not."""
    from mmaction.evaluation.functional.multisports_utils import link_tubes as mm_link

    gt = random_gt(np.random.default_rng(0), n_videos=1)
    frames = np.arange(1, 21)
    scores = np.linspace(0.2, 0.9, 20)
    dets = np.array([[0, f, 2, s, 10, 10, 60, 90] for f, s in zip(frames, scores)], np.float64)
    dets = np.concatenate([dets, [[0, 30, 3, 0.05, 0, 0, 5, 5]]])
    tube = link_tubes(gt, dets, min_len=15)[2][0]
    np.testing.assert_allclose(tube[2][:, 5], scores.astype(np.float32))
    assert tube[1] == pytest.approx(scores.mean())
    bugged = mm_link(gt, dets, len_thre=15)[2][0]
    assert np.all(bugged[2][:, 5] == np.float32(0.05))  # the stale-variable bug


def test_nms_rescoring_and_thresholds():
    d = [[0, 0, 10, 10, 0.9], [0, 0, 10, 10, 0.8], [50, 50, 60, 60, 0.7]]
    out = nms_frame([list(r) for r in d], 0.6, 10)
    assert len(out) == 3
    assert out[0][4] == 0.9 and out[1][4] == 0.7 and out[2][4] == pytest.approx(0.0)
    assert len(nms_frame([list(r) for r in d], 0.6, 1)) == 1
    from mmaction.evaluation.functional.multisports_utils import nms_tubelets

    rng = np.random.default_rng(0)
    for _ in range(50):  # same boxes and (rescored) scores as MOC's numpy version
        n = int(rng.integers(2, 14))
        xy = rng.uniform(0, 50, (n, 2))
        arr = np.concatenate([xy, xy + rng.uniform(5, 40, (n, 2)),
                              rng.integers(1, 5, (n, 1)) / 4], axis=1)
        ref = nms_tubelets(arr.copy(), 0.6, top_k=10)
        np.testing.assert_array_equal(np.array(nms_frame(arr.tolist(), 0.6, 10)), ref)
    gt = random_gt(np.random.default_rng(0), n_videos=1)
    rows = [[0, f, 1, 0.5, 10, 10, 60, 90] for f in range(1, 11)]
    assert link_tubes(gt, np.array(rows), min_len=11)[1] == []
    assert len(link_tubes(gt, np.array(rows), min_len=10)[1]) == 1
    assert link_tubes(gt, np.array(rows), min_len=1, min_score=0.6)[1] == []


def test_bad_input(caplog):
    gt = random_gt(np.random.default_rng(0), n_videos=1)
    with pytest.raises(ValueError, match=r'\(N, 8\)'):
        link_tubes(gt, np.zeros((2, 5)))
    with pytest.raises(ValueError, match='lacks'):
        link_tubes({'labels': []}, np.zeros((0, 8)))
    out = link_tubes(gt, np.array([[0, 10**6, 1, 0.5, 0, 0, 1, 1], [9, 1, 1, 0.5, 0, 0, 1, 1]]))
    assert all(not v for v in out.values())
    assert '2 of 2 frame detections skipped' in caplog.text
