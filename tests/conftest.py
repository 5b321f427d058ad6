"""Shared pytest fixtures: paths to the repository and to ``../shared/data``."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SHARED_DATA = osp.normpath(osp.join(REPO, '..', 'shared', 'data'))

needs_shared = pytest.mark.skipif(
    not osp.isdir(osp.join(SHARED_DATA, 'fixtures')),
    reason=f'shared test data not found at {SHARED_DATA} (CI places ../shared beside the clone)')


@pytest.fixture(scope='session')
def shared_data() -> str:
    """Path of ``../shared/data``; tests using it are marked ``needs_shared``."""
    return SHARED_DATA


@pytest.fixture(scope='session')
def fixtures_dir() -> str:
    """``data/fixtures`` laid out from the shared fixtures (built once per session)."""
    if not osp.isdir(osp.join(SHARED_DATA, 'fixtures')):
        pytest.skip(f'shared test data not found at {SHARED_DATA}')
    from mmaction_plugins.datasets.prepare_fixtures import prepare_fixtures

    return prepare_fixtures(SHARED_DATA, osp.join(REPO, 'data', 'fixtures'))


@pytest.fixture(scope='session')
def synthetic_tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """(output folder, manifest) of the synthetic benchmark ``--preset tiny --seed 0``,
    generated once per session (7 s)."""
    from mmaction_plugins.datasets.synthetic import PRESETS, generate

    out = str(tmp_path_factory.mktemp('synthetic') / 'tiny')
    return out, generate(PRESETS['tiny'], 0, out)


def load_tool(name: str):
    """The script ``tools/analysis/<name>.py`` imported as a module (its functions called in
    process)."""
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', 'analysis', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(args: list[str], timeout: int = 900, env: dict | None = None
             ) -> subprocess.CompletedProcess:
    """Run ``python <args>`` from the repository root; fail the test with the output on error."""
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=full_env)
    if proc.returncode != 0:
        pytest.fail(f'{args} exited {proc.returncode}\n--- stdout\n{proc.stdout[-6000:]}\n'
                    f'--- stderr\n{proc.stderr[-6000:]}')
    return proc


@contextlib.contextmanager
def isolated_default_scope():
    """Undo the mmengine default scopes created inside the block (``init_default_scope``,
    ``init_detector``...): global state that otherwise leaks, e.g. a test that sets ``mmdet``
    makes a later test's ``mmaction`` registry look-ups fail."""
    from mmengine.registry import DefaultScope

    before = set(DefaultScope._instance_dict)
    try:
        yield
    finally:
        for name in [n for n in DefaultScope._instance_dict if n not in before]:
            DefaultScope._instance_dict.pop(name)


@pytest.fixture(autouse=True)
def _isolate_default_scope():
    """Every test runs inside :func:`isolated_default_scope`."""
    with isolated_default_scope():
        yield
