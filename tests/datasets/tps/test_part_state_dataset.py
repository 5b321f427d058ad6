"""TPSPartStateDataset: ground-truth persons, predicted persons and parts from a person-parts
file, the category input (ground truth or the recognizer's file), vocabulary checks."""

from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets.person_parts_file import PersonParts, save_person_parts
from mmaction_plugins.datasets.synthetic.classes import PART_STATES, TPS_PARTS
from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary, tps_frame_key

CATEGORIES = ('walk', 'run', 'jump', 'spin', 'kick ball', 'pick up box', 'open door', 'approach',
              'chase', 'talk', 'hand over', 'return', 'wait', 'wave', 'point', 'raise arm')


def _build(root: str, split: str = 'val', **kwargs):
    from mmaction.registry import DATASETS

    return DATASETS.build(dict(type='TPSPartStateDataset', data_root=root,
                               ann_file=f'tps/{split}_list.txt',
                               data_prefix=dict(ann=f'tps/annotations/{split}', img=''),
                               pipeline=[], **kwargs))


def _videos(root: str):
    vocab = load_tps_vocabulary(osp.join(root, 'tps', 'part_states.json'),
                                osp.join(root, 'tps', 'categories.txt'))
    return load_tps_split(osp.join(root, 'tps', 'val_list.txt'),
                          osp.join(root, 'tps', 'annotations', 'val'), vocab)


def test_ground_truth_persons_in_config_part_order(synthetic_tiny):
    root, _ = synthetic_tiny
    ds = _build(root, part_names=TPS_PARTS, part_states=PART_STATES, categories=CATEGORIES)
    videos = _videos(root)
    assert len(ds) == sum(len(f.persons) for v in videos for f in v.frames)
    assert ds.vocab.parts == TPS_PARTS  # the config's order, not the file's (sorted) keys
    file_order = tuple(json.load(open(osp.join(root, 'tps', 'part_states.json'))))
    assert _build(root).vocab.parts == file_order  # without part_names: the file's order
    info = ds.get_data_info(0)
    assert info['part_names'] == TPS_PARTS
    assert info['img_path'].endswith(f'img_{info["frame"]:05d}.jpg') and \
        osp.isfile(info['img_path'])
    assert info['category'] == info['gt_category'] == CATEGORIES.index('chase')
    raw = json.load(open(osp.join(root, 'tps', 'annotations', 'val', 'syn0002.json')))
    fr = next(f for f in raw['frames'] if f['frame'] == info['frame'])
    person = fr['persons'][info['person_index']]
    for part in person['parts']:
        k = TPS_PARTS.index(part['name'])
        assert info['part_states'][k] == part['state_id']
        np.testing.assert_allclose(info['frame_part_boxes'][k], part['box'], atol=1e-4)
    # part (state) pair ids for class-balanced samplers: offsets are the cumulative state counts
    offsets = np.cumsum([0] + [len(PART_STATES[p]) for p in TPS_PARTS])[:-1]
    assert ds.get_cat_ids(0) == (offsets + info['part_states']).tolist()
    assert ds.state_matrix().shape == (len(ds), 10)


def test_vocabulary_mismatch_names_the_file(synthetic_tiny):
    root, _ = synthetic_tiny
    states = dict(PART_STATES, head=('forward', 'turned', 'down'))
    with pytest.raises(ValueError, match=r'part_states\.json: part states .* differ'):
        _build(root, part_states=states)
    with pytest.raises(ValueError, match=r'categories\.txt: categories .* differ'):
        _build(root, categories=CATEGORIES[::-1])
    with pytest.raises(ValueError, match=r"part_states\.json: parts .* differ from the config's "
                                         'part_names'):
        _build(root, part_names=TPS_PARTS[:-1])


def test_category_file_feeds_the_predicted_category(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    pred = tmp_path / 'pred_vid.json'
    pred.write_text(json.dumps({'syn0002': 'wave', 'syn0003': 'jump'}))
    ds = _build(root, category_file=str(pred))
    cats = {ds.get_data_info(i)['video_id']: (ds.get_data_info(i)['category'],
                                              ds.get_data_info(i)['gt_category'])
            for i in range(len(ds))}
    assert cats['syn0002'] == (CATEGORIES.index('wave'), CATEGORIES.index('chase'))
    assert cats['syn0003'][0] == CATEGORIES.index('jump')
    pred.write_text(json.dumps({'syn0002': 'wave'}))
    with pytest.raises(ValueError, match=rf"{pred}: no category for videos \['syn0003'\]"):
        _build(root, category_file=str(pred))
    pred.write_text(json.dumps({'syn0002': 'wave', 'syn0003': 'dance'}))
    with pytest.raises(ValueError, match=r"'syn0003'.*unknown category 'dance'"):
        _build(root, category_file=str(pred))


def test_predicted_persons_and_parts(synthetic_tiny, tmp_path):
    """Detected persons come from a person-parts file (relative boxes; a part with score 0 is
    absent), in any part order, at most ``max_persons`` per frame, best first."""
    root, _ = synthetic_tiny
    videos = _videos(root)
    video = videos[0]
    fr = next(f for f in video.frames if len(f.persons) >= 2)
    key = tps_frame_key(video.video_id, fr.frame)
    scale = np.array([video.width, video.height] * 2, dtype=np.float64)
    order = list(TPS_PARTS[::-1])  # the detector's class order differs from the config's
    boxes = np.array([[*(p.box / scale), s] for p, s in zip(fr.persons, (0.4, 0.9))])[:2]
    parts = np.zeros((2, 10, 5))
    for i, p in enumerate(fr.persons[:2]):
        for j, name in enumerate(order):
            k = TPS_PARTS.index(name)
            parts[i, j] = [*(p.part_boxes[k] / scale), 0.8]
    parts[0, order.index('left_hand')] = 0  # not detected
    path = tmp_path / 'parts.npz'
    save_person_parts(PersonParts(boxes={key: boxes}, parts={key: parts},
                                  part_names=tuple(order)), path)
    ds = _build(root, person_parts_file=str(path), part_names=TPS_PARTS, max_persons=1)
    assert len(ds) == 1  # one frame predicted, one person kept (the best)
    info = ds.get_data_info(0)
    assert info['img_key'] == key and info['person_score'] == pytest.approx(0.9)
    np.testing.assert_allclose(info['person_box'], fr.persons[1].box, atol=1e-3)
    assert info['part_valid'].all() and (info['part_states'] == -1).all()
    ds = _build(root, person_parts_file=str(path), part_names=TPS_PARTS,
                person_score_thr=0.3)
    first = next(ds.get_data_info(i) for i in range(len(ds))
                 if ds.get_data_info(i)['person_score'] < 0.5)
    lh = TPS_PARTS.index('left_hand')
    assert not first['part_valid'][lh] and (first['frame_part_boxes'][lh] == 0).all()
    np.testing.assert_allclose(first['frame_part_boxes'][TPS_PARTS.index('torso')],
                               fr.persons[0].part_boxes[TPS_PARTS.index('torso')], atol=1e-3)
    assert first['part_scores'][lh] == 0 and first['part_scores'][0] == pytest.approx(0.8)
    bad = tmp_path / 'limbs.npz'
    save_person_parts(PersonParts(boxes={key: boxes}, parts={key: parts},
                                  part_names=tuple(f'p{i}' for i in range(10))), bad)
    with pytest.raises(ValueError, match=rf'{bad}: part_names .* must be the vocabulary parts'):
        _build(root, person_parts_file=str(bad))
