"""Long-term feature banks on disk: per-keyframe actor features, and the window reader.

A *feature bank* holds, for every keyframe of every video, one feature vector per actor box,
precomputed by a trained model (:mod:`mmaction_plugins.engine.dump_features`): the pooled RoI
features of a linear model (Wu et al.'s long-term feature bank, "LFB") or the pooled first-order
actor-context relation features of an ACAR model (the seed-001 report's *actor-context feature
bank*, "ACFB"). Heads read back a window of them around the current keyframe
(:class:`FeatureBank`).

Layout of a bank folder (no pickle anywhere; ``np.load(allow_pickle=False)``)::

    BANK/
      meta.json              {"format": "mmaction-plugins-feature-bank", "version": 1,
                              "kind": "lfb" | "acfb" | ..., "channels": C, "dtype": "float16",
                              "splits": {"train": {"config", "checkpoint", "ann_file",
                                                   "videos", "keyframes", "features"}, ...}}
      videos/<video_id>.npz  timestamps (K,) int64  keyframe seconds, ascending, unique
                             counts     (K,) int64  actors at each keyframe (>= 0)
                             boxes      (N, 4) float32  x1, y1, x2, y2 relative to the frame
                             features   (N, C) float16  N = sum(counts), keyframe-major, the
                                                        actors in proposal order

Each video file is written atomically when its last keyframe is done, so a killed dump resumes
at the first video without a file. Size: ``2 C`` bytes per actor and keyframe for the features
plus 16 for the box (ACFB of the tiny ACAR head, ``C = 32``: 80 bytes; LFB of SlowFast R101
8x8, ``C = 2304``: 4.6 kB; AVA v2.2 train, ~211k actor-keyframes: ~1 GB).
"""

from __future__ import annotations

import io
import json
import os
import os.path as osp
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import numpy as np
import torch
from torch import Tensor

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json

__all__ = ['BANK_FORMAT', 'FeatureBank', 'VideoBank', 'bank_configs', 'read_bank_meta',
           'read_video_bank', 'video_bank_path', 'write_bank_meta', 'write_video_bank']

BANK_FORMAT = 'mmaction-plugins-feature-bank'
_VERSION = 1


class VideoBank:
    """The features of one video: ``timestamp -> (boxes (n, 4), features (n, C))``."""

    def __init__(self, timestamps: np.ndarray, counts: np.ndarray, boxes: np.ndarray,
                 features: np.ndarray) -> None:
        self.timestamps = timestamps
        self.counts = counts
        self.boxes = boxes
        self.features = features
        offsets = np.concatenate([[0], np.cumsum(counts)])
        self._rows = {int(t): (int(offsets[i]), int(offsets[i + 1]))
                      for i, t in enumerate(timestamps)}

    def __contains__(self, timestamp: int) -> bool:
        return int(timestamp) in self._rows

    def features_at(self, timestamp: int) -> np.ndarray:
        """``(n, C)`` features of a keyframe (``n = 0`` for a keyframe not in the bank)."""
        a, b = self._rows.get(int(timestamp), (0, 0))
        return self.features[a:b]

    def boxes_at(self, timestamp: int) -> np.ndarray:
        """``(n, 4)`` relative boxes of a keyframe."""
        a, b = self._rows.get(int(timestamp), (0, 0))
        return self.boxes[a:b]


def video_bank_path(root: str, video_id: str) -> str:
    """``root/videos/<video_id>.npz``, the id percent-encoded (``/`` of MultiSports keys
    becomes ``%2F``), so that every id is one plain file name."""
    if not video_id:
        raise ValueError('empty video id')
    return osp.join(root, 'videos', f'{quote(video_id, safe="")}.npz')


