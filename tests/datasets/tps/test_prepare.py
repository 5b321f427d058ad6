"""The TPS chain's training data: COCO humans and the 10 TPS parts (not the limb segments of the
synthetic COCO export), person crops for the top-down part detector, the video lists."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np

from mmaction_plugins.datasets.person_crops import boxes_from_crop
from mmaction_plugins.datasets.synthetic.classes import TPS_PARTS
from mmaction_plugins.datasets.tps.prepare import main


def test_prepare_writes_the_chain_data(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    out = tmp_path / 'prep'
    stats = main(['--root', root, '--out', str(out), '--splits', 'val'])
    humans = json.load(open(out / 'coco' / 'humans_val.json'))
    parts = json.load(open(out / 'coco' / 'tps_parts_val.json'))
    docs = {osp.splitext(f)[0]: json.load(open(osp.join(root, 'tps', 'annotations', 'val', f)))
            for f in ('syn0002.json', 'syn0003.json')}
    n_frames = sum(len(d['frames']) for d in docs.values())
    n_persons = sum(len(f['persons']) for d in docs.values() for f in d['frames'])
    assert len(humans['images']) == n_frames  # frames without people kept (negatives)
    assert len(humans['annotations']) == n_persons == stats['val']['crops']
    assert {c['name'] for c in parts['categories']} == set(TPS_PARTS)
    img = humans['images'][0]
    assert osp.isfile(osp.join(root, img['file_name']))
    # a part annotation is the TPS box of that person, as COCO xywh
    ann = parts['annotations'][0]
    frame = next(f for f in docs[img['video_id']]['frames'] if f['frame'] ==
                 next(i for i in humans['images'] if i['id'] == ann['image_id'])['frame'])
    person = next(p for p in frame['persons'] if p['person_id'] == ann['person_id'])
    box = next(q['box'] for q in person['parts'] if q['name'] == ann['part'])
    np.testing.assert_allclose(ann['bbox'], [box[0], box[1], box[2] - box[0], box[3] - box[1]],
                               atol=2e-3)
    # the person crops carry the parts in crop pixels, mapped back exactly by the crop origin
    crops = json.load(open(out / 'part_crops' / 'annotations' / 'val.json'))
    assert {c['name'] for c in crops['categories']} == set(TPS_PARTS)
    c_img = crops['images'][0]
    c_ann = next(a for a in crops['annotations'] if a['image_id'] == c_img['id'])
    x, y, w, h = c_ann['bbox']
    back = boxes_from_crop([x, y, x + w, y + h], c_img['crop_xyxy'])
    src = next(a for a in parts['annotations'] if a['image_id'] == c_img['source_image_id']
               and a['person_id'] == c_img['person_id'] and a['part'] == c_ann['part'])
    sx, sy, sw, sh = src['bbox']
    np.testing.assert_allclose(back, [sx, sy, sx + sw, sy + sh], atol=2e-3)
    assert osp.isfile(out / 'part_crops' / 'images' / c_img['file_name'])
    # RawframeDataset lines: frames_dir, number of frames, category index (categories.txt order)
    cats = [line.split(': ')[1].strip() for line in open(osp.join(root, 'tps',
                                                                   'categories.txt'))]
    lines = (out / 'videos_val.txt').read_text().splitlines()
    assert lines[0] == f'ava/rawframes/syn0002 360 {cats.index(docs["syn0002"]["category"])}'
