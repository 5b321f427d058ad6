"""Generate the whole benchmark: plan, annotate and render every video, then write all exports.

Output layout (``OUT``)::

    ava/            raw frames + AVA annotations            (:mod:`.exporters.ava`)
    multisports/    mp4 videos + MultiSports annotations    (:mod:`.exporters.multisports`)
    coco/           person keypoints + body-part boxes      (:mod:`.exporters.coco`)
    tps/            Kinetics-TPS style part states          (:mod:`.exporters.tps`)
    contact_sheet.png
    manifest.json   preset, seed, knobs, per-video facts, and the sha256 of every other file

Video ``i`` is planned with ``numpy.random.default_rng([seed, i])``, its training-label noise
drawn with ``default_rng([seed, i, 1])`` and the theme order with
``default_rng([seed, THEME_STREAM])``: the output depends on (preset, seed) only, and files hold no
timestamps or absolute paths, so the same arguments give byte-identical trees.

The tree is built in ``OUT.partial`` (which must not exist: it also guards against two runs
into the same folder) and renamed into place at the end; an existing ``OUT`` is replaced only
if it holds a previous ``manifest.json`` of this generator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import os.path as osp
import shutil
from collections.abc import Callable, Iterator

import numpy as np

from mmaction_plugins.datasets.synthetic.classes import CLASS_BY_NAME, CLASSES
from mmaction_plugins.datasets.synthetic.contact_sheet import contact_sheet, sheet_frames
from mmaction_plugins.datasets.synthetic.exporters import (
    AVAExporter,
    COCOExporter,
    FrameDirWriter,
    Mp4Writer,
    MultiSportsExporter,
    TPSExporter,
    VideoRecord,
)
from mmaction_plugins.datasets.synthetic.exporters.multisports import video_key
from mmaction_plugins.datasets.synthetic.exporters.tps import video_category
from mmaction_plugins.datasets.synthetic.labels import annotate
from mmaction_plugins.datasets.synthetic.presets import Preset
from mmaction_plugins.datasets.synthetic.render import render_frame
from mmaction_plugins.datasets.synthetic.scenario import build_scene, theme_order
from mmaction_plugins.datasets.synthetic.scene import Scene
from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json

__all__ = ['generate', 'video_ids', 'plan_scenes', 'MANIFEST', 'GENERATOR']

MANIFEST = 'manifest.json'
THEME_STREAM = 1_000_003  # seed-sequence entry of the theme order (video streams use 0..n-1)
GENERATOR = 'mmaction_plugins.datasets.synthetic'


def video_ids(preset: Preset) -> list[tuple[str, str]]:
    """(video_id, split) of every video of ``preset``, train first."""
    n = preset.n_train + preset.n_val
    return [(f'syn{i:04d}', 'train' if i < preset.n_train else 'val') for i in range(n)]


def plan_scenes(preset: Preset, seed: int) -> Iterator[tuple[int, str, str, Scene]]:
    """``(index, video_id, split, scene)`` of every video of ``preset``, in order: the plans
    :func:`generate` renders (same seeds, same themes), without rendering anything."""
    themes = theme_order(np.random.default_rng([seed, THEME_STREAM]))
    seen = {'train': 0, 'val': 0}
    for index, (vid, split) in enumerate(video_ids(preset)):
        theme = themes[(seen[split] + (0 if split == 'train' else len(themes) // 2)) % len(themes)]
        seen[split] += 1
        yield index, vid, split, build_scene(np.random.default_rng([seed, index]), preset, vid,
                                             theme)


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def _check_out(out: str) -> None:
    if osp.exists(out) and not osp.isdir(out):
        raise FileExistsError(f'{out}: exists and is not a folder')
    if osp.isdir(out) and os.listdir(out) and not osp.isfile(osp.join(out, MANIFEST)):
        raise FileExistsError(f'{out}: not empty and not a previous output of this generator '
                              f'(no {MANIFEST}); choose another --out')


def generate(preset: Preset, seed: int, out: str,
             progress: Callable[[str], None] | None = None) -> dict:
    """Generate ``preset`` with ``seed`` into ``out``.

    Args:
        preset: What to generate (a :data:`~.presets.PRESETS` entry or a modified copy).
        seed: Random seed.
        out: Output folder (see the module docstring).
        progress: Called with a short message after each video.

    Returns:
        dict: The manifest that was written to ``out/manifest.json``.
    """
    out = osp.normpath(out)
    _check_out(out)
    stage = out + '.partial'
    try:
        os.makedirs(stage)
    except FileExistsError:
        raise FileExistsError(
            f'{stage}: exists — another generation into {out} is running, or one was '
            'interrupted; remove the folder if no run is in progress') from None
    try:
        manifest = _build(preset, seed, stage, progress)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if osp.isdir(out):
        old = out + '.old'
        if osp.isdir(old):
            shutil.rmtree(old)
        os.replace(out, old)
        os.replace(stage, out)
        shutil.rmtree(old)
    else:
        os.replace(stage, out)
    return manifest


def _build(preset: Preset, seed: int, stage: str,
           progress: Callable[[str], None] | None) -> dict:
    """Render and export everything into ``stage``; returns the manifest."""
    knobs = preset.knobs
    ava, ms = AVAExporter(knobs), MultiSportsExporter(knobs)
    coco, tps = COCOExporter(preset.coco_stride), TPSExporter(preset.tps_stride)
    ids = video_ids(preset)
    sheet_video = next(v for v, s in ids if s == 'val')
    videos: dict[str, dict] = {}
    for index, vid, split, scene in plan_scenes(preset, seed):
        ann = annotate(scene)
        category = video_category(ann.labels, scene.theme)
        rec = VideoRecord(scene=scene, ann=ann, split=split,
                          sport=CLASS_BY_NAME[scene.theme].group,
                          category=category, noise_rng=np.random.default_rng([seed, index, 1]))
        mp4 = osp.join('multisports', 'trainval', f'{video_key(rec)}.mp4')
        frames_out = FrameDirWriter(osp.join(stage, 'ava', 'rawframes', vid))
        video_out = Mp4Writer(osp.join(stage, mp4), scene.fps, (scene.width, scene.height))
        wanted = set(sheet_frames(scene)) if vid == sheet_video else set()
        kept: dict[int, np.ndarray] = {}
        for t in range(scene.num_frames):
            frame = render_frame(scene, ann.joints, ann.boxes, t)
            frames_out.write(frame)
            video_out.write(frame)
            if t in wanted:
                kept[t] = frame
        frames_out.close()
        video_out.close()
        if kept:
            atomic_write_bytes(osp.join(stage, 'contact_sheet.png'),
                               contact_sheet(scene, ann, kept))
        for exporter in (ava, ms, coco):
            exporter.add(rec)
        tps.add(rec, mp4)
        keyframe_labels = ann.labels[:, ::scene.fps].sum(axis=(0, 1))
        videos[vid] = {'split': split, 'theme': scene.theme, 'tps_category': category,
                       'sport': rec.sport, 'actors': len(scene.actors),
                       'cue_frame': None if scene.cue_frame is None else scene.cue_frame + 1,
                       'objects': len(scene.objects),
                       'labelled_frames_per_class': {
                           c.name: int(n) for c, n in zip(CLASSES, ann.labels.sum(axis=(0, 1)))},
                       'labels_at_whole_seconds': int(keyframe_labels.sum())}
        if progress is not None:
            progress(f'{vid} ({split}) theme={scene.theme} actors={len(scene.actors)}')
    for writer in (ava, ms, coco, tps):
        writer.write(stage)
    files = {}
    for folder, _, names in os.walk(stage):
        for name in names:
            path = osp.join(folder, name)
            files[osp.relpath(path, stage).replace(os.sep, '/')] = _sha256(path)
    manifest = {'generator': GENERATOR, 'preset': dataclasses.asdict(preset), 'seed': seed,
                'timestamp_start': 900, 'fps': preset.fps,
                'classes': [dataclasses.asdict(c) for c in CLASSES], 'videos': videos,
                'files': dict(sorted(files.items()))}
    atomic_write_json(osp.join(stage, MANIFEST), manifest)
    return manifest
