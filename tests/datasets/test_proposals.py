"""Proposal files: legacy pickle (restricted), json and npz layouts, with validation."""

from __future__ import annotations

import json
import os.path as osp
import pickle

import numpy as np
import pytest

from mmaction_plugins.datasets.proposals import load_proposals
from mmaction_plugins.utils.safe_pickle import UnsafePickleError
from tests.conftest import needs_shared

PROPS = {'vid_a,0902': np.array([[0.1, 0.2, 0.5, 0.9, 0.99], [0.0, 0.0, 1.0, 1.0, 0.3]]),
         'sport/v_x.mp4,0377': np.array([[0.2, 0.2, 0.4, 0.4, 0.8]]),
         'vid_b,0903': np.zeros((0, 5))}


def _write(tmp_path, fmt: str, props=PROPS) -> str:
    path = str(tmp_path / f'p.{fmt}')
    if fmt == 'pkl':
        with open(path, 'wb') as f:
            pickle.dump(props, f)
    elif fmt == 'json':
        with open(path, 'w') as f:
            json.dump({k: v.tolist() for k, v in props.items()}, f)
    else:
        keys = list(props)
        np.savez(path, keys=np.array(keys), counts=np.array([len(props[k]) for k in keys]),
                 boxes=np.concatenate([props[k] for k in keys]))
    return path


@pytest.mark.parametrize('fmt', ['pkl', 'json', 'npz'])
def test_all_layouts_agree(tmp_path, fmt):
    got = load_proposals(_write(tmp_path, fmt))
    assert got.keys() == PROPS.keys()
    for k in PROPS:
        np.testing.assert_allclose(got[k].reshape(-1, 5), PROPS[k])


@pytest.mark.parametrize('bad, match', [
    ({'v,1': np.array([[0.1, 0.1, 1.5, 0.5, 0.9]])}, r"'v,1'.*relative"),
    ({'v,1': np.array([[0.5, 0.1, 0.2, 0.5, 0.9]])}, r"'v,1'.*x2 < x1"),
    ({'v,1': np.array([0.1, 0.1, 0.5])}, r"'v,1'.*shape"),
    ({'novideo': np.array([[0.1, 0.1, 0.5, 0.5]])}, 'video_id,timestamp'),
    ({'v,1': np.array([[np.nan, 0.1, 0.5, 0.5]])}, 'non-finite'),
])
def test_invalid_boxes_name_file_and_key(tmp_path, bad, match):
    path = _write(tmp_path, 'pkl', bad)
    with pytest.raises(ValueError, match=match) as e:
        load_proposals(path)
    assert 'p.pkl' in str(e.value)


def test_json_syntax_error_names_line(tmp_path):
    p = tmp_path / 'p.json'
    p.write_text('{\n"v,1": [[0.1, 0.1, 0.5, 0.5]],\n oops\n}')
    with pytest.raises(ValueError, match=r'p\.json: line 3'):
        load_proposals(p)


def test_npz_inconsistent_counts(tmp_path):
    p = str(tmp_path / 'p.npz')
    np.savez(p, keys=np.array(['v,1']), counts=np.array([3]), boxes=np.zeros((2, 5)))
    with pytest.raises(ValueError, match='counts'):
        load_proposals(p)


def test_unknown_extension_and_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match='x.pkl'):
        load_proposals(tmp_path / 'x.pkl')
    (tmp_path / 'x.csv').write_text('')
    with pytest.raises(ValueError, match='unknown proposal format'):
        load_proposals(tmp_path / 'x.csv')


def test_hostile_pickle_refused(tmp_path):
    import os

    class Hostile:
        def __reduce__(self):
            return (os.system, ('true',))

    p = tmp_path / 'h.pkl'
    p.write_bytes(pickle.dumps({'v,1': Hostile()}))
    with pytest.raises(UnsafePickleError):
        load_proposals(p)


@needs_shared
def test_shared_fixture_proposals(shared_data):
    props = load_proposals(osp.join(shared_data, 'fixtures', 'ava_dataset',
                                    'ava_proposals_sample.pkl'))
    assert set(props) == {'0f39OWEqJ24,0902', '0f39OWEqJ24,0903', '_-Z6wFjXtGQ,0902'}
    assert props['_-Z6wFjXtGQ,0902'].shape == (3, 5)
