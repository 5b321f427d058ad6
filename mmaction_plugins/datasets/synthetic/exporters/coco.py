"""COCO layout for detector and pose training: person boxes with COCO-17 keypoints, and body-part
boxes.

Files (under ``<out>/coco/``)::

    person_keypoints_{train,val}.json   category "person" with keypoints (17 x [x, y, v]) and
                                        num_keypoints; bbox xywh; area; iscrowd 0
    body_parts_{train,val}.json         10 part categories (head, torso, upper arms, forearms,
                                        thighs, shins), same images

Images are every ``coco_stride``-th frame (frames without people included), with ``file_name``
``<video_id>/img_XXXXX.jpg`` relative to ``<out>/ava/rawframes``. Keypoint visibility: 2 visible,
1 occluded by a nearer actor or on the far side of the head, 0 outside the frame (x = y = 0).
Every annotation also carries ``person_id`` (the actor) and each image ``video_id`` and ``frame``.
"""

from __future__ import annotations

import os.path as osp

import numpy as np

from mmaction_plugins.datasets.synthetic.actors import COCO_KEYPOINTS, SKELETON_EDGES
from mmaction_plugins.datasets.synthetic.exporters.common import VideoRecord, write_json_compact
from mmaction_plugins.datasets.synthetic.labels import COCO_PARTS, keypoint_visibility, part_boxes

__all__ = ['COCOExporter']


def _xywh(box: np.ndarray) -> list[float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)]


class COCOExporter:
    """Collect videos, then write the two COCO json files per split.

    Args:
        stride: Export every ``stride``-th frame.
    """

    def __init__(self, stride: int) -> None:
        self.stride = stride
        self.images: dict[str, list[dict]] = {'train': [], 'val': []}
        self.people: dict[str, list[dict]] = {'train': [], 'val': []}
        self.parts: dict[str, list[dict]] = {'train': [], 'val': []}

    def add(self, rec: VideoRecord) -> None:
        """Add one video's sampled frames."""
        sc, ann = rec.scene, rec.ann
        images, people, parts = self.images[rec.split], self.people[rec.split], \
            self.parts[rec.split]
        for t in range(0, sc.num_frames, self.stride):
            image_id = len(images) + 1
            images.append({'id': image_id, 'file_name': f'{sc.video_id}/img_{t + 1:05d}.jpg',
                           'width': sc.width, 'height': sc.height, 'video_id': sc.video_id,
                           'frame': t + 1})
            vis = keypoint_visibility(sc, ann, t)
            for a in range(len(sc.actors)):
                if not ann.visible[a, t]:
                    continue
                kps: list[float] = []
                for k in range(len(COCO_KEYPOINTS)):
                    v = int(vis[a, k])
                    x, y = (float(c) for c in ann.joints[a, t, k, :2])
                    kps += [round(x, 2), round(y, 2), v] if v else [0, 0, 0]
                bbox = _xywh(ann.boxes[a, t])
                people.append({'id': len(people) + 1, 'image_id': image_id, 'category_id': 1,
                               'bbox': bbox, 'area': round(bbox[2] * bbox[3], 2), 'iscrowd': 0,
                               'keypoints': kps, 'num_keypoints': int((vis[a] > 0).sum()),
                               'person_id': a})
                for c, (name, box) in enumerate(part_boxes(sc, ann, a, t, COCO_PARTS).items()):
                    pb = _xywh(box)
                    if pb[2] <= 0 or pb[3] <= 0:
                        continue
                    parts.append({'id': len(parts) + 1, 'image_id': image_id,
                                  'category_id': c + 1, 'bbox': pb,
                                  'area': round(pb[2] * pb[3], 2), 'iscrowd': 0,
                                  'person_id': a, 'part': name})

    def write(self, root: str) -> list[str]:
        """Write the json files under ``root/coco``; returns their paths."""
        person_cat = [{'id': 1, 'name': 'person', 'supercategory': 'person',
                       'keypoints': list(COCO_KEYPOINTS),
                       'skeleton': [list(e) for e in SKELETON_EDGES]}]
        part_cats = [{'id': i + 1, 'name': n, 'supercategory': 'body_part'}
                     for i, n in enumerate(COCO_PARTS)]
        paths = []
        for split in ('train', 'val'):
            info = {'description': f'synthetic STAD benchmark, {split} split',
                    'image_root': 'ava/rawframes'}
            paths.append(osp.join(root, 'coco', f'person_keypoints_{split}.json'))
            write_json_compact(paths[-1], {'info': info, 'images': self.images[split],
                                           'annotations': self.people[split],
                                           'categories': person_cat})
            paths.append(osp.join(root, 'coco', f'body_parts_{split}.json'))
            write_json_compact(paths[-1], {'info': info, 'images': self.images[split],
                                           'annotations': self.parts[split],
                                           'categories': part_cats})
        return paths
