"""MultiSports frame-/video-mAP and error analysis against the official code.

mmaction2 1.2.0's ``frameAP``, ``videoAP`` and ``videoAP_error`` are the official
``evaluate_multisports.py`` functions verbatim (taking the loaded objects instead of paths), so
they are the brute-force oracle here (they run on numpy < 2, which this project pins).
"""

from __future__ import annotations

import contextlib
import io
import json
import os.path as osp
import pickle

import numpy as np
import pytest

from mmaction_plugins.evaluation import (
    frame_ap_per_class,
    frame_map,
    load_multisports_gt,
    multisports_summary,
    video_ap_error,
    video_map,
)
from mmaction_plugins.evaluation.multisports import VIDEO_THRESHOLDS
from mmaction_plugins.utils.safe_pickle import UnsafePickleError
from tests.conftest import needs_shared, run_tool

LABELS = ['aerobic push up', 'basketball save', 'football shoot', 'volleyball spike',
          'gym turn', 'basketball pass']  # 'basketball save' is one of the six skipped


def random_gt(rng, n_videos=4, n_labels=None):
    n_labels = len(LABELS) if n_labels is None else n_labels
    vids = [f'sport/v_{i:03d}' for i in range(n_videos)]
    nframes = {v: int(rng.integers(40, 90)) for v in vids}
    gttubes = {}
    for v in vids:
        tubes = {}
        for c in range(n_labels):
            if rng.random() < 0.5:
                continue
            lst = []
            for _ in range(int(rng.integers(1, 3))):
                s = int(rng.integers(1, nframes[v] - 10))
                e = int(rng.integers(s + 1, nframes[v] + 1))
                x, y = rng.uniform(0, 500, 2)
                frames = np.arange(s, e + 1)
                drift = np.cumsum(rng.normal(0, 2, (frames.size, 2)), axis=0)
                box = np.stack([x + drift[:, 0], y + drift[:, 1], x + 80 + drift[:, 0],
                                y + 120 + drift[:, 1]], axis=1)
                lst.append(np.concatenate([frames[:, None], box], axis=1).astype(np.float32))
            tubes[c] = lst
        gttubes[v] = tubes
    return {'labels': list(LABELS[:n_labels]), 'gttubes': gttubes, 'nframes': nframes,
            'test_videos': [vids], 'resolution': {v: (720, 1280) for v in vids}}


def random_frame_dets(rng, gt, quant=10):
    rows = []
    vids = gt['test_videos'][0]
    for iv, v in enumerate(vids):
        for c, tubes in gt['gttubes'][v].items():
            for t in tubes:
                for r in t:
                    if rng.random() < 0.8:
                        lab = c if rng.random() < 0.85 else int(rng.integers(len(LABELS)))
                        box = r[1:5] + rng.normal(0, 6, 4)
                        rows.append([iv, r[0], lab, rng.integers(1, quant + 1) / quant, *box])
        for _ in range(20):  # background
            f = int(rng.integers(1, gt['nframes'][v] + 1))
            x, y = rng.uniform(0, 600, 2)
            rows.append([iv, f, int(rng.integers(len(LABELS))),
                         rng.integers(1, quant + 1) / quant, x, y, x + 50, y + 90])
    rows.append([len(vids) + 3, 5, 0, 0.9, 0, 0, 10, 10])  # video index outside the list
    return np.array(rows, dtype=np.float64)


