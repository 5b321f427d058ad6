"""The quick start: the whole two-stage pipeline on the synthetic benchmark, from one command.

``python tools/quickstart.py [--preset small] [--seed 0] [--work-dir work_dirs/quickstart]``

1. **data** — generate the synthetic benchmark (``--preset``, ``--seed``) unless the folder holds
   that preset and seed already;
2. **detector** — train the tiny person detector (``configs/stage_one/faster-rcnn_r18-w16_...``)
   on its COCO export and score it with pycocotools (AP@0.5, AR@100);
3. **proposals** — run it on the AVA-layout keyframes of both splits (boxes ≥ ``--score-thr``);
4. **action** — train the tiny SlowFast baseline (``configs/baseline/slowfast-tiny_1xb8-...``)
   on those proposals and score it with the official AVA frame-mAP@0.5 scorer;
5. **multisports** — run detector + action model on every frame of the first ``--ms-videos``
   MultiSports-layout validation videos (the same model: MultiSports label ``c`` is class id
   ``c + 1``), link tubes, and score frame-mAP and video-mAP with the project's scorers;
6. **outputs** — ``<work-dir>/annotated_<video>.mp4`` (boxes, track ids, top actions; also for
   the real clip ``--real-video``, by default ``../shared/data/videos/people.mp4`` when present),
   ``class_ap.png`` (per-class AP bars), ``metrics.json`` (everything, with step timings).

Training runs ``tools/train.py`` on configs written to ``<work-dir>/<step>/config.py`` (re-run
them by hand to change anything); a re-run skips finished steps and resumes an interrupted
training from its last checkpoint.
"""

from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mmaction_plugins.engine.runs import (
    REPO,
    Progress,
    ensure_data,
    point_stad_config_at,
    set_epochs,
    train_and_test,
)
from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

__all__ = ['main', 'run_quickstart', 'build_parser']

DET_CONFIG = osp.join(REPO, 'configs', 'stage_one',
                      'faster-rcnn_r18-w16_fpn_12e_synthetic-person.py')
