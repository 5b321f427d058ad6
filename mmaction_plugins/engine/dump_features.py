"""The feature-dump pass of long-term feature banks: a trained STAD model over every keyframe of a
split, one feature vector per actor box, into a bank folder
(:mod:`mmaction_plugins.datasets.feature_bank` documents the layout).

What is stored per actor:

* ``acfb`` — for a head with a ``bank_features(x, rois, metas)`` method
  (:class:`~mmaction_plugins.models.roi_heads.ACARRoIHead`): its pooled actor-context relation
  feature (the seed-001 report's actor-context feature bank);
* ``lfb`` — for any other ``AVARoIHead``: the RoI feature of its extractor, averaged over time and
  max-pooled over space, exactly what mmaction2's ``LFBInferHead`` stores (Wu et al.'s long-term
  feature bank).

The dataset is the config's test dataset (test pipeline: no augmentation) pointed at the split's
annotation and proposal files (``--split train`` takes them from the config's
``train_dataloader``), so the boxes are the proposals the action model sees; excluded timestamps
are dumped too (see :func:`split_dataset_cfg`). Videos are processed
one at a time and each video's file is written atomically when it is complete: a killed dump,
run again, skips the videos already written (``--overwrite`` redoes them).

Command line::

    python tools/dump_features.py CONFIG CHECKPOINT --out BANK --split train [--split val]
        [--batch-size 8] [--device cpu] [--overwrite]
"""

from __future__ import annotations

import argparse
import os.path as osp
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mmaction_plugins.datasets.feature_bank import (
    read_video_bank,
    video_bank_path,
    write_bank_meta,
    write_video_bank,
)

__all__ = ['bank_kind', 'dump_features', 'main', 'roi_bank_features', 'split_dataset_cfg']


def bank_kind(roi_head: Any) -> str:
    """``'acfb'`` for heads with ``bank_features``, else ``'lfb'``."""
    return 'acfb' if callable(getattr(roi_head, 'bank_features', None)) else 'lfb'


def roi_bank_features(roi_head: Any, x: Any, rois: Any, metas: list[dict]) -> Any:
    """``(N, C)`` bank features of ``rois`` (see the module docstring).

    Args:
        roi_head: The model's RoI head.
        x: Backbone features of the batch.
        rois: ``(N, 5)`` RoIs ``batch_idx, x1, y1, x2, y2`` in input pixels.
        metas: Per-clip metainfo.
    """
    if bank_kind(roi_head) == 'acfb':
        return roi_head.bank_features(x, rois, metas)
    feats, _ = roi_head.bbox_roi_extractor(x, rois)  # (N, C, T, S, S)
    return feats.mean(dim=2).amax(dim=(2, 3))


def split_dataset_cfg(cfg: Any, split: str) -> dict:
    """The config's test dataset, pointed at ``split``'s files (``train``: the train loader's
    annotation and proposal files; anything else: the test loader's), **without** the exclusion
    file: excluded keyframes are left out of scoring, not out of the neighbours' long-term
    context (a keyframe excluded because its clip shows a cue is exactly what the bank must
    remember)."""
    ds = dict(cfg.test_dataloader.dataset)
    ds['test_mode'] = True
    if split == 'train':
        src = cfg.train_dataloader.dataset
        for key in ('ann_file', 'proposal_file', 'data_prefix', 'person_det_score_thr'):
            if key in src:
                ds[key] = src[key]
    ds['exclude_file'] = None
    return ds


