"""MultiSports layout: videos, dense per-frame tubes in the ground-truth pickle and the AVA-style
frame-level CSV mmaction2 reads.

Files (under ``<out>/multisports/``)::

    trainval/<sport>/<video_id>.mp4                  written while rendering
    annotations/multisports_{train,val}.csv
        <sport>/<video_id>.mp4,frame,x1,y1,x2,y2,label,entity
    annotations/multisports_GT.pkl                   labels, gttubes, nframes, train_videos,
                                                     test_videos, resolution
    annotations/multisports_proposals_{train,val}.{pkl,json}
        {"<sport>/<video_id>.mp4,frame": [[x1, y1, x2, y2, score], ...]}

``<sport>`` is the group of the video's theme class. Frames are 1-based (mmaction2 reads them
with ``timestamp_start=1, fps=1``); CSV boxes are relative, labels 0-based (action id - 1) and one
row is written per annotated frame. A tube is a maximal run (>= ``MIN_TUBE`` frames) of one
label on one actor; ``gttubes[key][label]`` lists float32 arrays (T, 5) ``[frame, x1, y1, x2, y2]``
in pixels. Training CSV boxes get ``box_noise``; the pickle and validation files are clean.
"""

from __future__ import annotations

import os.path as osp

import numpy as np

from mmaction_plugins.datasets.proposals import save_proposals
from mmaction_plugins.datasets.synthetic.classes import CLASSES
from mmaction_plugins.datasets.synthetic.exporters.common import (
    VideoRecord,
    csv_text,
    jitter_box,
    rel_box,
    write_pickle,
)
from mmaction_plugins.datasets.synthetic.labels import true_runs
from mmaction_plugins.datasets.synthetic.presets import Knobs
from mmaction_plugins.utils.atomic_io import atomic_write_text

__all__ = ['MultiSportsExporter', 'MIN_TUBE', 'video_key']

MIN_TUBE = 8


def video_key(rec: VideoRecord) -> str:
    """``<sport>/<video_id>`` (the GT pickle key; the CSV and proposals append ``.mp4``)."""
    return f'{rec.sport}/{rec.scene.video_id}'


class MultiSportsExporter:
    """Collect videos, then write the MultiSports annotation files.

    Args:
        knobs: For the training box noise.
    """

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.rows: dict[str, list[tuple]] = {'train': [], 'val': []}
        self.proposals: dict[str, dict[str, np.ndarray]] = {'train': {}, 'val': {}}
        self.gttubes: dict[str, dict[int, list[np.ndarray]]] = {}
        self.nframes: dict[str, int] = {}
        self.resolution: dict[str, tuple[int, int]] = {}
        self.videos: dict[str, list[str]] = {'train': [], 'val': []}

    def add(self, rec: VideoRecord) -> None:
        """Add one video's tubes."""
        sc, ann = rec.scene, rec.ann
        key = video_key(rec)
        self.videos[rec.split].append(key)
        self.nframes[key] = sc.num_frames
        self.resolution[key] = (sc.height, sc.width)
        tubes: dict[int, list[np.ndarray]] = {}
        annotated = np.zeros(ann.visible.shape, dtype=bool)
        for c in range(len(CLASSES)):
            for a in range(len(sc.actors)):
                for s, e in true_runs(ann.labels[a, :, c]):
                    if e - s < MIN_TUBE:
                        continue
                    frames = np.arange(s, e)
                    tube = np.concatenate([frames[:, None] + 1.0, ann.boxes[a, s:e]], axis=1)
                    tubes.setdefault(c, []).append(tube.astype(np.float32))
                    annotated[a, s:e] = True
                    for t in frames:
                        box = ann.boxes[a, t]
                        if rec.split == 'train' and self.knobs.box_noise > 0:
                            box = jitter_box(rec.noise_rng, box, self.knobs.box_noise, sc.width,
                                             sc.height)
                        self.rows[rec.split].append(
                            (f'{key}.mp4', int(t) + 1, *rel_box(box, sc.width, sc.height), c, a))
        self.gttubes[key] = tubes
        for t in np.nonzero(annotated.any(axis=0))[0]:
            boxes = [[*rel_box(ann.boxes[a, t], sc.width, sc.height), 1.0]
                     for a in range(len(sc.actors)) if ann.visible[a, t]]
            self.proposals[rec.split][f'{key}.mp4,{int(t) + 1:04d}'] = np.asarray(
                boxes, dtype=np.float64)

    def write(self, root: str) -> list[str]:
        """Write every file under ``root/multisports/annotations``; returns their paths."""
        ann_dir = osp.join(root, 'multisports', 'annotations')
        paths = []
        for split in ('train', 'val'):
            rows = sorted(self.rows[split], key=lambda r: (r[0], r[1], r[7], r[6]))
            paths.append(osp.join(ann_dir, f'multisports_{split}.csv'))
            atomic_write_text(paths[-1], csv_text(rows))
            props = dict(sorted(self.proposals[split].items()))
            for ext in ('pkl', 'json'):  # legacy layout mmaction2 reads, and our safe one
                paths.append(osp.join(ann_dir, f'multisports_proposals_{split}.{ext}'))
                save_proposals(props, paths[-1])
        gt = {
            'labels': [c.name for c in CLASSES],
            'gttubes': {k: dict(sorted(v.items())) for k, v in sorted(self.gttubes.items())},
            'nframes': dict(sorted(self.nframes.items())),
            'train_videos': [sorted(self.videos['train'])],
            'test_videos': [sorted(self.videos['val'])],
            'resolution': dict(sorted(self.resolution.items())),
        }
        paths.append(osp.join(ann_dir, 'multisports_GT.pkl'))
        write_pickle(paths[-1], gt)
        return paths