ACTION_CONFIG = osp.join(REPO, 'configs', 'baseline',
                         'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _step(title: str) -> None:
    print(f'\n== {title}', flush=True)


# ---------------------------------------------------------------------------------------------
# configs


def detector_config(data_root: str, work_dir: str) -> Any:
    """The tiny person detector's config pointed at ``data_root`` (a synthetic benchmark)."""
    from mmengine.config import Config

    cfg = Config.fromfile(DET_CONFIG)
    root = data_root.rstrip('/') + '/'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = root
    for ev in ('val_evaluator', 'test_evaluator'):
        cfg[ev].ann_file = root + 'coco/person_keypoints_val.json'
    cfg.work_dir = work_dir
    return cfg


def action_config(data_root: str, work_dir: str, proposals: dict[str, str],
                  score_thr: float) -> Any:
    """The tiny SlowFast baseline's config on ``data_root`` with the detector's proposals."""
    from mmengine.config import Config

    return point_stad_config_at(Config.fromfile(ACTION_CONFIG), data_root, work_dir, proposals,
                                score_thr)


# ---------------------------------------------------------------------------------------------
# the steps


def write_proposals(det_cfg_path: str, det_ckpt: str, data_root: str, out_dir: str,
                    score_thr: float) -> dict[str, str]:
    """Detector proposals of the AVA-layout keyframes of both splits (``.json``, safe layout)."""
    from mmdet.apis import init_detector

    from mmaction_plugins.datasets.proposals import save_proposals
    from mmaction_plugins.engine.detect_proposals import ava_keyframes, detect_proposals

    paths = {s: osp.join(out_dir, f'ava_proposals_{s}.json') for s in ('train', 'val')}
    if all(osp.isfile(p) and osp.getmtime(p) > osp.getmtime(det_ckpt) for p in paths.values()):
        print(f'  {out_dir}: proposals exist')
        return paths
    model = init_detector(det_cfg_path, det_ckpt, device='cpu')
    for split, path in paths.items():
        frames = list(ava_keyframes(osp.join(data_root, 'ava', 'annotations', f'ava_{split}.csv'),
                                    osp.join(data_root, 'ava', 'rawframes')))
        bar = Progress(f'proposals {split}', len(frames))
        props = detect_proposals(model, frames, score_thr,
                                 progress=lambda n, b=bar: b.update(step=n))
        bar.close()
        save_proposals(props, path)
        n = sum(len(v) for v in props.values())
        print(f'  {path}: {n} boxes on {len(props)} keyframes')
    return paths


def _run_video(det: Any, act: Any, rgb: np.ndarray, score_thr: float, name: str
               ) -> tuple[dict[int, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """:func:`~mmaction_plugins.apis.detect_and_classify` on every frame, with progress bars."""
    from mmaction_plugins.apis import detect_and_classify

    persons = Progress(f'{name}: persons', len(rgb))
    actions = Progress(f'{name}: actions', len(rgb))
    out = detect_and_classify(det, act, rgb, score_thr,
                              on_detected=lambda n: persons.update(step=n),
                              on_classified=lambda n: actions.update(step=n))
    persons.close()
    actions.close()
    return out


def _subset_gt(gt: dict[str, Any], videos: list[str]) -> dict[str, Any]:
    keep = set(videos)
    out = dict(gt)
    out['test_videos'] = [list(videos)]
    out['gttubes'] = {k: v for k, v in gt['gttubes'].items() if k in keep}
    out['nframes'] = {k: v for k, v in gt['nframes'].items() if k in keep}
    out['resolution'] = {k: v for k, v in gt['resolution'].items() if k in keep}
    return out


def multisports_eval(det_cfg_path: str, det_ckpt: str, act_cfg_path: str, act_ckpt: str,
                     data_root: str, n_videos: int, score_thr: float,
                     on_video: Callable[[str, np.ndarray, dict, dict], None] | None = None
                     ) -> dict[str, Any]:
    """Detector + action model on every frame of the first ``n_videos`` validation videos.

    Returns:
        dict: ``frameAP@0.5`` / ``videoAP@0.2`` / ``videoAP@0.5`` / ``videoAP@0.1:0.9`` (percent,
        :func:`~mmaction_plugins.evaluation.multisports.multisports_summary`), ``per_class``
        (frame AP fractions) and ``videos`` (the keys evaluated).
    """
    from mmdet.apis import init_detector

    from mmaction_plugins.apis import init_stad_model, read_video_rgb
    from mmaction_plugins.evaluation.multisports import frame_ap_per_class, multisports_summary
    from mmaction_plugins.evaluation.multisports_gt import load_multisports_gt
    from mmaction_plugins.evaluation.multisports_metric import frame_dets_from_results
    from mmaction_plugins.evaluation.tube_linking import link_tubes

    gt_all = load_multisports_gt(osp.join(data_root, 'multisports', 'annotations',
                                          'multisports_GT.pkl'))
    videos = list(gt_all['test_videos'][0])[:n_videos]
    gt = _subset_gt(gt_all, videos)
    det = init_detector(det_cfg_path, det_ckpt, device='cpu')
    act = init_stad_model(act_cfg_path, act_ckpt)
    results: list[list[Any]] = []
    for key in videos:
        rgb = read_video_rgb(osp.join(data_root, 'multisports', 'trainval', key + '.mp4'))
        boxes, preds = _run_video(det, act, rgb, score_thr, osp.basename(key))
        for k, (bb, sc) in preds.items():
            # MultiSports label c is class id c + 1 (column 0 of the AVA-style head is unused)
            results.append([key, k + 1, bb, sc[:, 1:]])
        if on_video is not None:
            on_video(key, rgb, boxes, preds)
    dets = frame_dets_from_results(gt, results)
    tubes = link_tubes(gt, dets)
    summary = multisports_summary(gt, dets, tubes)
    return {**summary, 'per_class': frame_ap_per_class(gt, dets), 'videos': videos}


def class_groups(manifest: dict[str, Any]) -> dict[str, str]:
    """Class name → group from the synthetic benchmark's manifest."""
    return {c['name']: c['group'] for c in manifest.get('classes', [])}


# ---------------------------------------------------------------------------------------------
# entry point


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    p = argparse.ArgumentParser(prog='python tools/quickstart.py',
                                description=(__doc__ or '').split('\n')[0])
    p.add_argument('--preset', default='small', help='synthetic preset (tiny for CI)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--data', default=None,
                   help='dataset folder (default data/synthetic/quickstart-<preset>-s<seed>)')
    p.add_argument('--work-dir', default='work_dirs/quickstart')
    p.add_argument('--score-thr', type=float, default=0.6,
                   help='person score threshold for proposals (seed 000: 0.6)')
    p.add_argument('--ms-videos', type=int, default=4,
                   help='MultiSports-layout validation videos scored frame by frame')
    p.add_argument('--real-video', default=osp.join(osp.dirname(REPO), 'shared', 'data', 'videos',
                                                    'people.mp4'),
                   help='a real clip annotated with the trained models ("" to skip)')
    p.add_argument('--det-epochs', type=int, default=None, help='override the detector schedule')
    p.add_argument('--action-epochs', type=int, default=None,
                   help='override the action model schedule')
    return p


def run_quickstart(args: argparse.Namespace) -> dict[str, Any]:
    """Run every step (see the module docstring); returns the metrics written to JSON."""
    import mmaction_plugins  # noqa: F401  (compat + registrations)
    from mmaction_plugins.apis import assign_track_ids
    from mmaction_plugins.evaluation.label_map import read_label_map
    from mmaction_plugins.visualization import plot_class_ap, write_annotated_video

    t0 = time.monotonic()
    timings: dict[str, float] = {}
    work = osp.abspath(args.work_dir)
    data = osp.abspath(args.data or osp.join('data', 'synthetic',
                                             f'quickstart-{args.preset}-s{args.seed}'))
    os.makedirs(work, exist_ok=True)

    def lap(name: str, since: float) -> float:
        timings[name] = round(time.monotonic() - since, 1)
        return time.monotonic()

    _step(f'1/6 synthetic benchmark ({args.preset}, seed {args.seed}) -> {data}')
    t = time.monotonic()
    manifest = ensure_data(args.preset, args.seed, data)
    t = lap('data', t)

    _step('2/6 person detector (tiny Faster R-CNN, trained from scratch)')
    det_dir = osp.join(work, 'detector')
    det_cfg = detector_config(data, det_dir)
    if args.det_epochs:
        set_epochs(det_cfg, args.det_epochs)
    det_metrics = train_and_test(det_cfg, det_dir, 'detector', args.seed)
    det_ckpt = osp.join(det_dir, f'epoch_{int(det_cfg.train_cfg.max_epochs)}.pth')
    print(f'  person AP@0.5 {det_metrics["coco/bbox_mAP_50"]:.3f}  '
          f'AR@100 {det_metrics.get("coco/bbox_AR@100", float("nan")):.3f}')
    t = lap('detector', t)

    _step(f'3/6 proposals (person score >= {args.score_thr})')
    props = write_proposals(osp.join(det_dir, 'config.py'), det_ckpt, data,
                            osp.join(work, 'proposals'), args.score_thr)
    t = lap('proposals', t)

    _step('4/6 action model (tiny SlowFast + AVARoIHead) on the proposals')
    act_dir = osp.join(work, 'action')
    act_cfg = action_config(data, act_dir, props, args.score_thr)
    if args.action_epochs:
        set_epochs(act_cfg, args.action_epochs)
    ava = train_and_test(act_cfg, act_dir, 'action', args.seed)
    act_ckpt = osp.join(act_dir, f'epoch_{int(act_cfg.train_cfg.max_epochs)}.pth')
    t = lap('action', t)

    _step(f'5/6 MultiSports layout: {args.ms_videos} validation videos frame by frame')
    label_map = read_label_map(osp.join(data, 'ava', 'annotations', 'ava_action_list.pbtxt'))
    video_out: dict[str, str] = {}

    def annotate(key: str, rgb: np.ndarray, boxes: dict, preds: dict) -> None:
        if video_out:
            return
        ordered = [boxes.get(k, np.zeros((0, 5))) for k in range(len(rgb))]
        ids = assign_track_ids(ordered)
        path = osp.join(work, f'annotated_{osp.basename(key)}.mp4')
        write_annotated_video(path, rgb, {k: b[:, :4] for k, b in enumerate(ordered)},
                              dict(enumerate(ids)), {k: s for k, (_, s) in preds.items()},
                              label_map, fps=float(manifest.get('fps', 30)))
        video_out[key] = path

    ms = multisports_eval(osp.join(det_dir, 'config.py'), det_ckpt,
                          osp.join(act_dir, 'config.py'), act_ckpt, data, args.ms_videos,
                          args.score_thr, on_video=annotate)
    t = lap('multisports', t)

    _step('6/6 outputs')
    real = args.real_video
    if real and osp.isfile(real):
        # a real clip: the synthetic-trained models' boxes may be poor; this runs the path
        from mmdet.apis import init_detector

        from mmaction_plugins.apis import init_stad_model, read_video_rgb

        rgb = read_video_rgb(real)
        boxes, preds = _run_video(
            init_detector(osp.join(det_dir, 'config.py'), det_ckpt, device='cpu'),
            init_stad_model(osp.join(act_dir, 'config.py'), act_ckpt), rgb, args.score_thr,
            'real video')
        ordered = [boxes[k] for k in range(len(rgb))]
        path = osp.join(work, f'annotated_{osp.splitext(osp.basename(real))[0]}.mp4')
        write_annotated_video(path, rgb, {k: b[:, :4] for k, b in enumerate(ordered)},
                              dict(enumerate(assign_track_ids(ordered))),
                              {k: s for k, (_, s) in preds.items()}, label_map, upscale=1)
        video_out['real'] = path
        real_boxes = sum(len(b) for b in ordered)
        print(f'  {path}: {real_boxes} person boxes on {len(rgb)} frames')
    elif real:
        print(f'  real video {real} not found: skipped')
    t = lap('real_video', t)
    groups = class_groups(manifest)
    ava_by_name = {k[len('mAP/class/'):]: v for k, v in ava.items() if k.startswith('mAP/class/')}
    ava_pc = {n: ava_by_name.get(n, float('nan')) for n in label_map.values()}  # label order
    chart = plot_class_ap(
        osp.join(work, 'class_ap.png'),
        {'AVA frame-AP@0.5 (val)': ava_pc,
         f'MultiSports frame-AP@0.5 ({len(ms["videos"])} val videos)':
             {n: ms['per_class'].get(n, float('nan')) for n in label_map.values()}},
        groups, title=f'quick start: synthetic {args.preset}, seed {args.seed}')
    timings['total'] = round(time.monotonic() - t0, 1)
    metrics = {
        'preset': args.preset, 'seed': args.seed, 'data': data,
        'detector': {'AP@0.5': det_metrics.get('coco/bbox_mAP_50'),
                     'AP@[.5:.95]': det_metrics.get('coco/bbox_mAP'),
                     'AR@100': det_metrics.get('coco/bbox_AR@100')},
        'ava': {'frame_mAP@0.5': ava.get('mAP/overall'),
                'per_class': ava_pc},
        'multisports': {k: ms[k] for k in ('frameAP@0.5', 'videoAP@0.2', 'videoAP@0.5',
                                           'videoAP@0.1:0.9')}
        | {'per_class': ms['per_class'], 'videos': ms['videos']},
        'outputs': {'annotated_video': next(iter(video_out.values()), None),
                    'annotated_real_video': video_out.get('real'), 'ap_chart': chart,
                    'detector_checkpoint': det_ckpt, 'action_checkpoint': act_ckpt},
        'seconds': timings,
    }
    metrics_path = osp.join(work, 'metrics.json')
    atomic_write_json(metrics_path, _json_safe(metrics))
    summary = _summary(metrics, metrics_path)
    atomic_write_text(osp.join(work, 'summary.txt'), summary)
    print('\n' + summary, flush=True)
    return metrics


def _json_safe(obj: Any) -> Any:
    """NaN (no ground truth) becomes ``null``: strict JSON has no NaN."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return None if np.isnan(obj) else float(obj)
    return obj


def _summary(m: dict[str, Any], metrics_path: str) -> str:
    def pct(v: float | None) -> str:
        return 'n/a' if v is None or np.isnan(v) else f'{v:6.2f}'

    ava_map = m['ava']['frame_mAP@0.5']
    lines = [
        '=' * 72,
        f'quick start — synthetic {m["preset"]} (seed {m["seed"]}), '
        f'{m["seconds"]["total"] / 60:.1f} min',
        '-' * 72,
        f'person detector     AP@0.5 {pct(100 * m["detector"]["AP@0.5"])}%   '
        f'AR@100 {pct(100 * (m["detector"]["AR@100"] or np.nan))}%',
        f'AVA                 frame-mAP@0.5 {pct(None if ava_map is None else 100 * ava_map)}%',
        f'MultiSports         frame-mAP@0.5 {pct(m["multisports"]["frameAP@0.5"])}%   '
        f'video-mAP@0.2 {pct(m["multisports"]["videoAP@0.2"])}%   '
        f'@0.5 {pct(m["multisports"]["videoAP@0.5"])}%   '
        f'@0.1:0.9 {pct(m["multisports"]["videoAP@0.1:0.9"])}%',
        '-' * 72,
        f'annotated video     {m["outputs"]["annotated_video"]}',
        f'real video          {m["outputs"]["annotated_real_video"]}',
        f'per-class AP chart  {m["outputs"]["ap_chart"]}',
        f'all metrics         {metrics_path}',
        'seconds per step    ' + ', '.join(f'{k} {v:.0f}' for k, v in m['seconds'].items()),
        '=' * 72,
    ]
    return '\n'.join(lines) + '\n'


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status."""
    run_quickstart(build_parser().parse_args(argv))
    return 0


if __name__ == '__main__':
    sys.exit(main())
