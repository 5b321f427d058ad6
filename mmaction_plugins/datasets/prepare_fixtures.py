"""Lay out the real AVA / MultiSports fixtures of ``../shared/data`` as datasets mmaction2 reads.

The shared fixtures hold real annotation rows and proposal files but no frames. This command
decodes the real clips in ``../shared/data/videos`` into the frame / video layout the annotation
rows point to, so the baseline configs train and test on real files through the real code paths:

``python -m mmaction_plugins.datasets.prepare_fixtures [--shared DIR] [--out DIR]``
(defaults: ``../shared/data`` and ``data/fixtures``)

Output (``OUT``)::

    ava/rawframes/<video_id>/img_00001.jpg ...   frames of a real clip (AVA: 30 fps, start 900 s)
    ava/annotations/{ava_train.csv, ava_val.csv, ava_val_excluded.csv, action_list.pbtxt,
                     proposals.pkl}
    multisports/trainval/<sport>/<clip>.mp4      a real clip, looped to cover every annotated frame
    multisports/annotations/{multisports_train.csv, multisports_val.csv, proposals.pkl,
                             multisports_GT.pkl}

The clips do not show the annotated people, so the boxes do not match the pixels: these fixtures
exercise formats and code paths, not accuracy. ``multisports_GT.pkl`` is built from the CSV rows in
the official ground-truth layout (``labels, gttubes, nframes, train_videos, test_videos,
resolution``). Re-running is cheap: existing outputs are kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import pickle
import shutil
from collections import defaultdict

import cv2
import numpy as np

from mmaction_plugins.evaluation.label_map import read_label_map
from mmaction_plugins.utils.atomic_io import atomic_write_bytes
from mmaction_plugins.utils.video import iter_video_frames

__all__ = ['prepare_fixtures', 'read_video_frames']

AVA_FPS = 30
AVA_TIMESTAMP_START = 900
CLIPS = ('demo.mp4', 'people.mp4')


def read_video_frames(path: str) -> list[np.ndarray]:
    """Decode every frame of a video with OpenCV (BGR, H x W x 3 uint8)."""
    return list(iter_video_frames(path))


def _csv_rows(path: str) -> list[list[str]]:
    with open(path, encoding='utf-8') as f:
        return [line.strip().split(',') for line in f if line.strip()]


def _prepare_ava(shared: str, out: str, clips: list[list[np.ndarray]]) -> None:
    src = osp.join(shared, 'fixtures', 'ava_dataset')
    ann_dir = osp.join(out, 'ava', 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    rows = _csv_rows(osp.join(src, 'ava_sample.csv'))
    videos = sorted({r[0] for r in rows})
    for i, vid in enumerate(videos):
        frames = clips[i % len(clips)]
        last_ts = max(int(r[1]) for r in rows if r[0] == vid)
        # frames 1..n cover every keyframe plus a 2 s clip after the last one
        n = (last_ts + 2 - AVA_TIMESTAMP_START) * AVA_FPS
        frame_dir = osp.join(out, 'ava', 'rawframes', vid)
        if osp.isfile(osp.join(frame_dir, f'img_{n:05d}.jpg')):
            continue
        os.makedirs(frame_dir, exist_ok=True)
        for j in range(n):
            ok, buf = cv2.imencode('.jpg', frames[j % len(frames)])
            assert ok
            atomic_write_bytes(osp.join(frame_dir, f'img_{j + 1:05d}.jpg'), buf.tobytes())
    shutil.copyfile(osp.join(src, 'ava_sample.csv'), osp.join(ann_dir, 'ava_train.csv'))
    shutil.copyfile(osp.join(src, 'ava_sample.csv'), osp.join(ann_dir, 'ava_val.csv'))
    shutil.copyfile(osp.join(src, 'ava_excluded_timestamps_sample.csv'),
                    osp.join(ann_dir, 'ava_val_excluded.csv'))
    shutil.copyfile(osp.join(src, 'action_list.txt'), osp.join(ann_dir, 'action_list.pbtxt'))
    shutil.copyfile(osp.join(src, 'ava_proposals_sample.pkl'), osp.join(ann_dir, 'proposals.pkl'))


def _write_video(path: str, frames: list[np.ndarray], n: int, fps: float = 25.0) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    h, w = frames[0].shape[:2]
    tmp = path + '.tmp.mp4'
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter.fourcc(*'mp4v'), fps, (w, h))
    if not writer.isOpened():
        raise OSError(f'{path}: OpenCV cannot write mp4v video')
    for j in range(n):
        writer.write(frames[j % len(frames)])
    writer.release()
    os.replace(tmp, path)


def _prepare_multisports(shared: str, out: str, clips: list[list[np.ndarray]]) -> None:
    src = osp.join(shared, 'fixtures', 'multisports_dataset')
    root = osp.join(out, 'multisports')
    ann_dir = osp.join(root, 'annotations')
    os.makedirs(ann_dir, exist_ok=True)
    rows = _csv_rows(osp.join(src, 'multisports_sample.csv'))
    labels = read_label_map(osp.join(shared, 'fixtures', 'multisports_label_map.txt'))
    videos = sorted({r[0] for r in rows})
    nframes, resolution = {}, {}
    # gttubes[video][label] -> list of (T, 5) [frame, x1, y1, x2, y2] in pixels, one per entity
    tubes: dict[str, dict[int, dict[int, list[list[float]]]]] = {}
    for i, vid in enumerate(videos):
        frames = clips[i % len(clips)]
        h, w = frames[0].shape[:2]
        n = max(int(r[1]) for r in rows if r[0] == vid) + 64
        path = osp.join(root, 'trainval', vid)
        if not osp.isfile(path):
            _write_video(path, frames, n)
        key = vid.split('.mp4')[0]
        nframes[key], resolution[key] = n, (h, w)
        per_label: dict[int, dict[int, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            if r[0] != vid:
                continue
            x1, y1, x2, y2 = (float(v) for v in r[2:6])
            per_label[int(r[6])][int(r[7])].append([int(r[1]), x1 * w, y1 * h, x2 * w, y2 * h])
        tubes[key] = per_label
    gttubes = {v: {lab: [np.asarray(sorted(t), dtype=np.float32) for t in ents.values()]
                   for lab, ents in per.items()} for v, per in tubes.items()}
    keys = sorted(nframes)
    gt = dict(labels=[labels[k] for k in sorted(labels)], gttubes=gttubes, nframes=nframes,
              train_videos=[keys], test_videos=[keys], resolution=resolution)
    atomic_write_bytes(osp.join(ann_dir, 'multisports_GT.pkl'), pickle.dumps(gt, protocol=4))
    for split in ('train', 'val'):
        shutil.copyfile(osp.join(src, 'multisports_sample.csv'),
                        osp.join(ann_dir, f'multisports_{split}.csv'))
    shutil.copyfile(osp.join(src, 'multisports_proposals_sample.pkl'),
                    osp.join(ann_dir, 'proposals.pkl'))


def prepare_fixtures(shared: str, out: str, force: bool = False) -> str:
    """Build ``out/ava`` and ``out/multisports`` from the shared fixtures; returns ``out``."""
    if not osp.isdir(osp.join(shared, 'fixtures')):
        raise FileNotFoundError(f'{shared}: no fixtures/ folder (expected ../shared/data)')
    if force and osp.isdir(out):
        shutil.rmtree(out)
    clips = [read_video_frames(osp.join(shared, 'videos', c)) for c in CLIPS]
    _prepare_ava(shared, out, clips)
    _prepare_multisports(shared, out, clips)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    here = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shared', default=osp.join(here, '..', 'shared', 'data'))
    parser.add_argument('--out', default=osp.join(here, 'data', 'fixtures'))
    parser.add_argument('--force', action='store_true', help='rebuild from scratch')
    args = parser.parse_args(argv)
    print(prepare_fixtures(osp.normpath(args.shared), args.out, args.force))


if __name__ == '__main__':
    main()
