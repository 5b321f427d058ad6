"""Training data of the Kinetics-TPS chain from a TPS layout: human / part COCO files, the
top-down part detector's person crops, and the video recognizer's frame lists.

The synthetic benchmark has two body-part vocabularies: its COCO export (``coco/body_parts_*``,
what the stage-one body-part configs train on) uses *limb segments* (upper arm, forearm, thigh,
shin), while the Kinetics-TPS part states are defined on the 10 TPS parts (head, torso, left/right
arm, hand, leg, foot), as in the real dataset. The part-state network needs a box for each part
it classifies, so **the TPS chain detects the 10 TPS parts**: this module writes their boxes (from
``tps/annotations``) as a COCO body-part file, and the TPS part-detector configs
(``configs/kinetics_tps/cascade-rcnn_*_tps-parts.py``) train on its person crops. Nothing is
derived from the limb boxes (a hand box is not recoverable from a forearm box: its size and the
end it sits at are not in the limb box).

Written under ``OUT`` (default ``ROOT/tps_prepared``)::

    coco/humans_<split>.json       COCO persons of every annotated TPS frame (images without
                                   people kept), with person_id; file names relative to ROOT
    coco/tps_parts_<split>.json    the 10 TPS part boxes, categories in vocabulary order,
                                   each with the person_id of its person
    part_crops/images/<split>/...  person crops (make_person_crops, scale --crop-scale)
    part_crops/annotations/<split>.json
    videos_<split>.txt             "<frames_dir> <num_frames> <category index>" (mmaction2's
                                   RawframeDataset, data_prefix ROOT, filename_tmpl img_{:05}.jpg)

Command line::

    python -m mmaction_plugins.datasets.tps.prepare --root data/synthetic/small \\
        [--out DIR] [--splits train val] [--crop-scale 1.25]
"""

from __future__ import annotations

import argparse
import os.path as osp
from collections.abc import Sequence
from typing import Any

from mmaction_plugins.datasets.person_crops import DEFAULT_SCALE, make_person_crops
from mmaction_plugins.datasets.tps.annotations import (
    TPSVideo,
    TPSVocabulary,
    load_tps_split,
    load_tps_vocabulary,
)
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

__all__ = ['tps_coco', 'video_list', 'prepare_tps', 'main']


def _xywh(box: Any) -> list[float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)]


def tps_coco(videos: Sequence[TPSVideo], vocab: TPSVocabulary, filename_tmpl: str = 'img_{:05d}.jpg'
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """COCO ``(humans, parts)`` of the annotated frames (layout in the module docstring).

    Parts without a state (not annotated) and degenerate boxes (zero width or height) are left
    out of the part file.
    """
    images: list[dict[str, Any]] = []
    humans: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    for video in videos:
        for fr in video.frames:
            image_id = len(images) + 1
            images.append(dict(id=image_id, width=video.width, height=video.height,
                               file_name=osp.join(video.frames_dir,
                                                  filename_tmpl.format(fr.frame)),
                               video_id=video.video_id, frame=fr.frame))
            for person in fr.persons:
                xywh = _xywh(person.box)
                humans.append(dict(id=len(humans) + 1, image_id=image_id, category_id=1,
                                   bbox=xywh, area=round(xywh[2] * xywh[3], 3), iscrowd=0,
                                   person_id=person.person_id))
                for k, name in enumerate(vocab.parts):
                    pb = _xywh(person.part_boxes[k])
                    if person.part_states[k] < 0 or pb[2] <= 0 or pb[3] <= 0:
                        continue
                    parts.append(dict(id=len(parts) + 1, image_id=image_id, category_id=k + 1,
                                      bbox=pb, area=round(pb[2] * pb[3], 3), iscrowd=0,
                                      person_id=person.person_id, part=name))
    human_doc = dict(images=images, annotations=humans,
                     categories=[dict(id=1, name='person')])
    part_doc = dict(images=images, annotations=parts,
                    categories=[dict(id=k + 1, name=n) for k, n in enumerate(vocab.parts)])
    return human_doc, part_doc


def video_list(videos: Sequence[TPSVideo], vocab: TPSVocabulary) -> str:
    """``"<frames_dir> <num_frames> <category index>"`` lines (RawframeDataset)."""
    return ''.join(f'{v.frames_dir} {v.num_frames} '
                   f'{vocab.category_index(v.category, v.source)}\n' for v in videos)


def prepare_tps(root: str, out: str | None = None, splits: Sequence[str] = ('train', 'val'),
                crop_scale: float = DEFAULT_SCALE) -> dict[str, dict[str, int]]:
    """Write everything listed in the module docstring; returns the crop counts per split."""
    out = out or osp.join(root, 'tps_prepared')
    tps = osp.join(root, 'tps')
    vocab = load_tps_vocabulary(osp.join(tps, 'part_states.json'),
                                osp.join(tps, 'categories.txt'))
    stats = {}
    for split in splits:
        videos = load_tps_split(osp.join(tps, f'{split}_list.txt'),
                                osp.join(tps, 'annotations', split), vocab)
        human_doc, part_doc = tps_coco(videos, vocab)
        human_json = osp.join(out, 'coco', f'humans_{split}.json')
        part_json = osp.join(out, 'coco', f'tps_parts_{split}.json')
        atomic_write_json(human_json, human_doc, indent=None)
        atomic_write_json(part_json, part_doc, indent=None)
        atomic_write_text(osp.join(out, f'videos_{split}.txt'), video_list(videos, vocab))
        stats[split] = make_person_crops(human_json, part_json, root, osp.join(out, 'part_crops'),
                                         split, scale=crop_scale)
    return stats


def main(argv: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description='Kinetics-TPS chain training data')
    parser.add_argument('--root', required=True, help='data root holding tps/')
    parser.add_argument('--out', default=None, help='default: ROOT/tps_prepared')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--crop-scale', type=float, default=DEFAULT_SCALE)
    args = parser.parse_args(argv)
    stats = prepare_tps(args.root, args.out, args.splits, args.crop_scale)
    for split, s in stats.items():
        print(f'{split}: {s["crops"]} person crops, {s["parts"]} TPS parts '
              f'({s["truncated_parts"]} truncated, {s["dropped_parts"]} dropped)')
    return stats


if __name__ == '__main__':
    main()
