"""The exports in their official layouts, read by this project's loaders, mmaction2's
``AVADataset``, pycocotools and the evaluation scorers (ground truth as predictions scores 1)."""

from __future__ import annotations

import csv
import json
import os
import os.path as osp

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401  (registers STADDataset)
from mmaction_plugins.datasets import STADDataset, load_proposals
from mmaction_plugins.datasets.synthetic import CLASSES, PART_STATES, TPS_PARTS
from mmaction_plugins.evaluation import evaluate_ava, evaluate_tps, frame_map, read_label_map
from mmaction_plugins.evaluation.multisports_gt import load_multisports_gt
from mmaction_plugins.utils.safe_pickle import safe_load_pickle


def _ann(root: str, *parts: str) -> str:
    return osp.join(root, 'ava', 'annotations', *parts)


def _rows(path: str) -> list[list[str]]:
    with open(path, encoding='utf-8') as f:
        return [r for r in csv.reader(f)]


def _ava_kwargs(root: str, split: str) -> dict:
    return dict(ann_file=_ann(root, f'ava_{split}.csv'), pipeline=[],
                label_file=_ann(root, 'ava_action_list.pbtxt'),
                exclude_file=_ann(root, f'ava_{split}_excluded_timestamps.csv'),
                proposal_file=_ann(root, f'ava_dense_proposals_{split}.pkl'),
                data_prefix=dict(img=osp.join(root, 'ava', 'rawframes')),
                num_classes=len(CLASSES) + 1)


def test_label_maps_agree(tiny):
    root, _ = tiny
    pbtxt = read_label_map(_ann(root, 'ava_action_list.pbtxt'))
    assert pbtxt == read_label_map(_ann(root, 'ava_label_map.txt'))
    assert pbtxt == {c.id: c.name for c in CLASSES}


def test_ava_csv_layout(tiny):
    root, manifest = tiny
    for split in ('train', 'val'):
        rows = _rows(_ann(root, f'ava_{split}.csv'))
        assert rows and all(len(r) == 8 for r in rows)
        for vid, ts, *box, action, person in rows:
            assert manifest['videos'][vid]['split'] == split
            assert len(ts) == 4 and 902 <= int(ts) <= 900 + 12 - 2
            x1, y1, x2, y2 = (float(v) for v in box)
            assert 0 <= x1 < x2 <= 1 and 0 <= y1 < y2 <= 1
            assert all(len(v.split('.')[1]) == 3 for v in box)
            assert 1 <= int(action) <= len(CLASSES) and int(person) >= 0
        # one pose label per annotated person and keyframe
        poses: dict[tuple, int] = {}
        for vid, ts, *_, action, person in rows:
            poses[(vid, ts, person)] = poses.get((vid, ts, person), 0) + (int(action) <= 3)
        assert set(poses.values()) == {1}
    for vid, ts in _rows(_ann(root, 'ava_val_excluded_timestamps.csv')):
        assert manifest['videos'][vid]['split'] == 'val' and len(ts) == 4


def test_stad_dataset_and_mmaction_avadataset_read_the_same(tiny):
    from mmaction.datasets import AVADataset

    root, _ = tiny
    for split in ('train', 'val'):
        kwargs = _ava_kwargs(root, split)
        ours, theirs = STADDataset(**kwargs), AVADataset(**kwargs)
        assert len(ours) == len(theirs) > 0
        for i in range(len(ours)):
            a, b = ours.get_data_info(i), theirs.get_data_info(i)
            assert a['img_key'] == b['img_key']
            np.testing.assert_allclose(a['proposals'], b['proposals'])
            np.testing.assert_array_equal(a['gt_labels'], b['gt_labels'])
            assert a['gt_labels'][:, 1:4].sum(axis=1).tolist() == [1] * len(a['gt_labels'])


@pytest.fixture
def mmaction_scope():
    """Transforms are looked up in mmaction's registry (as configs do with default_scope)."""
    from mmaction.utils import register_all_modules

    register_all_modules(init_default_scope=True)


def test_ava_pipeline_decodes_a_full_clip(tiny, mmaction_scope):
    root, _ = tiny
    kwargs = _ava_kwargs(root, 'val')
    kwargs['pipeline'] = [dict(type='SampleAVAFrames', clip_len=32, frame_interval=2,
                               test_mode=True), dict(type='RawFrameDecode')]
    ds = STADDataset(**kwargs)
    for i in (0, len(ds) - 1):  # the first and last keyframes: clips reach the video's ends
        out = ds[i]
        assert len(out['imgs']) == 32 and out['imgs'][0].shape == (144, 192, 3)