def write_video_bank(root: str, video_id: str, per_keyframe: Mapping[int, tuple[np.ndarray,
                                                                              np.ndarray]],
                     channels: int) -> str:
    """Write one video's features atomically.

    Args:
        root: The bank folder.
        video_id: The video.
        per_keyframe: ``timestamp -> (boxes (n, 4) relative, features (n, channels))``.
        channels: ``C``; every feature row must have it.

    Returns:
        str: The file written.
    """
    ts = sorted(int(t) for t in per_keyframe)
    boxes, feats, counts = [], [], []
    for t in ts:
        b, f = per_keyframe[t]
        b = np.asarray(b, np.float32).reshape(-1, 4)
        f = np.asarray(f, np.float32).reshape(len(b), -1) if len(b) else np.zeros((0, channels))
        if f.shape != (len(b), channels):
            raise ValueError(f'{video_id},{t}: {len(b)} boxes but features of shape {f.shape} '
                             f'(expected ({len(b)}, {channels}))')
        if not np.isfinite(f).all():
            raise ValueError(f'{video_id},{t}: non-finite features')
        boxes.append(b)
        feats.append(f.astype(np.float16))
        counts.append(len(b))
    buf = io.BytesIO()
    np.savez(buf, timestamps=np.asarray(ts, np.int64), counts=np.asarray(counts, np.int64),
             boxes=(np.concatenate(boxes) if boxes else np.zeros((0, 4), np.float32)),
             features=(np.concatenate(feats) if feats
                       else np.zeros((0, channels), np.float16)))
    path = video_bank_path(root, video_id)
    atomic_write_bytes(path, buf.getvalue())
    return path


def read_video_bank(path: str, channels: int | None = None) -> VideoBank:
    """Load and check one video file (see the module docstring).

    Raises:
        ValueError: naming the file, for a missing array or inconsistent shapes.
    """
    with np.load(path, allow_pickle=False) as z:
        missing = {'timestamps', 'counts', 'boxes', 'features'} - set(z.files)
        if missing:
            raise ValueError(f'{path}: not a feature-bank video file (missing {sorted(missing)})')
        ts, counts = z['timestamps'].astype(np.int64), z['counts'].astype(np.int64)
        boxes, feats = z['boxes'].astype(np.float32), z['features']
    if ts.ndim != 1 or counts.shape != ts.shape or (counts < 0).any():
        raise ValueError(f'{path}: timestamps {ts.shape} and counts {counts.shape} must be '
                         'equal-length vectors with counts >= 0')
    if len(ts) > 1 and (np.diff(ts) <= 0).any():
        raise ValueError(f'{path}: timestamps must be ascending and unique')
    n = int(counts.sum())
    if boxes.shape != (n, 4) or feats.ndim != 2 or feats.shape[0] != n:
        raise ValueError(f'{path}: counts sum to {n} but boxes are {boxes.shape} and features '
                         f'{feats.shape}')
    if channels is not None and feats.shape[1] != channels:
        raise ValueError(f'{path}: features have {feats.shape[1]} channels, the bank says '
                         f'{channels}')
    return VideoBank(ts, counts, boxes, feats)


def read_bank_meta(root: str) -> dict[str, Any]:
    """``root/meta.json``, checked.

    Raises:
        FileNotFoundError: no bank there.
        ValueError: not a bank of this format / version.
    """
    path = osp.join(root, 'meta.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no feature bank here (run tools/dump_features.py)')
    with open(path, encoding='utf-8') as f:
        meta = json.load(f)
    if meta.get('format') != BANK_FORMAT or meta.get('version') != _VERSION:
        raise ValueError(f'{path}: not a {BANK_FORMAT} v{_VERSION} file '
                         f'(format={meta.get("format")!r}, version={meta.get("version")!r})')
    if not isinstance(meta.get('channels'), int) or meta['channels'] <= 0:
        raise ValueError(f'{path}: "channels" must be a positive integer')
    return meta


