"""Label maps in the official pbtxt form and the ``id: name`` text form."""

from __future__ import annotations

import os.path as osp

import pytest

from mmaction_plugins.evaluation.label_map import read_label_map
from tests.conftest import needs_shared


def _official_read_labelmap(lines):
    """The official ActivityNet ``read_labelmap`` (ava_evaluation), verbatim in behaviour."""
    labelmap, class_ids, name = [], set(), ''
    for line in lines:
        if line.startswith('  name:'):
            name = line.split('"')[1]
        elif line.startswith('  id:') or line.startswith('  label_id:'):
            class_id = int(line.strip().split(' ')[-1])
            labelmap.append({'id': class_id, 'name': name})
            class_ids.add(class_id)
    return labelmap, class_ids


@needs_shared
def test_pbtxt_matches_official_reader(shared_data):
    path = osp.join(shared_data, 'fixtures', 'ava_action_list_v2.1.pbtxt')
    with open(path) as f:
        official, ids = _official_read_labelmap(f.readlines())
    ours = read_label_map(path)
    assert set(ours) == ids and len(ours) == 60
    assert ours == {d['id']: d['name'] for d in official}


@needs_shared
def test_text_form_equals_pbtxt(shared_data):
    a = read_label_map(osp.join(shared_data, 'fixtures', 'ava_action_list_v2.1.pbtxt'))
    b = read_label_map(osp.join(shared_data, 'fixtures', 'ava_label_map.txt'))
    assert a == b
    ms = read_label_map(osp.join(shared_data, 'fixtures', 'multisports_label_map.txt'))
    assert len(ms) == 66 and ms[0] == 'aerobic_push_up'


def test_bad_text_row_names_line(tmp_path):
    p = tmp_path / 'map.txt'
    p.write_text('1: walk\n2 run\n')
    with pytest.raises(ValueError, match=r'map\.txt:2'):
        read_label_map(p)


def test_duplicate_and_empty(tmp_path):
    p = tmp_path / 'map.txt'
    p.write_text('1: walk\n1: run\n')
    with pytest.raises(ValueError, match='twice'):
        read_label_map(p)
    p.write_text('\n')
    with pytest.raises(ValueError, match='no classes'):
        read_label_map(p)
