"""Atomic writes leave either the old or the new file, never a partial one."""

from __future__ import annotations

import json
import os

import pytest

from mmaction_plugins.utils import atomic_io
from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json


def test_write_and_overwrite(tmp_path):
    p = tmp_path / 'sub' / 'f.bin'
    atomic_write_bytes(p, b'one')
    atomic_write_bytes(p, b'two')
    assert p.read_bytes() == b'two'
    assert os.listdir(p.parent) == ['f.bin']


def test_failed_write_keeps_old_file_and_no_temp(tmp_path, monkeypatch):
    p = tmp_path / 'm.json'
    atomic_write_json(p, {'a': 1})

    def boom(*args, **kwargs):
        raise OSError('disk full')

    monkeypatch.setattr(atomic_io.os, 'replace', boom)
    with pytest.raises(OSError, match='disk full'):
        atomic_write_json(p, {'a': 2})
    assert json.loads(p.read_text()) == {'a': 1}
    assert os.listdir(tmp_path) == ['m.json']


def test_json_is_deterministic(tmp_path):
    atomic_write_json(tmp_path / 'a.json', {'b': 1, 'a': 2})
    atomic_write_json(tmp_path / 'b.json', {'a': 2, 'b': 1})
    assert (tmp_path / 'a.json').read_bytes() == (tmp_path / 'b.json').read_bytes()