def test_proposals_pkl_and_json_agree_with_the_csv(tiny):
    root, _ = tiny
    for split in ('train', 'val'):
        pkl = load_proposals(_ann(root, f'ava_dense_proposals_{split}.pkl'))
        js = load_proposals(_ann(root, f'ava_dense_proposals_{split}.json'))
        raw = safe_load_pickle(_ann(root, f'ava_dense_proposals_{split}.pkl'))
        assert type(raw) is dict and all(type(v) is np.ndarray for v in raw.values())
        assert pkl.keys() == js.keys()
        for k in pkl:
            np.testing.assert_array_equal(pkl[k], js[k])
            assert (pkl[k][:, 4] == 1.0).all()
        if split == 'val':  # validation boxes are clean: the proposals are exactly the GT boxes
            gt = {(f'{r[0]},{r[1]}', tuple(float(v) for v in r[2:6]))
                  for r in _rows(_ann(root, 'ava_val.csv'))}
            props = {(k, tuple(b[:4])) for k, v in pkl.items() for b in v}
            assert gt <= props


def _det_csv(path: str, rows: list[list[str]], jitter: float = 0.0) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        for r in rows:
            box = [float(v) for v in r[2:6]]
            if jitter:
                w = box[2] - box[0]
                box = [min(1.0, v + jitter * w) for v in box[:1]] + box[1:2] + \
                    [min(1.0, box[2] + jitter * w)] + box[3:]
            f.write(','.join([r[0], r[1], *(f'{v:.3f}' for v in box), r[6], '1.0']) + '\n')


def test_ava_gt_as_predictions_scores_one(tiny, tmp_path):
    root, _ = tiny
    gt = _ann(root, 'ava_val.csv')
    rows = _rows(gt)
    excl = _ann(root, 'ava_val_excluded_timestamps.csv')
    lm = _ann(root, 'ava_action_list.pbtxt')
    _det_csv(tmp_path / 'perfect.csv', rows)
    result = evaluate_ava(gt, tmp_path / 'perfect.csv', lm, excl)
    assert result.mAP == pytest.approx(1.0)
    # shifted boxes (IoU < 0.5) on every other row, and random class swaps: lower
    shifted = [r for i, r in enumerate(rows) if i % 2] + \
        [r[:2] + [str(min(1.0, float(r[2]) + 0.7 * (float(r[4]) - float(r[2])))), r[3],
                  str(min(1.0, float(r[4]) + 0.7 * (float(r[4]) - float(r[2])))), r[5], r[6], r[7]]
         for i, r in enumerate(rows) if not i % 2]
    _det_csv(tmp_path / 'shifted.csv', shifted)
    assert evaluate_ava(gt, tmp_path / 'shifted.csv', lm, excl).mAP < 0.95
    rng = np.random.default_rng(0)
    swapped = [r[:6] + [str(rng.integers(1, len(CLASSES) + 1))] + r[7:] for r in rows]
    _det_csv(tmp_path / 'swapped.csv', swapped)
    assert evaluate_ava(gt, tmp_path / 'swapped.csv', lm, excl).mAP < 0.9


def test_multisports_layout_and_gt(tiny):
    import decord

    root, manifest = tiny
    ann = osp.join(root, 'multisports', 'annotations')
    gt = load_multisports_gt(osp.join(ann, 'multisports_GT.pkl'))
    assert gt['labels'] == [c.name for c in CLASSES]
    keys = gt['train_videos'][0] + gt['test_videos'][0]
    assert sorted(keys) == sorted(gt['nframes']) == sorted(gt['gttubes'])
    for key in keys:
        vid = key.split('/')[1]
        assert key.split('/')[0] == manifest['videos'][vid]['sport']
        reader = decord.VideoReader(osp.join(root, 'multisports', 'trainval', f'{key}.mp4'))
        assert len(reader) == gt['nframes'][key] and gt['resolution'][key] == (144, 192)
        for label, tubes in gt['gttubes'][key].items():
            assert 0 <= label < len(CLASSES)
            for tube in tubes:
                assert tube.dtype == np.float32 and tube.shape[1] == 5 and len(tube) >= 8
                assert (np.diff(tube[:, 0]) == 1).all() and 1 <= tube[0, 0]
                assert tube[-1, 0] <= gt['nframes'][key]
    rows = _rows(osp.join(ann, 'multisports_val.csv'))
    tube_frames = sum(len(t) for k in gt['test_videos'][0] for ts in gt['gttubes'][k].values()
                      for t in ts)
    assert len(rows) == tube_frames  # one CSV row per tube frame


def test_multisports_loads_in_stad_dataset_and_decodes(tiny, mmaction_scope):
    root, _ = tiny
    ann = osp.join(root, 'multisports', 'annotations')
    ds = STADDataset(ann_file=osp.join(ann, 'multisports_val.csv'),
                     pipeline=[dict(type='DecordInit'),
                               dict(type='SampleAVAFrames', clip_len=8, frame_interval=2,
                                    test_mode=True), dict(type='DecordDecode')],
                     proposal_file=osp.join(ann, 'multisports_proposals_val.pkl'),
                     data_prefix=dict(img=osp.join(root, 'multisports', 'trainval')),
                     num_classes=len(CLASSES) + 1, timestamp_start=1, start_index=0,
                     use_frames=False, fps=1)
    assert len(ds) > 0
    info = ds.get_data_info(0)
    assert info['proposals'].shape[1] == 4 and info['gt_bboxes'].shape[1] == 4
    assert len(ds[len(ds) - 1]['imgs']) == 8