def random_video_dets(rng, gt, quant=10):
    out = {c: [] for c in range(len(LABELS))}
    for v in gt['test_videos'][0]:
        for c, tubes in gt['gttubes'][v].items():
            for t in tubes:
                for _ in range(int(rng.integers(0, 3))):
                    lab = c if rng.random() < 0.8 else int(rng.integers(len(LABELS)))
                    s = int(rng.integers(0, max(1, t.shape[0] // 2)))
                    e = int(rng.integers(s + 1, t.shape[0] + 1))
                    tube = t[s:e].copy()
                    tube[:, 1:5] += rng.normal(0, 8, (e - s, 4)).astype(np.float32)
                    tube = np.concatenate([tube, np.full((e - s, 1), 0.5, np.float32)], axis=1)
                    out[lab].append((v, float(rng.integers(1, quant + 1) / quant), tube))
        for _ in range(3):  # background tubes
            s = int(rng.integers(1, gt['nframes'][v] - 5))
            n = int(rng.integers(1, 20))
            fr = np.arange(s, min(s + n, gt['nframes'][v]) + 1)
            x, y = rng.uniform(0, 600, 2)
            tube = np.stack([fr, np.full(fr.size, x), np.full(fr.size, y), np.full(fr.size, x + 60),
                             np.full(fr.size, y + 90), np.full(fr.size, 0.2)], 1)
            out[int(rng.integers(len(LABELS)))].append(
                (v, float(rng.integers(1, quant + 1) / quant), tube.astype(np.float32)))
    return out


@pytest.mark.parametrize('seed', range(12))
def test_frame_ap_matches_official(seed):
    from mmaction.evaluation.functional.multisports_utils import frameAP

    rng = np.random.default_rng(seed)
    gt = random_gt(rng)
    dets = random_frame_dets(rng, gt, quant=int(rng.choice([3, 10, 1000])))
    for thr in (0.5, 0.3):
        assert frame_map(gt, dets, thr) == pytest.approx(frameAP(gt, dets, thr, False), abs=1e-9)
    assert 'basketball save' not in frame_ap_per_class(gt, dets)


@pytest.mark.parametrize('seed', range(10))
def test_video_ap_matches_official(seed):
    from mmaction.evaluation.functional.multisports_utils import videoAP

    rng = np.random.default_rng(100 + seed)
    gt = random_gt(rng)
    dets = random_video_dets(rng, gt, quant=int(rng.choice([2, 10, 1000])))
    summary = multisports_summary(gt, video_dets=dets)
    acc = 0.0
    for thr in VIDEO_THRESHOLDS:
        off = videoAP(gt, dets, thr, False)
        assert video_map(gt, dets, thr) == pytest.approx(off, abs=1e-9)
        acc += off
    assert summary['videoAP@0.1:0.9'] == pytest.approx(acc / 9.0, abs=1e-9)
    assert summary['videoAP@0.2'] == pytest.approx(videoAP(gt, dets, 0.2, False), abs=1e-9)


def test_video_iou_has_no_plus_one():
    """A detection covering frames 1..10 of a 1..20 ground truth exactly: IoU 9/19, not 10/20."""
    gt = random_gt(np.random.default_rng(0), n_videos=1)
    v = gt['test_videos'][0][0]
    frames = np.arange(1, 21, dtype=np.float32)
    tube = np.stack([frames, frames * 0, frames * 0, frames * 0 + 10, frames * 0 + 10], 1)
    gt['gttubes'][v] = {0: [tube]}
    det = np.concatenate([tube[:10], np.ones((10, 1), np.float32)], axis=1)
    assert video_map(gt, {0: [(v, 0.9, det)]}, 9 / 19 - 1e-6) == 100.0
    assert video_map(gt, {0: [(v, 0.9, det)]}, 9 / 19 + 1e-6) == 0.0
    assert video_map(gt, {0: [(v, 0.9, det)]}, 0.5) == 0.0  # 10/20 would pass


@pytest.mark.parametrize('seed', range(4))
def test_error_analysis_matches_official_printout(seed):
    from mmaction.evaluation.functional.multisports_utils import videoAP_error

    rng = np.random.default_rng(200 + seed)
    gt = random_gt(rng)
    dets = random_video_dets(rng, gt)
    for c in range(len(gt['labels'])):  # the official code divides by zero otherwise
        if not any(c in gt['gttubes'][v] for v in gt['test_videos'][0]):
            dets[c] = []
        # ... and fails on np.argmax([]) for a video without any ground-truth tube
        dets[c] = [d for d in dets[c] if gt['gttubes'][d[0]]]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        videoAP_error(gt, dets, 0.5)
    mean_line = [ln for ln in buf.getvalue().splitlines() if ln.startswith('mean ')][0]
    official = [float(x) for x in mean_line.split()[1:]]
    ours = video_ap_error(gt, dets, 0.5)
    from mmaction_plugins.evaluation.multisports_error import ERROR_COLUMNS

    assert [f'{ours[c]["mean"]:8.2f}'.strip() for c in ERROR_COLUMNS] == \
        [f'{x:.2f}' for x in official]


def test_bad_inputs(tmp_path):
    rng = np.random.default_rng(1)
    gt = random_gt(rng, n_videos=1)
    with pytest.raises(ValueError, match=r"missing keys \['nframes'\]"):
        frame_map({k: v for k, v in gt.items() if k != 'nframes'}, np.zeros((0, 8)))
    with pytest.raises(ValueError, match=r'\(N, 8\)'):
        frame_map(gt, np.zeros((3, 7)))
    v = gt['test_videos'][0][0]
    gap = np.array([[1, 0, 0, 5, 5], [3, 0, 0, 5, 5]], dtype=np.float32)
    with pytest.raises(ValueError, match=r'\[0\]\[0\]: tube frames must be consecutive'):
        video_map(gt, {0: [(v, 0.5, gap)]}, 0.5)
    good = np.array([[7, 0, 0, 5, 5], [8, 0, 0, 5, 5]], dtype=np.float32)
    with pytest.raises(ValueError, match=r'\[0\]\[1\]: tube frames must be consecutive'):
        video_map(gt, {0: [(v, 0.5, good), (v, 0.4, gap)]}, 0.5)
    assert video_map(gt, {0: [(v, 0.5, good), (v, 0.4, good.copy())]}, 0.5) >= 0
    p = tmp_path / 'gt.pkl'
    p.write_bytes(pickle.dumps({'labels': ['a']}))
    with pytest.raises(ValueError, match=r'gt\.pkl: missing keys'):
        load_multisports_gt(p)
    with pytest.raises(FileNotFoundError):
        load_multisports_gt(tmp_path / 'none.pkl')


@needs_shared
def test_real_gt_self_consistency_and_unsafe_pickle(shared_data, tmp_path):
    d = osp.join(shared_data, 'fixtures', 'eval_multisports')
    gt = load_multisports_gt(osp.join(d, 'gt.pkl'))
    assert 'train_videos' not in gt
    rows, vdets = [], {}
    for v_idx, v in enumerate(gt['test_videos'][0]):
        for c, tubes in gt['gttubes'][v].items():
            for t in tubes:
                rows += [[v_idx, r[0], c, 0.9, *r[1:5]] for r in t]
                vdets.setdefault(c, []).append(
                    (v, 0.9, np.concatenate([t, np.ones((t.shape[0], 1), t.dtype)], 1)))
    res = multisports_summary(gt, np.array(rows), vdets)
    assert res == {'frameAP@0.5': 100.0, 'videoAP@0.2': 100.0, 'videoAP@0.5': 100.0,
                   'videoAP@0.1:0.9': pytest.approx(100.0)}
    with pytest.raises(UnsafePickleError, match='torch'):
        load_multisports_gt(osp.join(d, 'data_samples.pkl'))
    fd, vd = tmp_path / 'f.pkl', tmp_path / 'v.pkl'
    fd.write_bytes(pickle.dumps(np.array(rows)))
    vd.write_bytes(pickle.dumps(vdets))
    out = tmp_path / 'o.json'
    run_tool(['-m', 'mmaction_plugins.evaluation', 'multisports', '--gt', osp.join(d, 'gt.pkl'),
              '--frame-dets', str(fd), '--video-dets', str(vd), '--json', str(out)], timeout=120)
    data = json.loads(out.read_text())
    assert set(data) == {'frameAP@0.5', 'videoAP@0.2', 'videoAP@0.5', 'videoAP@0.1:0.9'}
    assert data['frameAP@0.5'] == 100.0
