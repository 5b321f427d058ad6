"""Time our scorers against mmaction2 1.2.0's own implementations on large synthetic cases.

Usage::

    .venv/bin/python benchmarks/eval_speed.py [--seed 0] [--ava-frames 20000]
        [--ava-dets-per-frame 50] [--ms-videos 100] [--ms-frames 150] [--workdir DIR]

Cases (written to a temporary directory unless ``--workdir``):

* AVA: ``--ava-frames`` keyframes with 1-4 persons and 1-3 actions each (80 classes), exactly
  ``--ava-dets-per-frame`` detections per keyframe (20000 x 50 = 1M rows) with distinct
  6-decimal scores, noisy copies of the ground-truth boxes plus background boxes. At most 50
  detections per keyframe, no tie inside a keyframe and every ground-truth class detected: the
  cases where mmaction2's ``ava_eval`` follows the official semantics, so the two mAPs must agree
  (mmaction2 works in float32, so the check allows 1e-6).
* MultiSports: ``--ms-videos`` videos of ``--ms-frames`` frames (default 300), 66 classes (the
  six skipped ones included), 1-4 ground-truth tubes per video, noisy frame detections (1-3 per
  ground-truth box, some with a wrong label) and background detections. mmaction2's ``frameAP``
  / ``videoAP`` are the official functions verbatim, so frame-mAP and video-mAP (on the same
  tubes) must agree exactly. Its ``link_tubes`` is timed as shipped; agreement of the tubes is
  checked against a copy with the stale-score line fixed (on every video).

Prints one line per comparison with both timings and the ratio, and exits 1 if a result
disagrees. Targets (issue "Evaluation"): each ratio >= 10.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

SKIPPED = ['aerobic kick jump', 'aerobic off axis jump', 'aerobic butterfly jump',
           'aerobic balance turn', 'basketball save', 'basketball jump ball']


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _quiet(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return fn()
    return run


# ----------------------------------------------------------------------------------------- AVA
def make_ava_case(rng: np.random.Generator, workdir: str, n_frames: int, per_frame: int,
                  n_classes: int = 80) -> tuple[str, str, str]:
    """Write gt.csv, det.csv and label_map.pbtxt; return their paths."""
    gt_lines: list[str] = []
    det_lines: list[str] = []
    gt_classes: set[int] = set()
    for k in range(n_frames):
        vid = f'video{k // 900:04d}'
        ts = 902 + k % 900
        n_p = int(rng.integers(1, 5))
        xy = rng.uniform(0, 0.6, (n_p, 2))
        wh = rng.uniform(0.15, 0.4, (n_p, 2))
        boxes = np.concatenate([xy, np.minimum(xy + wh, 1.0)], axis=1)
        frame_actions = [rng.choice(n_classes, size=int(rng.integers(1, 4)), replace=False) + 1
                         for _ in range(n_p)]
        for p in range(n_p):
            for a in frame_actions[p]:
                gt_classes.add(int(a))
                b = boxes[p]
                gt_lines.append(f'{vid},{ts:04d},{b[0]:.3f},{b[1]:.3f},{b[2]:.3f},{b[3]:.3f},'
                                f'{a},{p}')
        src = rng.integers(0, n_p + 1, per_frame)
        noisy = boxes[np.minimum(src, n_p - 1)] + rng.normal(0, 0.03, (per_frame, 4))
        bg = rng.uniform(0, 0.7, (per_frame, 2))
        bg = np.concatenate([bg, bg + rng.uniform(0.05, 0.3, (per_frame, 2))], axis=1)
        det = np.clip(np.where((src < n_p)[:, None], noisy, bg), 0, 0.998)
        # valid boxes only: mmaction2's ava_eval raises on x1 > x2 (the official one drops them)
        det[:, :2], det[:, 2:] = (np.minimum(det[:, :2], det[:, 2:]),
                                  np.maximum(det[:, :2], det[:, 2:]) + 0.002)
        labels = rng.integers(1, n_classes + 1, per_frame)
        person_actions = [[int(a) for a in acts] for acts in frame_actions]
        for i in np.flatnonzero((src < n_p) & (rng.random(per_frame) < 0.5)).tolist():
            labels[i] = person_actions[src[i]][int(rng.integers(len(person_actions[src[i]])))]
        scores = (rng.choice(999_000, per_frame, replace=False) + 1000) / 1e6  # distinct
        for b, a, s in zip(det.tolist(), labels.tolist(), scores.tolist()):
            det_lines.append(f'{vid},{ts:04d},{b[0]:.3f},{b[1]:.3f},{b[2]:.3f},{b[3]:.3f},'
                             f'{a},{s:.6f}')
    # every ground-truth class gets at least one detection (mmaction2 drops undetected classes)
    for a in sorted(gt_classes):
        det_lines.append(f'video0000,0902,0.1,0.1,0.2,0.2,{a},0.000500')
    paths = [os.path.join(workdir, n) for n in ('ava_gt.csv', 'ava_det.csv', 'ava_map.pbtxt')]
    with open(paths[0], 'w') as f:
        f.write('\n'.join(gt_lines) + '\n')
    with open(paths[1], 'w') as f:
        f.write('\n'.join(det_lines) + '\n')
    with open(paths[2], 'w') as f:
        f.write(''.join(f'item {{\n  name: "action{i}"\n  id: {i}\n}}\n'
                        for i in range(1, n_classes + 1)))
    return paths[0], paths[1], paths[2]


def bench_ava(rng: np.random.Generator, workdir: str, n_frames: int, per_frame: int) -> bool:
    from mmaction.evaluation.functional.ava_utils import ava_eval

    from mmaction_plugins.evaluation import evaluate_ava

    (gt, det, lm), t_gen = _timed(lambda: make_ava_case(rng, workdir, n_frames, per_frame))
    n_det = sum(1 for _ in open(det))
    print(f'AVA case: {n_det} detections, {n_frames} keyframes, written in {t_gen:.1f}s',
          flush=True)
    ours, t_ours = _timed(lambda: evaluate_ava(gt, det, lm))
    print(f'AVA ours: {t_ours:.2f}s, mAP {ours.mAP:.8f}; running mmaction2 ava_eval...',
          flush=True)
    theirs, t_theirs = _timed(_quiet(lambda: ava_eval(det, 'mAP', lm, gt, None, verbose=False)))
    ok = abs(ours.mAP - theirs['overall']) < 1e-6
    print(f'AVA ({n_det} detections, {n_frames} keyframes): ours {t_ours:.2f}s, mmaction2 '
          f'ava_eval {t_theirs:.2f}s, ratio {t_theirs / t_ours:.1f}x; mAP {ours.mAP:.8f} vs '
          f'{theirs["overall"]:.8f} {"agree" if ok else "DISAGREE"}', flush=True)
    return ok


# -------------------------------------------------------------------------------- MultiSports
def make_ms_case(rng: np.random.Generator, n_videos: int, n_frames: int
                 ) -> tuple[dict[str, Any], np.ndarray]:
    labels = [f'sport action {i}' for i in range(60)] + SKIPPED
    rng.shuffle(labels)
    vids = [f'sport/v_{i:04d}' for i in range(n_videos)]
    gttubes: dict[str, dict[int, list[np.ndarray]]] = {}
    rows: list[np.ndarray] = []
    for iv, v in enumerate(vids):
        tubes: dict[int, list[np.ndarray]] = {}
        for _ in range(int(rng.integers(1, 5))):
            c = int(rng.integers(len(labels)))
            s = int(rng.integers(1, n_frames - 20))
            e = int(rng.integers(s + 15, n_frames + 1))
            fr = np.arange(s, e + 1)
            wh = rng.uniform(60, 200, 2)
            xy = rng.uniform(30, [1250 - wh[0], 690 - wh[1]])
            xy = np.clip(xy + np.cumsum(rng.normal(0, 2, (fr.size, 2)), axis=0), 10,
                         [1270 - wh[0], 710 - wh[1]])
            box = np.concatenate([xy, xy + wh], axis=1)
            tubes.setdefault(c, []).append(
                np.concatenate([fr[:, None], box], axis=1).astype(np.float32))
            for k in range(int(rng.integers(1, 4))):
                keep = rng.random(fr.size) > (0.05 if k == 0 else 0.3)
                lab = np.where(rng.random(fr.size) < 0.9, c,
                               rng.integers(len(labels), size=fr.size))
                noisy = np.clip(box + rng.normal(0, 5, box.shape), 0, [1280, 720, 1280, 720])
                sc = np.clip(rng.normal(0.7 - 0.2 * k, 0.15, fr.size), 0.01, 1)
                rows.append(np.stack([np.full(fr.size, iv), fr, lab, sc, *noisy.T], 1)[keep])
        gttubes[v] = tubes
        n_bg = n_frames // 3
        bg_f = rng.integers(1, n_frames + 1, n_bg)
        bg_xy = rng.uniform(0, [1200, 640], (n_bg, 2))
        rows.append(np.stack([np.full(n_bg, iv), bg_f, rng.integers(len(labels), size=n_bg),
                              rng.uniform(0.01, 0.5, n_bg), *bg_xy.T, *(bg_xy + 80).T], 1))
    gt = {'labels': labels, 'gttubes': gttubes, 'nframes': {v: n_frames for v in vids},
          'test_videos': [vids], 'resolution': {v: (720, 1280) for v in vids}}
    dets = np.concatenate(rows).astype(np.float32)
    return gt, dets[rng.permutation(dets.shape[0])]


def _fixed_mmaction_link(anno: dict[str, Any], dets: np.ndarray) -> dict[int, list[Any]]:
    from mmaction.evaluation.functional import multisports_utils as mu

    class FixedDataset(mu.Dataset):
        def get_vid_dets(self) -> dict[str, Any]:
            self.vid_frm_det = defaultdict(list)
            for frm_det in self.frm_alldets:
                self.vid_frm_det[self.video_list[int(frm_det[0])]].append(frm_det)
            self.vid_det = {}
            for name, frm_dets_list in self.vid_frm_det.items():
                self.vid_det[name] = {f: {c: np.empty((0, 5)) for c in range(len(self.labels))}
                                      for f in range(1, self.nframes[name] + 1)}
                for frm_dets in frm_dets_list:
                    f, c = int(frm_dets[1]), int(frm_dets[2])
                    det = np.array([*frm_dets[-4:], frm_dets[3]])[None, :]
                    self.vid_det[name][f][c] = np.concatenate([self.vid_det[name][f][c], det])
            return self.vid_det

    original = mu.Dataset
    mu.Dataset = FixedDataset
    try:
        return mu.link_tubes(anno, dets, len_thre=15)
    finally:
        mu.Dataset = original


def _same_tubes(a: dict[int, list[Any]], b: dict[int, list[Any]]) -> bool:
    for c in set(a) | set(b):
        la, lb = a.get(c, []), b.get(c, [])
        if len(la) != len(lb):
            return False
        for (v1, s1, t1), (v2, s2, t2) in zip(la, lb):
            if v1 != v2 or s1 != s2 or not np.array_equal(t1, t2):
                return False
    return True


def bench_multisports(rng: np.random.Generator, n_videos: int, n_frames: int) -> bool:
    from mmaction.evaluation.functional.multisports_utils import frameAP, link_tubes, videoAP

    from mmaction_plugins.evaluation import link_tubes as our_link
    from mmaction_plugins.evaluation import multisports_summary

    gt, dets = make_ms_case(rng, n_videos, n_frames)
    ok = True
    tubes, t_link = _timed(lambda: our_link(gt, dets, min_len=15))
    _, t_link_mm = _timed(_quiet(lambda: link_tubes(gt, dets, len_thre=15)))
    fixed = _quiet(lambda: _fixed_mmaction_link(gt, dets))()
    same = _same_tubes(tubes, fixed)
    ok &= same
    n_tubes = sum(len(x) for x in tubes.values())
    print(f'Tube linking ({n_videos} videos x {n_frames} frames, {dets.shape[0]} frame '
          f'detections, {n_tubes} tubes): ours {t_link:.2f}s, mmaction2 link_tubes '
          f'{t_link_mm:.2f}s, ratio {t_link_mm / t_link:.1f}x; tubes '
          f'{"identical" if same else "DIFFERENT"} to mmaction2 with the score bug fixed',
          flush=True)

    ours, t_ours = _timed(lambda: multisports_summary(gt, dets, tubes))

    def official() -> dict[str, float]:
        out = {'frameAP@0.5': frameAP(gt, dets, 0.5, False),
               'videoAP@0.2': videoAP(gt, tubes, 0.2, False),
               'videoAP@0.5': videoAP(gt, tubes, 0.5, False)}
        acc = 0.0
        for i in range(9):
            acc += videoAP(gt, tubes, 0.1 + 0.1 * i, False)
        out['videoAP@0.1:0.9'] = acc / 9.0
        return out

    theirs, t_theirs = _timed(_quiet(official))
    agree = all(abs(ours[k] - theirs[k]) < 1e-9 for k in theirs)
    ok &= agree
    print(f'MultiSports frame-mAP + video-mAP (0.2, 0.5, 0.1:0.9): ours {t_ours:.2f}s, mmaction2 '
          f'frameAP/videoAP {t_theirs:.2f}s, ratio {t_theirs / t_ours:.1f}x; '
          f'{"agree" if agree else "DISAGREE"}: ' +
          ', '.join(f'{k} {ours[k]:.4f}/{theirs[k]:.4f}' for k in theirs))
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 1 if any result disagrees."""
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--ava-frames', type=int, default=20000)
    p.add_argument('--ava-dets-per-frame', type=int, default=50)
    p.add_argument('--ms-videos', type=int, default=100)
    p.add_argument('--ms-frames', type=int, default=300)
    p.add_argument('--skip', choices=('ava', 'multisports'), action='append', default=[])
    p.add_argument('--workdir', help='where to write the AVA case (default: a temp dir)')
    args = p.parse_args(argv)
    import mmaction_plugins  # noqa: F401  (compat repairs before mmaction's evaluation)

    rng = np.random.default_rng(args.seed)
    ok = True
    with tempfile.TemporaryDirectory(prefix='eval_speed_') as tmp:
        workdir = args.workdir or tmp
        os.makedirs(workdir, exist_ok=True)
        if 'ava' not in args.skip:
            ok &= bench_ava(rng, workdir, args.ava_frames, args.ava_dets_per_frame)
        if 'multisports' not in args.skip:
            ok &= bench_multisports(rng, args.ms_videos, args.ms_frames)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