def write_bank_meta(root: str, kind: str, channels: int, split: str | None = None,
                    split_info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Create or update ``root/meta.json`` (atomically); a bank keeps one kind and width.

    Raises:
        ValueError: the folder already holds a bank of another kind or width.
    """
    os.makedirs(osp.join(root, 'videos'), exist_ok=True)
    try:
        meta = read_bank_meta(root)
    except FileNotFoundError:
        meta = {'format': BANK_FORMAT, 'version': _VERSION, 'kind': kind, 'channels': channels,
                'dtype': 'float16', 'splits': {}}
    if meta['kind'] != kind or meta['channels'] != channels:
        raise ValueError(f'{root}: holds a {meta["kind"]!r} bank of {meta["channels"]} channels, '
                         f'not {kind!r} with {channels}: use another folder')
    if split is not None:
        meta.setdefault('splits', {})[split] = dict(split_info or {})
    atomic_write_json(osp.join(root, 'meta.json'), meta)
    return meta


class FeatureBank:
    """Serve a window of bank features around a keyframe (training and testing).

    For the keyframe ``(video_id, t)`` the window is the keyframes ``t + window[0] .. t +
    window[1]`` (seconds, inclusive; the current one left out with ``exclude_current``); at the
    start and end of a video the window is simply cut (no wrap, no padding from elsewhere), and
    seconds without an entry (no keyframe, nobody in view, excluded) contribute nothing. From each
    keyframe at most ``max_per_keyframe`` actors are taken: in training a random subset
    (``torch.randperm``, so the run's seed fixes it), in testing the first ones in box order, so
    that testing is deterministic (mmaction2's ``LFB`` draws randomly in testing too).

    :meth:`window` returns the variable-size ``(M, C)`` set (attention readers, ACFB);
    :meth:`padded` the fixed-size, zero-padded ``(L * max_per_keyframe, C)`` layout of
    mmaction2's ``LFB.sample_long_term_features`` (``L`` seconds of the window, current one
    included), for mmaction2's feature-bank operators.

    Files are loaded on first use (a model can be built before its bank is dumped) and cached.

    Args:
        root: The bank folder (``meta.json``, ``videos/``).
        window: ``(first, last)`` offsets in seconds. Defaults to ``(-8, 8)``.
        max_per_keyframe: Actors taken per keyframe. Defaults to 5 (mmaction2's LFB).
        exclude_current: Leave the current keyframe out. Defaults to False (the LFB papers'
            window is centred on and includes it).
        missing_video: ``'error'`` (default: a video absent from the bank is a mistake — a dump
            of the wrong split — and raises, naming the bank and the video) or ``'empty'``.
    """

    def __init__(self, root: str, window: tuple[int, int] | list[int] = (-8, 8),
                 max_per_keyframe: int = 5, exclude_current: bool = False,
                 missing_video: str = 'error') -> None:
        lo, hi = (int(v) for v in window)
        if lo > hi:
            raise ValueError(f'window must be (first, last) with first <= last, got {window}')
        if max_per_keyframe < 1:
            raise ValueError(f'max_per_keyframe must be >= 1, got {max_per_keyframe}')
        if missing_video not in ('error', 'empty'):
            raise ValueError(f"missing_video must be 'error' or 'empty', got {missing_video!r}")
        self.root = root
        self.window_range = (lo, hi)
        self.max_per_keyframe = int(max_per_keyframe)
        self.exclude_current = exclude_current
        self.missing_video = missing_video
        self.training = False
        self._meta: dict[str, Any] | None = None
        self._videos: dict[str, VideoBank | None] = {}

    @property
    def meta(self) -> dict[str, Any]:
        """``meta.json`` of the bank (read on first use)."""
        if self._meta is None:
            self._meta = read_bank_meta(self.root)
        return self._meta

    @property
    def channels(self) -> int:
        """``C``."""
        return int(self.meta['channels'])

    def train(self, mode: bool = True) -> FeatureBank:
        """Random (training) or first-``k`` (testing) sampling."""
        self.training = mode
        return self

    def video(self, video_id: str) -> VideoBank | None:
        """The video's bank (None if absent and ``missing_video='empty'``)."""
        if video_id not in self._videos:
            channels = self.channels  # a folder without meta.json is no bank: say so first
            path = video_bank_path(self.root, video_id)
            if osp.isfile(path):
                self._videos[video_id] = read_video_bank(path, channels)
            elif self.missing_video == 'error':
                raise KeyError(f'{self.root}: no features for video {video_id!r} ({path} '
                               'missing: was this split dumped?)')
            else:
                self._videos[video_id] = None
        return self._videos[video_id]

    def _seconds(self, timestamp: int) -> list[int]:
        lo, hi = self.window_range
        return [timestamp + d for d in range(lo, hi + 1)
                if not (self.exclude_current and d == 0)]

    def _take(self, feats: np.ndarray) -> np.ndarray:
        k = self.max_per_keyframe
        if len(feats) <= k:
            return feats
        if self.training:
            return feats[np.sort(torch.randperm(len(feats))[:k].numpy())]
        return feats[:k]

    def window(self, video_id: str, timestamp: int) -> Tensor:
        """``(M, C)`` float32 features of the window around ``(video_id, timestamp)`` (``M`` may
        be 0), keyframe by keyframe in time order."""
        bank = self.video(video_id)
        parts = [] if bank is None else [self._take(bank.features_at(s))
                                         for s in self._seconds(int(timestamp))]
        parts = [p for p in parts if len(p)]
        if not parts:
            return torch.zeros(0, self.channels)
        return torch.from_numpy(np.concatenate(parts).astype(np.float32))

    def padded(self, video_id: str, timestamp: int) -> Tensor:
        """``(L * max_per_keyframe, C)`` float32: keyframe ``i`` of the window in rows
        ``i * k .. i * k + n_i - 1``, zeros elsewhere (mmaction2's LFB layout; ``L`` counts every
        second of the window, ``exclude_current`` included as a zero block)."""
        lo, hi = self.window_range
        k = self.max_per_keyframe
        out = torch.zeros(hi - lo + 1, k, self.channels)
        bank = self.video(video_id)
        if bank is not None:
            for i, d in enumerate(range(lo, hi + 1)):
                if self.exclude_current and d == 0:
                    continue
                f = self._take(bank.features_at(int(timestamp) + d))
                if len(f):
                    out[i, :len(f)] = torch.from_numpy(f.astype(np.float32))
        return out.reshape(-1, self.channels)

    @staticmethod
    def key_of(meta: Mapping[str, Any]) -> tuple[str, int]:
        """``(video_id, timestamp)`` of a data sample's metainfo (``img_key`` or
        ``video_id`` + ``timestamp``, as ``PackActionInputs`` packs them).

        Raises:
            KeyError: the metainfo has neither.
        """
        if 'img_key' in meta:
            vid, ts = str(meta['img_key']).rsplit(',', 1)
            return vid, int(ts)
        if 'video_id' in meta and 'timestamp' in meta:
            return str(meta['video_id']), int(meta['timestamp'])
        raise KeyError('a feature bank needs img_key (or video_id and timestamp) in the data '
                       f'sample metainfo; got keys {sorted(meta)}')


def bank_configs(node: Any) -> Iterator[tuple[dict, int]]:
    """Every feature-bank reader in a model config, with the feature width it expects.

    Yields ``(bank, channels)``: ``bank`` is the (mutable) :class:`FeatureBank` argument dict of
    an ``ACARRoIHead`` (``long_term_bank``; width ``bank_channels`` or ``hidden_channels``) or a
    ``BankFBOHead`` (``bank``; width ``fbo_cfg.lt_feat_channels``), wherever it sits (shared head
    chains included) — e.g. to point a config at a freshly dumped bank.
    """
    if isinstance(node, Mapping):
        kind = str(node.get('type', '')).split('.')[-1]
        if kind == 'ACARRoIHead' and node.get('long_term_bank'):
            yield node['long_term_bank'], int(node.get('bank_channels')
                                              or node['hidden_channels'])
        elif kind == 'BankFBOHead':
            yield node['bank'], int(node['fbo_cfg']['lt_feat_channels'])
        for v in node.values():
            yield from bank_configs(v)
    elif isinstance(node, (list, tuple)):
        for v in node:
            yield from bank_configs(v)
