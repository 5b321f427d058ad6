"""Kinetics-TPS style layout: per-frame person boxes, 10 body-part boxes with part states, and one
action category per video.

Files (under ``<out>/tps/``)::

    annotations/{train,val}/<video_id>.json
    gt_vid_{train,val}.json     {video_id: category}                 the challenge scorer's
    gt_part_{train,val}.json    {video_id: {"img_00001.json": {"humans": [{"box": [4],
                                 "parts": {part: {"box": [4], "verb": state}}}]}}}   two GT files
    part_states.json        {part: [state, ...]}  (state ids index these lists)
    categories.txt          id: name              (the action classes that can be a category)
    {train,val}_list.txt    <video_id> <category_id>

A video json::

    {"video_id": ..., "category": "wave", "category_id": 17, "fps": 30, "num_frames": 360,
     "resolution": [144, 192], "video": "multisports/trainval/<sport>/<video_id>.mp4",
     "frames_dir": "ava/rawframes/<video_id>", "parts": [10 part names],
     "frames": [{"frame": 1, "persons": [{"person_id": 0, "box": [x1, y1, x2, y2],
                 "parts": [{"name": "head", "box": [...], "state": "turned", "state_id": 1},
                           ...]}]}, ...]}

Boxes are in pixels; frames are 1-based, every ``tps_stride``-th frame. The category is the class
the video was scripted around, or, if that never became a label, the most frequent non-pose label.
"""

from __future__ import annotations

import os.path as osp

import numpy as np

from mmaction_plugins.datasets.synthetic.classes import (
    CLASS_BY_NAME,
    CLASSES,
    PART_STATES,
    TPS_PARTS,
)
from mmaction_plugins.datasets.synthetic.exporters.common import VideoRecord, write_json_compact
from mmaction_plugins.datasets.synthetic.labels import TPS_PART_JOINTS, part_boxes
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

__all__ = ['TPSExporter', 'video_category', 'challenge_frames']

CATEGORIES = tuple(c for c in CLASSES if c.group != 'pose')


def video_category(rec_labels: np.ndarray, theme: str) -> str:
    """The theme if it was labelled at least once, else the most frequent non-pose label.

    Args:
        rec_labels: (A, T, C) labels of the video.
        theme: The scripted theme class.
    """
    counts = rec_labels.sum(axis=(0, 1))
    if counts[CLASS_BY_NAME[theme].id - 1] > 0:
        return theme
    best = max(CATEGORIES, key=lambda c: (int(counts[c.id - 1]), -c.id))
    return best.name


def challenge_frames(doc: dict) -> dict[str, dict]:
    """One video json -> the Kinetics-TPS scorer's frame layout (frames keyed ``img_XXXXX.json``).

    Frames without people are left out, as in the challenge's ground truth.
    """
    out = {}
    for fr in doc['frames']:
        if fr['persons']:
            out[f'img_{fr["frame"]:05d}.json'] = {'humans': [
                {'box': p['box'], 'parts': {q['name']: {'box': q['box'], 'verb': q['state']}
                                            for q in p['parts']}} for p in fr['persons']]}
    return out


def _box(b: np.ndarray) -> list[float]:
    return [round(float(v), 2) for v in b]


class TPSExporter:
    """Collect videos, then write the Kinetics-TPS style files.

    Args:
        stride: Annotate every ``stride``-th frame.
    """

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.videos: dict[str, dict[str, dict]] = {'train': {}, 'val': {}}

    def add(self, rec: VideoRecord, video_path: str) -> None:
        """Add one video (``video_path``: its mp4, relative to the output root)."""
        sc, ann = rec.scene, rec.ann
        frames = []
        for t in range(0, sc.num_frames, self.stride):
            persons = []
            for a in range(len(sc.actors)):
                if not ann.visible[a, t]:
                    continue
                boxes = part_boxes(sc, ann, a, t, TPS_PART_JOINTS)
                parts = []
                for p, name in enumerate(TPS_PARTS):
                    sid = int(ann.part_states[a, t, p])
                    parts.append({'name': name, 'box': _box(boxes[name]),
                                  'state': PART_STATES[name][sid], 'state_id': sid})
                persons.append({'person_id': a, 'box': _box(ann.boxes[a, t]), 'parts': parts})
            frames.append({'frame': t + 1, 'persons': persons})
        cat = CLASS_BY_NAME[rec.category]
        self.videos[rec.split][sc.video_id] = {
            'video_id': sc.video_id, 'category': cat.name, 'category_id': cat.id, 'fps': sc.fps,
            'num_frames': sc.num_frames, 'resolution': [sc.height, sc.width],
            'video': video_path, 'frames_dir': f'ava/rawframes/{sc.video_id}',
            'parts': list(TPS_PARTS), 'frames': frames}

    def write(self, root: str) -> list[str]:
        """Write the files under ``root/tps``; returns their paths."""
        base = osp.join(root, 'tps')
        paths = [osp.join(base, 'part_states.json'), osp.join(base, 'categories.txt')]
        atomic_write_json(paths[0], {k: list(v) for k, v in PART_STATES.items()})
        atomic_write_text(paths[1], ''.join(f'{c.id}: {c.name}\n' for c in CATEGORIES))
        for split, videos in self.videos.items():
            paths.append(osp.join(base, f'gt_vid_{split}.json'))
            atomic_write_json(paths[-1], {v: d['category'] for v, d in sorted(videos.items())})
            paths.append(osp.join(base, f'gt_part_{split}.json'))
            frames = {v: challenge_frames(d) for v, d in sorted(videos.items())}
            write_json_compact(paths[-1], frames)
            for vid, doc in sorted(videos.items()):
                paths.append(osp.join(base, 'annotations', split, f'{vid}.json'))
                write_json_compact(paths[-1], doc)
            paths.append(osp.join(base, f'{split}_list.txt'))
            atomic_write_text(paths[-1], ''.join(f'{vid} {doc["category_id"]}\n'
                                                 for vid, doc in sorted(videos.items())))
        return paths
