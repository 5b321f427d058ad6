"""Kinetics-TPS annotations: the synthetic export loads into arrays in vocabulary order, and
malformed entries raise errors that name the file and the key path / line."""

from __future__ import annotations

import json
import os.path as osp
import shutil

import numpy as np
import pytest

from mmaction_plugins.datasets.synthetic.classes import PART_STATES, TPS_PARTS
from mmaction_plugins.datasets.tps import (
    load_tps_categories,
    load_tps_split,
    load_tps_video,
    load_tps_vocabulary,
    parse_tps_frame_key,
    tps_frame_key,
    tps_frames,
)


def _vocab(root: str):
    return load_tps_vocabulary(osp.join(root, 'tps', 'part_states.json'),
                               osp.join(root, 'tps', 'categories.txt'))


def test_synthetic_export_loads(synthetic_tiny):
    root, manifest = synthetic_tiny
    vocab = _vocab(root)
    assert set(vocab.parts) == set(TPS_PARTS)
    assert {p: vocab.states[p] for p in TPS_PARTS} == PART_STATES
    assert vocab.categories[0] == 'walk' and len(vocab.categories) == 16
    videos = load_tps_split(osp.join(root, 'tps', 'val_list.txt'),
                            osp.join(root, 'tps', 'annotations', 'val'), vocab)
    assert [v.video_id for v in videos] == ['syn0002', 'syn0003']
    raw = json.load(open(osp.join(root, 'tps', 'annotations', 'val', 'syn0002.json')))
    video = videos[0]
    assert (video.height, video.width) == tuple(raw['resolution'])
    assert len(video.frames) == len(raw['frames'])
    fr = next(f for f in raw['frames'] if f['persons'])
    ours = next(f for f in video.frames if f.frame == fr['frame'])
    person = ours.persons[0]
    np.testing.assert_array_equal(person.box, fr['persons'][0]['box'])
    for part in fr['persons'][0]['parts']:
        k = vocab.parts.index(part['name'])
        np.testing.assert_array_equal(person.part_boxes[k], part['box'])
        assert person.part_states[k] == part['state_id']
    frames = list(tps_frames(videos, root))
    assert len(frames) == sum(len(v.frames) for v in videos)
    key, path = frames[0]
    assert parse_tps_frame_key(key) == ('syn0002', 1) and osp.isfile(path)
    assert tps_frame_key('syn0002', 16) == 'syn0002,0016'


def _broken_copy(root: str, tmp_path, edit) -> str:
    src = osp.join(root, 'tps', 'annotations', 'val', 'syn0002.json')
    doc = json.load(open(src))
    edit(doc)
    dst = tmp_path / 'syn0002.json'
    dst.write_text(json.dumps(doc))
    return str(dst)


def _first_person(doc):
    return next(f for f in doc['frames'] if f['persons'])['persons'][0]


@pytest.mark.parametrize('edit, match', [
    (lambda d: _first_person(d)['parts'][2].update(name='left_wing'),
     r"persons\[0\]\.parts\[2\]\.name: unknown part 'left_wing'"),
    (lambda d: _first_person(d)['parts'][0].update(state='sideways'),
     r"parts\[0\]\.state: 'sideways' is not a state of 'head'"),
    (lambda d: _first_person(d)['parts'][1].update(state_id=99),
     r"parts\[1\]\.state_id: 99 but state"),
    (lambda d: _first_person(d).update(box=[10, 10, 5, 20]),
     r"persons\[0\]\.box: expected \[x1, y1, x2, y2\]"),
    (lambda d: d.update(category='dance'), r"category: unknown category 'dance'"),
    (lambda d: d['frames'][1].update(frame=d['frames'][0]['frame']),
     r'frames\[1\]\.frame: 1 is outside 1\.\.360 or repeated'),
    (lambda d: d.pop('frames_dir'), 'missing "frames_dir"'),
])
def test_malformed_video_names_file_and_key(synthetic_tiny, tmp_path, edit, match):
    root, _ = synthetic_tiny
    path = _broken_copy(root, tmp_path, edit)
    with pytest.raises(ValueError, match=match) as err:
        load_tps_video(path, _vocab(root))
    assert path in str(err.value)


def test_malformed_list_and_vocabulary_name_file_and_line(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    cats = tmp_path / 'categories.txt'
    cats.write_text('4: walk\n5 run\n')
    with pytest.raises(ValueError, match=rf'{cats}:2: expected "<id>: <name>"'):
        load_tps_categories(cats)
    cats.write_text('4: walk\n5: walk\n')
    with pytest.raises(ValueError, match=rf"{cats}:2: category 'walk' twice"):
        load_tps_categories(cats)
    states = tmp_path / 'part_states.json'
    states.write_text(json.dumps({'head': ['forward']}))
    with pytest.raises(ValueError, match=rf"{states}: part 'head': needs a list of >= 2"):
        load_tps_vocabulary(states, osp.join(root, 'tps', 'categories.txt'))
    vocab = _vocab(root)
    ann = tmp_path / 'ann'
    shutil.copytree(osp.join(root, 'tps', 'annotations', 'val'), ann)
    lst = tmp_path / 'val_list.txt'
    lst.write_text('syn0002 13\nsyn0002 13\n')
    with pytest.raises(ValueError, match=rf"{lst}:2: video 'syn0002' listed twice"):
        load_tps_split(lst, ann, vocab)
    lst.write_text('syn0003\n')
    with pytest.raises(ValueError, match=rf'{lst}:1: expected "<video_id> <category id>"'):
        load_tps_split(lst, ann, vocab)
    with pytest.raises(ValueError, match='is not "video_id,frame"'):
        parse_tps_frame_key('syn0002-0001')