def test_multisports_gt_as_frame_detections_scores_one(tiny):
    root, _ = tiny
    gt = load_multisports_gt(osp.join(root, 'multisports', 'annotations', 'multisports_GT.pkl'))
    dets = [[i, row[0], label, 1.0, *row[1:]]
            for i, key in enumerate(gt['test_videos'][0])
            for label, tubes in gt['gttubes'][key].items() for t in tubes for row in t]
    dets_arr = np.asarray(dets, dtype=np.float64)
    assert frame_map(gt, dets_arr) == pytest.approx(100.0)  # frame-mAP in percent
    worse = dets_arr.copy()
    worse[::2, 4:] += 40.0  # half the boxes moved far away
    assert frame_map(gt, worse) < 90.0


def test_coco_files_load_and_score_one(tiny):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    root, _ = tiny
    for name, iou_type in (('person_keypoints_val.json', 'keypoints'),
                           ('person_keypoints_val.json', 'bbox'), ('body_parts_val.json', 'bbox')):
        coco = COCO(osp.join(root, 'coco', name))
        anns = coco.loadAnns(coco.getAnnIds())
        assert anns
        for img in coco.loadImgs(coco.getImgIds()):
            assert osp.isfile(osp.join(root, 'ava', 'rawframes', img['file_name']))
        if iou_type == 'keypoints':
            cat = coco.loadCats(1)[0]
            assert len(cat['keypoints']) == 17 and cat['keypoints'][0] == 'nose'
            for a in anns:
                assert len(a['keypoints']) == 51
                assert a['num_keypoints'] == sum(v > 0 for v in a['keypoints'][2::3])
        results = [dict(a, score=1.0) for a in anns if iou_type == 'bbox' or
                   a['num_keypoints'] > 0]
        dt = coco.loadRes(results)
        ev = COCOeval(coco, dt, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        assert ev.stats[0] == pytest.approx(1.0), (name, iou_type)
    parts = COCO(osp.join(root, 'coco', 'body_parts_val.json'))
    assert [c['name'] for c in parts.loadCats(parts.getCatIds())][:2] == ['head', 'torso']


def test_tps_files_and_scorer(tiny):
    root, manifest = tiny
    base = osp.join(root, 'tps')
    with open(osp.join(base, 'part_states.json'), encoding='utf-8') as f:
        assert json.load(f) == {k: list(v) for k, v in PART_STATES.items()}
    for split in ('train', 'val'):
        names = sorted(os.listdir(osp.join(base, 'annotations', split)))
        vids = [v for v, d in manifest['videos'].items() if d['split'] == split]
        assert names == sorted(f'{v}.json' for v in vids)
        with open(osp.join(base, 'annotations', split, names[0]), encoding='utf-8') as f:
            doc = json.load(f)
        assert doc['category'] == manifest['videos'][doc['video_id']]['tps_category']
        person = next(p for fr in doc['frames'] for p in fr['persons'])
        assert [q['name'] for q in person['parts']] == list(TPS_PARTS)
        assert all(q['state'] == PART_STATES[q['name']][q['state_id']] for q in person['parts'])
    with open(osp.join(base, 'gt_vid_val.json'), encoding='utf-8') as f:
        gt_vid = json.load(f)
    with open(osp.join(base, 'gt_part_val.json'), encoding='utf-8') as f:
        gt_part = json.load(f)
    perfect = evaluate_tps(gt_vid, gt_part, gt_vid, gt_part)
    assert perfect.area == pytest.approx(0.9999) and set(perfect.psc.values()) == {1.0}
    wrong = {v: 'jump' if c != 'jump' else 'spin' for v, c in gt_vid.items()}
    assert evaluate_tps(gt_vid, gt_part, wrong, gt_part).area == 0.0


def test_contact_sheet_and_manifest(tiny):
    import cv2

    root, manifest = tiny
    sheet = cv2.imread(osp.join(root, 'contact_sheet.png'))
    assert sheet is not None and sheet.shape == (2 * 144 * 3, 3 * 192 * 3, 3)
    listed = set(manifest['files'])
    on_disk = {osp.relpath(osp.join(d, n), root).replace(os.sep, '/')
               for d, _, names in os.walk(root) for n in names} - {'manifest.json'}
    assert listed == on_disk
    text = open(osp.join(root, 'manifest.json'), encoding='utf-8').read()
    assert root not in text and '/tmp' not in text