def dump_features(config: str | Any, checkpoint: str | None, out: str,
                  splits: Sequence[str] = ('train', 'val'), batch_size: int = 8,
                  device: str = 'cpu', overwrite: bool = False,
                  progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Write the bank of every keyframe of ``splits`` to ``out``.

    Args:
        config: The trained model's config (path or ``Config``).
        checkpoint: Its checkpoint.
        out: Bank folder (created; may already hold other splits of the same kind and width).
        splits: ``'train'`` and / or the test split (any other name: the test loader's files).
        batch_size: Clips per backbone pass.
        device: Torch device.
        overwrite: Rewrite videos that already have a file.
        progress: Called as ``progress(split, videos_done, videos_total)``.

    Returns:
        dict: The bank's ``meta.json`` after the dump.
    """
    import torch
    from mmaction.registry import DATASETS
    from mmdet.structures.bbox import bbox2roi
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from mmaction_plugins.apis import init_stad_model

    cfg = Config.fromfile(config) if isinstance(config, str) else config
    model = init_stad_model(cfg, checkpoint, device=device)
    kind = bank_kind(model.roi_head)
    meta: dict[str, Any] = {}
    for split in splits:
        init_default_scope(cfg.get('default_scope', 'mmaction'))
        dataset = DATASETS.build(split_dataset_cfg(cfg, split))
        by_video: dict[str, list[int]] = defaultdict(list)
        for i in range(len(dataset)):
            by_video[str(dataset.get_data_info(i)['video_id'])].append(i)
        t0 = time.monotonic()
        n_feats = n_keyframes = 0
        channels: int | None = None
        for done, (video, indices) in enumerate(sorted(by_video.items()), 1):
            path = video_bank_path(out, video)
            if osp.isfile(path) and not overwrite:
                vb = read_video_bank(path)
                n_feats += len(vb.features)
                n_keyframes += len(vb.timestamps)
                channels = vb.features.shape[1]
                if progress is not None:
                    progress(split, done, len(by_video))
                continue
            per_keyframe: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            for start in range(0, len(indices), batch_size):
                batch = pseudo_collate([dataset[i] for i in indices[start:start + batch_size]])
                with torch.no_grad():
                    data = model.data_preprocessor(batch, False)
                    samples = data['data_samples']
                    x = model.extract_feat(data['inputs'])
                    boxes = [s.proposals.bboxes for s in samples]
                    rois = bbox2roi(boxes)
                    feats = roi_bank_features(model.roi_head, x, rois,
                                              [s.metainfo for s in samples])
                feats = feats.float().cpu().numpy()
                offset = 0
                for s, b in zip(samples, boxes):
                    h, w = s.metainfo['img_shape'][:2]
                    rel = (b.cpu().numpy() / np.array([w, h, w, h], np.float32)).clip(0, 1)
                    per_keyframe[int(s.metainfo['timestamp'])] = (
                        rel, feats[offset:offset + len(b)])
                    offset += len(b)
            width = int(feats.shape[1])
            channels = width
            if not meta:  # the first video written fixes (or checks) kind and width
                meta = write_bank_meta(out, kind, width)
            write_video_bank(out, video, per_keyframe, width)
            n_feats += sum(len(b) for b, _ in per_keyframe.values())
            n_keyframes += len(per_keyframe)
            if progress is not None:
                progress(split, done, len(by_video))
        if channels is None:
            raise ValueError(f'split {split!r} of '
                             f'{config if isinstance(config, str) else cfg.filename} has no '
                             'keyframes to dump')
        meta = write_bank_meta(out, kind, channels, split, dict(
            config=config if isinstance(config, str) else getattr(cfg, 'filename', None),
            checkpoint=checkpoint, ann_file=str(split_dataset_cfg(cfg, split).get('ann_file')),
            videos=len(by_video), keyframes=n_keyframes, features=n_feats,
            seconds=round(time.monotonic() - t0, 1)))
    return meta


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', required=True, help='bank folder')
    p.add_argument('--split', action='append', dest='splits',
                   help="'train' and / or 'val' (repeatable; default both)")
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--device', default='cpu')
    p.add_argument('--overwrite', action='store_true', help='redo videos already written')
    args = p.parse_args(argv)
    import mmaction_plugins  # noqa: F401  (compat repairs and registrations)

    def show(split: str, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            print(f'  dump {split}: {done}/{total} videos', flush=True)

    meta = dump_features(args.config, args.checkpoint, args.out, args.splits or ['train', 'val'],
                         args.batch_size, args.device, args.overwrite, show)
    for split, info in meta.get('splits', {}).items():
        print(f'{split}: {info.get("videos")} videos, {info.get("keyframes")} keyframes, '
              f'{info.get("features")} features of {meta["channels"]} channels -> {args.out}')
    return meta
