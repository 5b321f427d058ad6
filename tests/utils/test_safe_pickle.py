"""Restricted unpickling refuses code execution and reads the real third-party pickles."""

from __future__ import annotations

import os
import os.path as osp
import pickle
from collections import OrderedDict

import numpy as np
import pytest

from mmaction_plugins.utils.safe_pickle import (
    UnsafePickleError,
    safe_load_pickle,
    safe_loads_pickle,
)
from tests.conftest import needs_shared


class _Hostile:
    def __reduce__(self):
        return (os.system, ('touch /tmp/mmap_pwned',))


def test_roundtrip_numpy_and_builtins():
    obj = {'a,1': np.arange(10, dtype=np.float32).reshape(2, 5), 'b': [1, 2.5, 'x', (3,)],
           'c': OrderedDict(k=np.float64(1.5)), 'd': {1, 2}}
    for protocol in (2, 4, 5):
        out = safe_loads_pickle(pickle.dumps(obj, protocol=protocol))
        np.testing.assert_array_equal(out['a,1'], obj['a,1'])
        assert out['b'] == obj['b'] and out['c'] == obj['c'] and out['d'] == obj['d']


def test_hostile_pickle_is_refused_without_side_effect(tmp_path):
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps({'x': _Hostile()}))
    if osp.exists('/tmp/mmap_pwned'):
        os.remove('/tmp/mmap_pwned')
    with pytest.raises(UnsafePickleError, match=r'evil\.pkl.*posix\.system|evil\.pkl.*os\.system'):
        safe_load_pickle(path)
    assert not osp.exists('/tmp/mmap_pwned')


def test_torch_pickle_is_refused():
    import torch

    with pytest.raises(UnsafePickleError, match='torch'):
        safe_loads_pickle(pickle.dumps({'t': torch.ones(2)}))


def test_empty_and_missing_and_garbage(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pkl'):
        safe_load_pickle(tmp_path / 'nope.pkl')
    (tmp_path / 'empty.pkl').write_bytes(b'')
    with pytest.raises(ValueError, match='empty.pkl: empty'):
        safe_load_pickle(tmp_path / 'empty.pkl')
    (tmp_path / 'junk.pkl').write_bytes(b'not a pickle at all')
    with pytest.raises(ValueError, match='junk.pkl: not a readable pickle'):
        safe_load_pickle(tmp_path / 'junk.pkl')


@needs_shared
@pytest.mark.parametrize('rel', ['ava_dataset/ava_proposals_sample.pkl',
                                 'multisports_dataset/multisports_proposals_sample.pkl',
                                 'eval_detection/proposal.pkl', 'eval_multisports/gt.pkl'])
def test_real_fixture_pickles_load(shared_data, rel):
    path = osp.join(shared_data, 'fixtures', rel)
    with open(path, 'rb') as f:
        expected = pickle.load(f)  # trusted here: the test compares against the unsafe reader
    got = safe_load_pickle(path)
    assert got.keys() == expected.keys()


@needs_shared
def test_torch_tensor_pickle_fixture_is_refused(shared_data):
    with pytest.raises(UnsafePickleError, match='data_samples.pkl'):
        safe_load_pickle(osp.join(shared_data, 'fixtures', 'eval_multisports', 'data_samples.pkl'))
