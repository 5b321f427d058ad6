"""The ``atomic_local`` mmengine file backend is registered and writes atomically."""

from __future__ import annotations

import os

from mmengine.fileio import get_file_backend

import mmaction_plugins  # noqa: F401
from mmaction_plugins.engine.atomic_backend import AtomicLocalBackend


def test_backend_selected_by_name(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='atomic_local'))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'abc', str(tmp_path / 'x.pth'))
    backend.put_text('epoch_1.pth', str(tmp_path / 'last_checkpoint'))
    assert (tmp_path / 'x.pth').read_bytes() == b'abc'
    assert (tmp_path / 'last_checkpoint').read_text() == 'epoch_1.pth'
    assert sorted(os.listdir(tmp_path)) == ['last_checkpoint', 'x.pth']
