"""Person-proposal files: the legacy pickle layout mmaction2 reads, and safe npz / json layouts.

All three hold the same mapping ``{img_key: ndarray (N, 4|5)}`` — ``img_key`` is
``"video_id,timestamp"`` (AVA: timestamp in seconds, 4 digits; MultiSports: frame index) and each
row is ``x1, y1, x2, y2[, score]`` in coordinates relative to the frame (0..1).

* ``.pkl`` — mmaction2's legacy layout, read through :func:`safe_load_pickle` (no code execution).
* ``.json`` — ``{"img_key": [[x1, y1, x2, y2, score], ...], ...}``.
* ``.npz`` — arrays ``keys`` (str, K), ``counts`` (int, K) and ``boxes`` (float, sum(counts) x C):
  the boxes of key ``i`` are the ``counts[i]`` rows following those of keys ``0..i-1``.
"""

from __future__ import annotations

import io
import json
import os
import pickle
from collections.abc import Mapping

import numpy as np

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json
from mmaction_plugins.utils.safe_pickle import safe_load_pickle

__all__ = ['load_proposals', 'save_proposals', 'validate_proposals']

Proposals = dict[str, np.ndarray]


def validate_proposals(props: object, source: str) -> Proposals:
    """Check the proposal mapping and return it as ``{str: float ndarray (N, 4|5)}``.

    Raises:
        ValueError: naming ``source`` and the offending key when the layout or a box is invalid.
    """
    if not isinstance(props, Mapping):
        raise ValueError(f'{source}: expected a mapping img_key -> boxes, got {type(props)}')
    out: Proposals = {}
    for key, boxes in props.items():
        if not isinstance(key, str) or ',' not in key:
            raise ValueError(f'{source}: key {key!r} is not "video_id,timestamp"')
        arr = np.asarray(boxes, dtype=np.float64)
        if arr.size == 0:
            arr = arr.reshape(0, 5)
        if arr.ndim != 2 or arr.shape[1] not in (4, 5):
            raise ValueError(f'{source}: key {key!r}: boxes must be (N, 4) or (N, 5), '
                             f'got shape {arr.shape}')
        if not np.isfinite(arr).all():
            raise ValueError(f'{source}: key {key!r}: non-finite values')
        xyxy = arr[:, :4]
        if len(arr) and (xyxy.min() < 0 or xyxy.max() > 1):
            raise ValueError(f'{source}: key {key!r}: boxes must be relative (0..1), got range '
                             f'[{xyxy.min():.4g}, {xyxy.max():.4g}]')
        if (xyxy[:, 2] < xyxy[:, 0]).any() or (xyxy[:, 3] < xyxy[:, 1]).any():
            raise ValueError(f'{source}: key {key!r}: boxes with x2 < x1 or y2 < y1')
        out[key] = arr
    return out


def _load_npz(path: str) -> Proposals:
    with np.load(path, allow_pickle=False) as z:
        missing = {'keys', 'counts', 'boxes'} - set(z.files)
        if missing:
            raise ValueError(f'{path}: npz proposals need arrays keys/counts/boxes; '
                             f'missing {sorted(missing)}')
        keys, counts, boxes = z['keys'], z['counts'].astype(np.int64), z['boxes']
    if len(keys) != len(counts) or counts.sum() != len(boxes) or (counts < 0).any():
        raise ValueError(f'{path}: counts ({counts.sum()} boxes over {len(counts)} keys) do not '
                         f'match boxes ({len(boxes)}) / keys ({len(keys)})')
    splits = np.split(boxes, np.cumsum(counts)[:-1]) if len(keys) else []
    return {str(k): b for k, b in zip(keys, splits)}


def load_proposals(path: str | os.PathLike[str]) -> Proposals:
    """Load a proposal file in any supported layout (chosen by extension).

    Args:
        path: ``.pkl``/``.pickle`` (legacy, restricted unpickler), ``.json`` or ``.npz``.

    Returns:
        dict: ``img_key -> float64 ndarray (N, 4|5)``, boxes relative to the frame.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: proposal file not found')
    ext = os.path.splitext(path)[1].lower()
    if ext in ('.pkl', '.pickle'):
        raw: object = safe_load_pickle(path)
    elif ext == '.json':
        with open(path, encoding='utf-8') as f:
            try:
                raw = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}: line {e.lineno}: invalid JSON ({e.msg})') from e
    elif ext == '.npz':
        raw = _load_npz(path)
    else:
        raise ValueError(f'{path}: unknown proposal format {ext!r} (use .pkl, .json or .npz)')
    return validate_proposals(raw, path)


def save_proposals(props: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Write proposals atomically in the layout chosen by the extension (see module docstring).

    Args:
        props: ``img_key -> (N, 4|5)`` boxes relative to the frame; validated before writing.
        path: ``.json``, ``.npz`` or ``.pkl`` (the legacy layout mmaction2's ``AVADataset`` reads:
            a plain dict of float64 arrays, keys sorted, keys without boxes left out).
    """
    path = os.fspath(path)
    clean = validate_proposals(dict(props), f'<proposals for {path}>')
    keys = sorted(clean)
    ext = os.path.splitext(path)[1].lower()
    if ext == '.json':
        atomic_write_json(path, {k: np.round(clean[k], 6).tolist() for k in keys}, indent=None)
    elif ext == '.npz':
        cols = {clean[k].shape[1] for k in keys} or {5}
        if len(cols) != 1:
            raise ValueError(f'{path}: npz needs the same column count for every key, got {cols}')
        buf = io.BytesIO()
        np.savez(buf, keys=np.array(keys, dtype=str),
                 counts=np.array([len(clean[k]) for k in keys], dtype=np.int64),
                 boxes=(np.concatenate([clean[k] for k in keys]) if keys
                        else np.zeros((0, cols.pop()))))
        atomic_write_bytes(path, buf.getvalue())
    elif ext in ('.pkl', '.pickle'):
        # mmaction2's AVADataset fails on a key with no box (max of an empty array); the legacy
        # convention is to leave such keyframes out (it then proposes the whole frame).
        atomic_write_bytes(path, pickle.dumps({k: clean[k] for k in keys if len(clean[k])},
                                              protocol=4))
    else:
        raise ValueError(f'{path}: unknown proposal format {ext!r} (use .pkl, .json or .npz)')
