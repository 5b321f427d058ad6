"""Determinism and the command line: same preset and seed give byte-identical trees."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import os
import os.path as osp
import subprocess
import sys

import pytest

from mmaction_plugins.datasets.synthetic import PRESETS, generate
from mmaction_plugins.datasets.synthetic.generate import MANIFEST
from tests.conftest import REPO

MINI = dataclasses.replace(PRESETS['tiny'], name='mini', n_train=1, n_val=1, seconds=6)


def _tree(root: str) -> dict[str, str]:
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a = generate(MINI, 5, str(tmp_path / 'a'))
    b = generate(MINI, 5, str(tmp_path / 'b'))
    c = generate(MINI, 6, str(tmp_path / 'c'))
    assert _tree(str(tmp_path / 'a')) == _tree(str(tmp_path / 'b'))
    assert a == b
    differ = [k for k in a['files'] if a['files'][k] != c['files'].get(k)]
    assert 'ava/annotations/ava_train.csv' in differ and 'contact_sheet.png' in differ


def test_regenerating_replaces_a_previous_output(tmp_path):
    out = str(tmp_path / 'out')
    generate(MINI, 1, out)
    first = _tree(out)
    with open(osp.join(out, 'stray.txt'), 'w') as f:
        f.write('left over')
    generate(MINI, 1, out)
    assert _tree(out) == first
    assert not osp.exists(out + '.partial') and not osp.exists(out + '.old')


def test_refuses_to_run_over_an_unfinished_run(tmp_path):
    out = tmp_path / 'out'
    (tmp_path / 'out.partial').mkdir()
    with pytest.raises(FileExistsError, match='another generation'):
        generate(MINI, 0, str(out))
    assert not out.exists()


def test_a_failed_run_leaves_nothing_behind(tmp_path, monkeypatch):
    gen_module = importlib.import_module('mmaction_plugins.datasets.synthetic.generate')

    def broken(*args, **kwargs):
        raise RuntimeError('render failed')

    monkeypatch.setattr(gen_module, 'render_frame', broken)
    with pytest.raises(RuntimeError, match='render failed'):
        generate(MINI, 0, str(tmp_path / 'out'))
    assert sorted(os.listdir(tmp_path)) == []


def test_refuses_a_foreign_non_empty_folder(tmp_path):
    (tmp_path / 'mine.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match=MANIFEST):
        generate(MINI, 0, str(tmp_path))
    assert (tmp_path / 'mine.txt').read_text() == 'keep me'


def test_cli_tiny_matches_the_api_run(tiny, tmp_path):
    root, manifest = tiny
    out = str(tmp_path / 'cli')
    proc = subprocess.run([sys.executable, '-m', 'mmaction_plugins.datasets.synthetic',
                           '--preset', 'tiny', '--seed', '0', '--out', out], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == out
    assert _tree(out) == _tree(root)


def test_cli_rejects_unknown_preset():
    proc = subprocess.run([sys.executable, '-m', 'mmaction_plugins.datasets.synthetic',
                           '--preset', 'huge', '--seed', '0', '--out', 'x'], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and 'invalid choice' in proc.stderr
