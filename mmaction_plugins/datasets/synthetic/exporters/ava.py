"""AVA layout: raw frames, train/val CSVs at one keyframe per second, exclusions, label maps and
ground-truth person boxes as proposals.

Files (under ``<out>/ava/``)::

    rawframes/<video_id>/img_00001.jpg ...            written while rendering (30 fps)
    annotations/ava_{train,val}.csv     video_id,timestamp,x1,y1,x2,y2,action_id,person_id
    annotations/ava_{train,val}_excluded_timestamps.csv  video_id,timestamp
    annotations/ava_action_list.pbtxt                  item { name: "..." id: N }
    annotations/ava_label_map.txt                      id: name
    annotations/ava_dense_proposals_{train,val}.{pkl,json}
                                        {"video_id,timestamp": [[x1, y1, x2, y2, score], ...]}

Timestamps count seconds from ``TIMESTAMP_START`` = 900 as in AVA; keyframe second ``s`` is frame
``(s - 900) * 30 + 1``. Boxes are relative (0..1, 3 decimals), one row per (person, action),
action ids 1-based, person ids 0-based. Proposals are the clean ground-truth boxes with score 1.0
(a plain dict of float64 arrays; keyframes without people are left out, like detector output).
"""

from __future__ import annotations

import os.path as osp

import numpy as np

from mmaction_plugins.datasets.proposals import save_proposals
from mmaction_plugins.datasets.synthetic.classes import label_map_pbtxt, label_map_text
from mmaction_plugins.datasets.synthetic.exporters.common import (
    VideoRecord,
    csv_text,
    jitter_box,
    keyframes,
    rel_box,
)
from mmaction_plugins.datasets.synthetic.presets import Knobs
from mmaction_plugins.utils.atomic_io import atomic_write_text

__all__ = ['AVAExporter']


class AVAExporter:
    """Collect videos, then write the AVA annotation files.

    Args:
        knobs: For the training-annotation noise (``box_noise``, ``label_noise``).
    """

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.rows: dict[str, list[tuple]] = {'train': [], 'val': []}
        self.excluded: dict[str, list[tuple]] = {'train': [], 'val': []}
        self.proposals: dict[str, dict[str, np.ndarray]] = {'train': {}, 'val': {}}

    def add(self, rec: VideoRecord) -> None:
        """Add one video's keyframes."""
        sc, ann = rec.scene, rec.ann
        noisy = rec.split == 'train'
        for ts, t in keyframes(sc):
            key = f'{sc.video_id},{ts:04d}'
            if ann.excluded[t]:
                self.excluded[rec.split].append((sc.video_id, f'{ts:04d}'))
            props = []
            for a in range(len(sc.actors)):
                if not ann.visible[a, t]:
                    continue
                clean = rel_box(ann.boxes[a, t], sc.width, sc.height)
                props.append([*clean, 1.0])
                box = clean
                if noisy and self.knobs.box_noise > 0:
                    box = rel_box(jitter_box(rec.noise_rng, ann.boxes[a, t], self.knobs.box_noise,
                                             sc.width, sc.height), sc.width, sc.height)
                for c in np.nonzero(ann.labels[a, t])[0]:
                    if noisy and rec.noise_rng.random() < self.knobs.label_noise:
                        continue
                    self.rows[rec.split].append(
                        (sc.video_id, f'{ts:04d}', *box, int(c) + 1, a))
            if props:
                self.proposals[rec.split][key] = np.asarray(props, dtype=np.float64)

    def write(self, root: str) -> list[str]:
        """Write every file under ``root/ava/annotations``; returns their paths."""
        ann_dir = osp.join(root, 'ava', 'annotations')
        paths = []
        for split in ('train', 'val'):
            rows = sorted(self.rows[split], key=lambda r: (r[0], r[1], r[7], r[6]))
            paths.append(osp.join(ann_dir, f'ava_{split}.csv'))
            atomic_write_text(paths[-1], csv_text(rows))
            paths.append(osp.join(ann_dir, f'ava_{split}_excluded_timestamps.csv'))
            atomic_write_text(paths[-1], csv_text(sorted(self.excluded[split])))
            props = dict(sorted(self.proposals[split].items()))
            for ext in ('pkl', 'json'):  # legacy layout mmaction2 reads, and our safe one
                paths.append(osp.join(ann_dir, f'ava_dense_proposals_{split}.{ext}'))
                save_proposals(props, paths[-1])
        paths.append(osp.join(ann_dir, 'ava_action_list.pbtxt'))
        atomic_write_text(paths[-1], label_map_pbtxt())
        paths.append(osp.join(ann_dir, 'ava_label_map.txt'))
        atomic_write_text(paths[-1], label_map_text())
        return paths
