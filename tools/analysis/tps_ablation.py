"""Kinetics-TPS ablation (issue 9) on the synthetic benchmark: Table 3 of seed 002, 3 seeds, and
the end-to-end TPS score with ground-truth vs predicted human / part boxes.

Per seed (a fresh synthetic dataset *and* a fresh initialisation):

1. the chain's training data (:mod:`mmaction_plugins.datasets.tps.prepare`) into
   ``<work-dir>/seed<N>/prepared`` (the dataset folder is only read);
2. the tiny video recognizer (``configs/kinetics_tps/swin-w16_...``), tested on the validation
   videos: its predicted categories (``video/pred_vid_val.json``) are the category input of the
   part-state networks at test time and the class of every TPS score;
3. Table 3's rows, each the tiny part-state network trained on ground-truth persons and parts
   and tested on the validation split's ground-truth boxes:

   * ``augmentation`` — body feature + a classifier per part (crop / box-jitter / colour
     augmentation, state-balanced resampling, as in every row);
   * ``+action info`` — the category embedding (ground truth in training, predicted at test);
   * ``+RoI pooling`` — RoI part features on the middle stage, body feature concatenated;
   * ``+multi-head attention`` — attention across the part tokens, absent parts masked;

   scored by part-state top-1 (present parts with a known state) and the TPS area with the
   recognizer's categories (``TPS``) and with the true ones (``TPS | GT class``, which isolates
   the part states from the video classification);
4. end to end: the tiny human detector (``configs/stage_one/cascade-rcnn_r18-w16_...``) and
   the tiny TPS part detector (``configs/kinetics_tps/cascade-rcnn_swin-t-w16_...``) trained on
   the TPS frames / person crops; stage one (:mod:`mmaction_plugins.engine.tps_stage_one`) on
   the validation frames with ground-truth humans and with detected humans; the last row's model
   tested on those boxes — the challenge submission scored by the project's scorer — and the
   share of ground-truth parts each stage-one file localises (same part name, IoU >= 0.5:
   :func:`mmaction_plugins.analysis.part_recall.part_box_recall`).

Every training and test is ``tools/train.py`` / ``tools/test.py`` in a subprocess on a config in
its own step folder (``<work-dir>/seed<N>/<step>/config.py``, re-runnable by hand); a re-run only
does what is missing. Results: ``<work-dir>/ablation.md`` (mean ± std over seeds, paired per-seed
differences between consecutive rows), ``<work-dir>/ablation.json`` (every number, and the
seconds every step took); ``--readme`` also writes the tables into the block between the
``ablation:start`` / ``ablation:end`` markers of that file.

    python tools/analysis/tps_ablation.py --preset full --seeds 0 1 2 \\
        --readme configs/kinetics_tps/README.md
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

ROWS = ('augmentation', '+action info', '+RoI pooling', '+multi-head attention')
ROW_CONFIGS = {
    'augmentation': 'configs/kinetics_tps/part-state-aug_swin-w16_1xb32-12e_synthetic-tps.py',
    '+action info': 'configs/kinetics_tps/part-state-action_swin-w16_1xb32-12e_synthetic-tps.py',
    '+RoI pooling': 'configs/kinetics_tps/part-state-roi_swin-w16_1xb32-12e_synthetic-tps.py',
    '+multi-head attention':
        'configs/kinetics_tps/part-state-mha_swin-w16_1xb32-12e_synthetic-tps.py',
}
ROW_DIRS = {'augmentation': 'aug', '+action info': 'action', '+RoI pooling': 'roi',
            '+multi-head attention': 'mha'}
VIDEO_CONFIG = 'configs/kinetics_tps/swin-w16_1xb8-8x8x1-40e_synthetic-tps-rgb.py'
HUMAN_CONFIG = 'configs/stage_one/cascade-rcnn_r18-w16_fpn_4e_synthetic-human.py'
PARTS_CONFIG = 'configs/kinetics_tps/cascade-rcnn_swin-t-w16_fpn_2e_synthetic-tps-parts.py'
#: end-to-end box sources: (key, label, ground-truth humans?)
E2E = (('gt', 'ground-truth humans + ground-truth parts', None),
       ('gt_humans', 'ground-truth humans + detected parts', True),
       ('detected', 'detected humans + detected parts', False))
#: Table 3 metrics: (key in test_metrics.json, column title)
METRICS = (('tps_part/top1', 'part-state top-1 (%)'), ('tps_part/area', 'TPS (%)'),
           ('tps_part/area_gt_class', 'TPS given the true class (%)'))
def build_parser() -> argparse.ArgumentParser:
    from mmaction_plugins.analysis.ablation_cli import ablation_parser

    p = ablation_parser(__doc__, 'work_dirs/tps_ablation')
    p.add_argument('--state-epochs', type=int, default=6,
                   help='epochs of every part-state row (the tiny configs say 12 for `small`; '
                        '`full` has ~6x more persons per epoch)')
    p.add_argument('--video-epochs', type=int, default=30, help='epochs of the video recognizer')
    p.add_argument('--human-epochs', type=int, default=4, help='epochs of the human detector')
    p.add_argument('--part-epochs', type=int, default=2, help='epochs of the part detector')
    p.add_argument('--human-score-thr', type=float, default=0.5,
                   help='detected humans kept for stage one')
    p.add_argument('--rows', nargs='+', choices=ROWS, default=list(ROWS))
    p.add_argument('--no-e2e', action='store_true', help='skip the end-to-end part (step 4)')
    p.add_argument('--e2e-seeds', type=int, nargs='+', default=None,
                   help='run step 4 for these seeds only (default: every seed)')
    return p


def _newer(path: str, *than: str) -> bool:
    return osp.isfile(path) and all(osp.getmtime(path) >= osp.getmtime(t) for t in than)


def _test(cfg: Any, ckpt: str, step_dir: str, label: str, empty: bool = False
          ) -> dict[str, float]:
    """``tools/test.py`` of ``cfg`` on ``ckpt`` in ``step_dir`` unless its metrics are newer.

    With ``empty`` (stage one found nobody: mmengine cannot iterate an empty dataset) the test
    metric scores the empty submission directly.
    """
    from mmaction_plugins.engine.runs import run_tool
    from mmaction_plugins.utils.atomic_io import atomic_write_text

    os.makedirs(step_dir, exist_ok=True)
    cfg_path = osp.join(step_dir, 'config.py')
    cfg.work_dir = step_dir
    atomic_write_text(cfg_path, cfg.pretty_text)
    metrics = osp.join(step_dir, 'test_metrics.json')
    if empty:
        from mmaction.registry import METRICS

        from mmaction_plugins.utils.atomic_io import atomic_write_json

        print(f'  {label}: no person detected, the empty submission is scored')
        metric = METRICS.build(cfg.test_evaluator)
        prefix = metric.prefix or metric.default_prefix
        atomic_write_json(metrics, {f'{prefix}/{k}': v
                                    for k, v in metric.compute_metrics([]).items()})
    elif not _newer(metrics, ckpt, cfg_path):
        run_tool([osp.join(REPO, 'tools', 'test.py'), cfg_path, ckpt, '--work-dir', step_dir],
                 osp.join(step_dir, 'test.log'), f'{label}: test')
    with open(metrics, encoding='utf-8') as f:
        return json.load(f)


def _stage_one(seed_dir: str, data: str, prepared: str, human: tuple[str, str],
               parts: tuple[str, str], args: argparse.Namespace, timings: dict[str, float]
               ) -> dict[str, str]:
    """Stage one on the validation frames with ground-truth and detected humans; returns
    ``{box source: person-parts file}``."""
    out = {k: osp.join(seed_dir, 'stage_one', f'{k}_val.npz') for k, _, gt in E2E
           if gt is not None}
    todo = [k for k in out if not _newer(out[k], human[1], parts[1])]
    if not todo:
        return out
    from mmdet.apis import init_detector

    from mmaction_plugins.datasets.person_parts_file import save_person_parts
    from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary
    from mmaction_plugins.engine.runs import Progress
    from mmaction_plugins.engine.tps_stage_one import tps_stage_one

    tps = osp.join(data, 'tps')
    vocab = load_tps_vocabulary(osp.join(tps, 'part_states.json'),
                                osp.join(tps, 'categories.txt'))
    videos = load_tps_split(osp.join(tps, 'val_list.txt'), osp.join(tps, 'annotations', 'val'),
                            vocab)
    part_model = init_detector(parts[0], parts[1], device='cpu')
    for key in todo:
        t = time.monotonic()
        gt_humans = key == 'gt_humans'
        human_model = None if gt_humans else init_detector(human[0], human[1], device='cpu')
        bar = Progress(f'stage one ({key})', sum(len(v.frames) for v in videos))
        result = tps_stage_one(videos, data, part_model, human_model, args.human_score_thr,
                               progress=lambda n, b=bar: b.update(step=n))
        bar.close()
        save_person_parts(result, out[key])
        timings[f'stage one {key}'] = round(time.monotonic() - t, 1)
    return out


def run_seed(args: argparse.Namespace, seed: int, log: dict[str, Any]) -> dict[str, Any]:
    """Every step for one seed; returns ``{'rows': {row: metrics}, 'e2e': {source: metrics},
    'video': metrics}``."""
    from mmengine.config import Config

    from mmaction_plugins.datasets.tps.prepare import prepare_tps
    from mmaction_plugins.engine.runs import ensure_data, set_epochs, train, train_and_test
    from mmaction_plugins.engine.tps_configs import (
        point_human_config_at,
        point_part_state_config_at,
        point_tps_parts_config_at,
        point_tps_video_config_at,
    )

    data = osp.abspath(osp.join(args.data_root, f'{args.preset}-s{seed}'))
    seed_dir = osp.abspath(osp.join(args.work_dir, f'seed{seed}'))
    prepared = osp.join(seed_dir, 'prepared')
    # seconds per step, kept across re-runs: a step found done (a second or less) keeps the
    # time it took when it ran
    times_path = osp.join(seed_dir, 'seconds.json')
    timings: dict[str, float] = log.setdefault(f'seed{seed}', {})
    if osp.isfile(times_path):
        with open(times_path, encoding='utf-8') as f:
            timings.update(json.load(f))

    def timed(name: str, fn: Any, *a: Any) -> Any:
        from mmaction_plugins.utils.atomic_io import atomic_write_json

        t = time.monotonic()
        out = fn(*a)
        took = round(time.monotonic() - t, 1)
        if took > 1.0 or name not in timings:
            timings[name] = took
            atomic_write_json(times_path, timings)
        return out

    timed('data', ensure_data, args.preset, seed, data)
    if not osp.isfile(osp.join(prepared, 'videos_val.txt')):
        timed('prepare', prepare_tps, data, prepared)

    # the video recognizer: its test writes the predicted categories
    pred_vid = osp.join(seed_dir, 'video', 'pred_vid_val.json')
    cfg = point_tps_video_config_at(Config.fromfile(osp.join(REPO, VIDEO_CONFIG)), data,
                                    pred_vid, prepared)
    set_epochs(cfg, args.video_epochs)
    cfg.work_dir = osp.join(seed_dir, 'video')
    cache = args.train_cache or None
    video = timed('video recognizer', train_and_test, cfg, cfg.work_dir,
                  f'seed {seed} video', seed, cache)
    if not osp.isfile(pred_vid):
        raise RuntimeError(f'{pred_vid}: the video recognizer test wrote no categories')

    rows: dict[str, dict[str, float]] = {}
    ckpts: dict[str, str] = {}
    for row in ROWS:
        if row not in args.rows:
            continue
        step = osp.join(seed_dir, ROW_DIRS[row])
        cfg = point_part_state_config_at(Config.fromfile(osp.join(REPO, ROW_CONFIGS[row])),
                                         data, pred_vid, out_dir=osp.join(step, 'submission'))
        set_epochs(cfg, args.state_epochs)
        cfg.default_hooks.checkpoint.interval = args.state_epochs
        cfg.work_dir = step
        rows[row] = timed(f'row {ROW_DIRS[row]}', train_and_test, cfg, step,
                          f'seed {seed} {ROW_DIRS[row]}', seed, cache)
        ckpts[row] = osp.join(step, f'epoch_{args.state_epochs}.pth')

    e2e: dict[str, dict[str, float]] = {}
    part_recall: dict[str, dict[str, float]] = {}
    last = '+multi-head attention'
    e2e_seed = args.e2e_seeds is None or seed in args.e2e_seeds
    if not args.no_e2e and e2e_seed and last in ckpts:
        e2e['gt'] = rows[last]
        human_cfg = point_human_config_at(Config.fromfile(osp.join(REPO, HUMAN_CONFIG)), data,
                                          prepared)
        set_epochs(human_cfg, args.human_epochs)
        human_cfg.work_dir = osp.join(seed_dir, 'human')
        human_ckpt = timed('human detector', train, human_cfg, human_cfg.work_dir,
                           f'seed {seed} human', seed, cache)
        part_cfg = point_tps_parts_config_at(Config.fromfile(osp.join(REPO, PARTS_CONFIG)),
                                             data, prepared)
        set_epochs(part_cfg, args.part_epochs)
        part_cfg.work_dir = osp.join(seed_dir, 'parts')
        part_ckpt = timed('part detector', train, part_cfg, part_cfg.work_dir,
                          f'seed {seed} parts', seed, cache)
        files = _stage_one(seed_dir, data, prepared,
                           (osp.join(human_cfg.work_dir, 'config.py'), human_ckpt),
                           (osp.join(part_cfg.work_dir, 'config.py'), part_ckpt), args, timings)
        from mmaction_plugins.analysis.part_recall import part_box_recall
        from mmaction_plugins.datasets.person_parts_file import load_person_parts
        from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary

        tps = osp.join(data, 'tps')
        vocab = load_tps_vocabulary(osp.join(tps, 'part_states.json'),
                                    osp.join(tps, 'categories.txt'))
        val_videos = load_tps_split(osp.join(tps, 'val_list.txt'),
                                    osp.join(tps, 'annotations', 'val'), vocab)
        for key, parts_file in files.items():
            part_recall[key] = part_box_recall(load_person_parts(parts_file), val_videos,
                                               vocab.parts)
            step = osp.join(seed_dir, f'e2e_{key}')
            cfg = point_part_state_config_at(Config.fromfile(osp.join(REPO, ROW_CONFIGS[last])),
                                             data, pred_vid, person_parts_file=parts_file,
                                             out_dir=osp.join(step, 'submission'))
            nobody = not any(len(b) for b in load_person_parts(parts_file).boxes.values())
            e2e[key] = timed(f'e2e test {key}', _test, cfg, ckpts[last], step,
                             f'seed {seed} e2e {key}', nobody)
    return dict(rows=rows, e2e=e2e, video=video, part_recall=part_recall)


def _pct(v: float | None) -> float:
    return float('nan') if v is None else 100.0 * float(v)


def report(per_seed: dict[int, dict[str, Any]], args: argparse.Namespace,
           log: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The markdown tables and their JSON twin."""
    from mmaction_plugins.analysis import markdown_table, paired_difference, seed_stats
    from mmaction_plugins.analysis.ablation_cli import report_json

    seeds = sorted(per_seed)
    rows = [r for r in ROWS if r in args.rows]
    video_top1 = seed_stats([_pct(per_seed[s]['video'].get('tps_video/top1')) for s in seeds])
    lines = [f'Synthetic `{args.preset}`, seeds {", ".join(map(str, seeds))}; mean ± std over '
             f'seeds. Tiny CPU models from scratch: part-state networks {args.state_epochs} '
             f'epochs, video recognizer {args.video_epochs} (validation top-1 '
             f'{video_top1.format(1)} %), human detector {args.human_epochs}, part detector '
             f'{args.part_epochs}. TPS is the challenge score (area under the PSC-conditioned '
             'video accuracy) with the recognizer\'s categories; "given the true class" scores '
             'the same part states with the true categories.', '',
             '**Table 3 (ground-truth human and part boxes)**', '']
    body = []
    for row in rows:
        cells = [row]
        for key, _ in METRICS:
            cells.append(seed_stats([_pct(per_seed[s]['rows'][row].get(key))
                                     for s in seeds]).format(1))
        body.append(cells)
    lines.append(markdown_table(['row', *[t for _, t in METRICS]], body))
    claims = []
    for prev, row in zip(rows, rows[1:]):
        cells = [f'{row} − {prev}']
        wins = []
        for key, _ in METRICS:
            d = paired_difference({s: _pct(per_seed[s]['rows'][prev].get(key)) for s in seeds},
                                  {s: _pct(per_seed[s]['rows'][row].get(key)) for s in seeds})
            cells.append(d.format(1))
            wins.append(d.beyond_spread)
        cells.append('yes' if wins[0] else 'no')
        claims.append(cells)
    if claims:
        lines += ['**Paired differences (same seed) between consecutive rows** (the report: '
                  '+1.2, +0.6, +0.7 top-1)', '',
                  markdown_table(['difference', *[t for _, t in METRICS],
                                  'top-1 gain > spread'], claims)]
    e2e_seeds = [s for s in seeds if per_seed[s]['e2e']]
    if e2e_seeds:
        e2e_rows = []
        for key, label, _ in E2E:
            if not all(key in per_seed[s]['e2e'] for s in e2e_seeds):
                continue
            vals = [per_seed[s]['e2e'][key] for s in e2e_seeds]
            e2e_rows.append([label] + [seed_stats([_pct(v.get(k)) for v in vals]).format(1)
                                       for k in ('tps_part/area', 'tps_part/area_gt_class',
                                                 'tps_part/mean_psc')])
        lines += [f'**End to end (+multi-head attention model), by the source of the boxes** '
                  f'(seeds {", ".join(map(str, e2e_seeds))}; detected humans with score >= '
                  f'{args.human_score_thr})', '',
                  markdown_table(['boxes', 'TPS (%)', 'TPS given the true class (%)',
                                  'mean PSC (%)'], e2e_rows)]
        rec_seeds = [s for s in e2e_seeds if per_seed[s].get('part_recall')]
        if rec_seeds:
            first = per_seed[rec_seeds[0]]['part_recall']
            cols = list(next(iter(first.values())))
            rec_rows = [[label] + [seed_stats([100 * per_seed[s]['part_recall'][key][c]
                                               for s in rec_seeds]).format(1) for c in cols]
                        for key, label, _ in E2E if key in first]
            lines += ['', '**Stage-one part boxes: ground-truth parts hit by the box of the same '
                      'part at IoU >= 0.5 (%)** (the condition of a part state to count in the '
                      'TPS score)', '',
                      markdown_table(['boxes', *cols], rec_rows)]
    return '\n'.join(lines), report_json(args, per_seed, log)


def _add_e2e_row(args: argparse.Namespace) -> None:
    """The end-to-end part tests the last row's model."""
    if not args.no_e2e and '+multi-head attention' not in args.rows:
        args.rows.append('+multi-head attention')


def main(argv: list[str] | None = None) -> int:
    from mmaction_plugins.analysis.ablation_cli import ablation_main

    return ablation_main(build_parser, run_seed, report, argv, _add_e2e_row)


if __name__ == '__main__':
    sys.exit(main())
