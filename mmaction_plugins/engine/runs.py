"""Run the project's tools from Python: generate data, train (resuming), test, with progress.

The quick start and the ablation scripts chain several trainings; each one runs
``tools/train.py`` / ``tools/test.py`` in a subprocess on a config dumped to its own work folder
(``<step>/config.py``, re-runnable by hand), with the output going to ``<step>/train.log`` and a
progress bar drawn from mmengine's ``Epoch(train) [e][i/n]`` log lines. A finished step (its last
checkpoint, its metrics file) is not run again; an interrupted training resumes from its last
checkpoint.

Ablations that train the very same model (same training-relevant config, same data files, same
seed — e.g. the tiny baseline is row 1 of the PCCA, multi-scale and self-attention ablations) can
share it through a *training cache* (``train(..., cache_dir=...)``): a finished training is
hard-linked (or copied) into ``<cache_dir>/<key>/``, where ``key`` hashes exactly the parts of
the config that training reads (:func:`training_key`), and a later identical training is taken
from there instead of being run again. Evaluation settings, ``work_dir`` and validation intervals
are not part of the key.
"""

from __future__ import annotations

import hashlib
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import time
from typing import Any

__all__ = ['Progress', 'ensure_data', 'point_stad_config_at', 'run_tool', 'set_epochs',
           'skip_validation', 'train', 'train_and_test', 'training_key']

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_TRAIN_LINE = re.compile(r'Epoch\(train\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\]')


class Progress:
    """A one-line text progress bar on stderr (no dependency, safe in CI logs)."""

    def __init__(self, label: str, total: int, width: int = 30) -> None:
        self.label, self.total, self.width = label, max(int(total), 1), width
        self.done = 0
        self.start: float | None = None  # the first update starts the clock
        self.tty = sys.stderr.isatty()
        self._last_print = -1.0
        self._printed_done = -1

    def update(self, done: int | None = None, step: int = 0) -> None:
        """Set (``done``) or advance (``step``) the count; redraw at most every 0.5 s (every
        15 s when stderr is not a terminal), and once at the end."""
        now = time.monotonic()
        if self.start is None:
            self.start = now
        self.done = min(self.total, self.done + step if done is None else done)
        if self.done == self._printed_done or (
                now - self._last_print < (0.5 if self.tty else 15.0) and self.done < self.total):
            return
        self._last_print = now
        self._printed_done = self.done
        frac = self.done / self.total
        bar = '#' * int(frac * self.width)
        eta = (now - self.start) * (1 - frac) / frac if frac > 0 else float('nan')
        if self.done == self.total:
            eta = 0.0
        line = (f'  {self.label:<22} [{bar:<{self.width}}] {self.done}/{self.total} '
                f'{now - self.start:6.0f}s elapsed, eta {eta:4.0f}s')
        sys.stderr.write(('\r' + line) if self.tty else (line + '\n'))
        sys.stderr.flush()

    def close(self) -> None:
        """Finish the line."""
        self.update(self.total)
        if self.tty:
            sys.stderr.write('\n')
            sys.stderr.flush()


def _tail(path: str, n: int = 30) -> str:
    with open(path, encoding='utf-8', errors='replace') as f:
        return ''.join(f.readlines()[-n:])


def run_tool(args: list[str], log_path: str, label: str, epochs: int | None = None) -> None:
    """Run ``python <args>`` with output to ``log_path``; for a training of ``epochs`` epochs,
    draw a progress bar from mmengine's ``Epoch(train) [e][i/n]`` log lines.

    Raises:
        RuntimeError: with the log's tail when the command fails.
    """
    os.makedirs(osp.dirname(log_path), exist_ok=True)
    bar = Progress(label, 1)
    with open(log_path, 'a', encoding='utf-8') as log:
        proc = subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT,
                                cwd=os.getcwd())
        pos = 0
        while True:
            rc = proc.poll()
            with open(log_path, encoding='utf-8', errors='replace') as f:
                f.seek(pos)
                chunk = f.read()
                pos = f.tell()
            for m in _TRAIN_LINE.finditer(chunk):
                epoch, it, per_epoch = (int(g) for g in m.groups())
                if epochs:
                    bar.total = epochs * per_epoch
                    bar.update((epoch - 1) * per_epoch + it)
            if rc is not None:
                break
            time.sleep(1.0)
    if rc != 0:
        raise RuntimeError(f'{" ".join(args)} failed (exit {rc}); log {log_path}:\n'
                           f'{_tail(log_path)}')
    bar.close()


#: Top-level config keys a training depends on (besides ``train_cfg.max_epochs`` and the seed).
_TRAINING_KEYS = ('model', 'train_dataloader', 'optim_wrapper', 'param_scheduler', 'custom_hooks',
                  'load_from', 'randomness', 'model_wrapper_cfg', 'auto_scale_lr')


def _plain(x: Any) -> Any:
    """Config values as plain JSON-able data (dicts with sorted keys, tuples as lists)."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return repr(x)


def training_key(cfg: Any, seed: int) -> str:
    """A hash of what a training run reads: :data:`_TRAINING_KEYS`, ``train_cfg.max_epochs``,
    the seed and the ``load_from`` file's size and modification time."""
    payload = {k: _plain(cfg.get(k)) for k in _TRAINING_KEYS}
    payload['max_epochs'] = int(cfg.train_cfg.max_epochs)
    payload['seed'] = int(seed)
    load_from = cfg.get('load_from')
    if load_from and osp.isfile(load_from):
        st = os.stat(load_from)
        payload['load_from_stat'] = [st.st_size, st.st_mtime_ns]
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:20]


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link ``src`` to ``dst`` (a copy across file systems); ``dst`` appears atomically."""
    tmp = f'{dst}.tmp{os.getpid()}'
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


_KEY_FILE = 'training_key.txt'


def _check_step_dir(step_dir: str, cfg: Any, seed: int) -> None:
    """Raise when ``step_dir`` already holds (part of) a training of another config or seed.

    The folder's key is ``<step_dir>/training_key.txt`` (written when a training starts there);
    a folder from before that file existed is checked by the key of its ``config.py`` — which the
    training's runner re-dumps with the ``randomness`` that ``tools/train.py --seed`` sets, so a
    ``randomness`` of exactly ``dict(seed=seed, deterministic=False)`` there is read as
    ``cfg``'s own. A folder with neither (no config ever dumped) passes.
    """
    from mmengine.config import Config

    key_path = osp.join(step_dir, _KEY_FILE)
    cfg_path = osp.join(step_dir, 'config.py')
    if osp.isfile(key_path):
        with open(key_path, encoding='utf-8') as f:
            held, source = f.read().strip(), key_path
    elif osp.isfile(cfg_path):
        old = Config.fromfile(cfg_path)
        if _plain(old.get('randomness')) == _plain(dict(seed=seed, deterministic=False)):
            old.randomness = cfg.get('randomness')  # what tools/train.py --seed wrote
        held, source = training_key(old, seed), cfg_path
    else:
        return
    key = training_key(cfg, seed)
    if held != key:
        raise RuntimeError(
            f'{step_dir} holds a training of another config or seed (training key {held} from '
            f'{source}; this run\'s is {key}): its checkpoints would be reused or resumed for '
            'the wrong model. Remove the folder or choose another --work-dir.')


def train(cfg: Any, step_dir: str, label: str, seed: int, cache_dir: str | None = None) -> str:
    """Train ``cfg`` in ``step_dir`` (resuming an interrupted run) unless its last checkpoint
    exists, or the training cache holds the same training.

    ``step_dir`` remembers what was trained there (``training_key.txt``, :func:`training_key`);
    a folder holding a training of another config or seed raises instead of being reused.

    Args:
        cfg: An mmengine ``Config``; dumped to ``<step_dir>/config.py`` (overwritten each call).
        step_dir: Work folder (checkpoints, ``train.log``).
        label: Progress-bar label.
        seed: ``tools/train.py --seed``.
        cache_dir: Training cache (see the module docstring); None: no cache.

    Returns:
        str: ``<step_dir>/epoch_<max_epochs>.pth``.

    Raises:
        RuntimeError: ``step_dir`` holds another training, or the training failed.
    """
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    _check_step_dir(step_dir, cfg, seed)
    key = training_key(cfg, seed)
    os.makedirs(step_dir, exist_ok=True)
    cfg_path = osp.join(step_dir, 'config.py')
    # atomic: another ablation reading this row's config.py never sees half of it
    atomic_write_text(cfg_path, cfg.pretty_text)
    atomic_write_text(osp.join(step_dir, _KEY_FILE), key + '\n')
    epochs = int(cfg.train_cfg.max_epochs)
    name = f'epoch_{epochs}.pth'
    final = osp.join(step_dir, name)
    cached = None
    if cache_dir is not None:
        cached = osp.join(cache_dir, key)
        if not osp.isfile(final) and osp.isfile(osp.join(cached, name)):
            _link_or_copy(osp.join(cached, name), final)
            with open(osp.join(cached, 'source.txt'), encoding='utf-8') as f:
                print(f'  {label}: the same training as {f.read().strip()} (training cache), '
                      'not retrained')
            return final
    if osp.isfile(final):
        print(f'  {label}: {final} exists, not retrained')
    else:
        resume = ['--resume'] if osp.isfile(osp.join(step_dir, 'last_checkpoint')) else []
        run_tool([osp.join(REPO, 'tools', 'train.py'), cfg_path, '--work-dir', step_dir,
                  '--seed', str(seed), *resume], osp.join(step_dir, 'train.log'),
                 f'{label}: train', epochs)
    if cached is not None and osp.isfile(final) and not osp.isfile(osp.join(cached, name)):
        os.makedirs(cached, exist_ok=True)
        shutil.copyfile(cfg_path, osp.join(cached, 'config.py'))
        with open(osp.join(cached, 'source.txt'), 'w', encoding='utf-8') as f:
            f.write(step_dir + '\n')
        _link_or_copy(final, osp.join(cached, name))
    return final


def train_and_test(cfg: Any, step_dir: str, label: str, seed: int,
                   cache_dir: str | None = None) -> dict[str, float]:
    """:func:`train`, then ``tools/test.py`` on the last checkpoint (unless its metrics are newer
    than it); returns the test metrics (``<step_dir>/test_metrics.json``)."""
    final = train(cfg, step_dir, label, seed, cache_dir)
    metrics_path = osp.join(step_dir, 'test_metrics.json')
    if not osp.isfile(metrics_path) or osp.getmtime(metrics_path) < osp.getmtime(final):
        run_tool([osp.join(REPO, 'tools', 'test.py'), osp.join(step_dir, 'config.py'), final,
                  '--work-dir', step_dir], osp.join(step_dir, 'test.log'), f'{label}: test')
    with open(metrics_path, encoding='utf-8') as f:
        return json.load(f)


def ensure_data(preset: str, seed: int, out: str) -> dict[str, Any]:
    """Generate the synthetic benchmark into ``out`` unless it already holds preset+seed.

    Returns:
        dict: The benchmark's ``manifest.json``.

    Raises:
        RuntimeError: ``out`` holds another preset or seed.
    """
    from mmaction_plugins.datasets.synthetic.generate import generate
    from mmaction_plugins.datasets.synthetic.presets import PRESETS

    manifest_path = osp.join(out, 'manifest.json')
    if osp.isfile(manifest_path):
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
        if manifest.get('seed') == seed and manifest.get('preset', {}).get('name') == preset:
            print(f'  {out} holds preset {preset!r} seed {seed}: not regenerated')
            return manifest
        raise RuntimeError(f'{manifest_path}: holds preset '
                           f'{manifest.get("preset", {}).get("name")!r} seed '
                           f'{manifest.get("seed")}, not {preset!r} seed {seed}; pass another '
                           '--data folder or delete it')
    n_videos = PRESETS[preset].n_train + PRESETS[preset].n_val
    bar = Progress('generate', n_videos)
    manifest = generate(PRESETS[preset], seed, out, progress=lambda msg: bar.update(step=1))
    bar.close()
    return manifest


def point_stad_config_at(cfg: Any, data_root: str, work_dir: str,
                         proposals: dict[str, str] | None = None,
                         score_thr: float | None = None) -> Any:
    """Point an AVA-layout STAD config (``STADDataset`` loaders, ``OfficialAVAMetric``) at a
    synthetic benchmark folder, in place.

    Args:
        cfg: The config (modified and returned).
        data_root: A folder written by ``python -m mmaction_plugins.datasets.synthetic``.
        work_dir: The config's ``work_dir``.
        proposals: ``{'train': path, 'val': path}`` person proposals; defaults to the
            benchmark's ground-truth boxes (``ava_dense_proposals_<split>.json``).
        score_thr: ``person_det_score_thr`` of the loaders (unchanged when None).
    """
    anno = osp.join(data_root, 'ava', 'annotations')
    for loader, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                          ('test_dataloader', 'val')):
        ds = cfg[loader].dataset
        ds.ann_file = osp.join(anno, f'ava_{split}.csv')
        ds.exclude_file = osp.join(anno, f'ava_{split}_excluded_timestamps.csv')
        ds.label_file = osp.join(anno, 'ava_action_list.pbtxt')
        ds.proposal_file = (proposals[split] if proposals is not None
                            else osp.join(anno, f'ava_dense_proposals_{split}.json'))
        if score_thr is not None:
            ds.person_det_score_thr = score_thr
        ds.data_prefix = dict(img=osp.join(data_root, 'ava', 'rawframes'))
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = osp.join(anno, 'ava_val.csv')
        cfg[ev].exclude_file = osp.join(anno, 'ava_val_excluded_timestamps.csv')
        cfg[ev].label_file = osp.join(anno, 'ava_action_list.pbtxt')
    cfg.work_dir = work_dir
    return cfg


def skip_validation(cfg: Any) -> None:
    """No validation during the training of ``cfg`` (the caller scores the model afterwards).

    mmengine's ``EpochBasedTrainLoop`` validates at the last epoch whatever ``val_interval``
    says; only a ``val_begin`` past the last epoch turns it off. Neither is part of
    :func:`training_key`, so the training cache and existing step folders are unaffected.
    """
    after = int(cfg.train_cfg.max_epochs) + 1
    cfg.train_cfg.val_begin = after
    cfg.train_cfg.val_interval = after


def set_epochs(cfg: Any, epochs: int) -> None:
    """Shorten or lengthen a schedule: epochs, validation at the end, schedulers clipped."""
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    for sch in cfg.param_scheduler:
        if sch.get('by_epoch', True):
            sch['end'] = min(sch.get('end', epochs), epochs)
            if 'T_max' in sch:
                sch['T_max'] = epochs
            if 'milestones' in sch:
                sch['milestones'] = [m for m in sch['milestones'] if m < epochs]
