"""Linear probes of trained models' per-person features on a synthetic benchmark, per class group.

For each ``--model NAME CONFIG CHECKPOINT``: the ``roi`` (pooled person RoI feature) and
``classifier`` (input of the head's classifier) vectors of every ground-truth person of the
training and validation splits (:mod:`mmaction_plugins.analysis.feature_probe`), a
logistic-regression probe per vector fitted on the training persons, and its AP per class and
per capability group on the validation persons (``val``) and on the training persons it was
fitted on (``fit``). Where ``classifier`` scores a group below ``roi`` the head loses evidence its
own input carries; ``fit`` far above ``val`` is memorisation. ``--partner`` adds the nearest other
person's feature with its geometry (does a second actor carry relation evidence?), ``--hidden N``
makes every probe a one-hidden-layer network (reads interactions of the two), ``--classes
relation`` adds a per-class table of that group.

    python tools/analysis/feature_probe.py \\
        --model linear work_dirs/.../linear/config.py work_dirs/.../linear/epoch_12.pth \\
        --model pcca work_dirs/.../pcca/config.py work_dirs/.../pcca/epoch_12.pth

Features are kept in ``--work-dir`` (``<name>_<split>_features.npz``, recomputed when older than
the checkpoint); the table goes to stdout and ``<work-dir>/feature_probe.md``, the numbers to
``feature_probe.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', nargs=3, action='append', required=True,
                   metavar=('NAME', 'CONFIG', 'CHECKPOINT'),
                   help='a trained model (repeatable); CONFIG points at a synthetic benchmark '
                        '(an ablation step folder\'s config.py), the same for every model')
    p.add_argument('--work-dir', default='work_dirs/feature_probe')
    p.add_argument('--epochs', type=int, default=300, help='full-batch steps of each probe')
    p.add_argument('--context-scales', type=float, nargs='+', default=[],
                   help='also probe the pooled feature of the person box enlarged this many '
                        'times (PCCA\'s context box), alone and beside the RoI feature')
    p.add_argument('--partner', action='store_true',
                   help='also probe the nearest other person\'s RoI feature with its geometry, '
                        'alone and beside the person\'s own (actor-actor relations)')
    p.add_argument('--hidden', type=int, default=0,
                   help='hidden units of a one-hidden-layer probe (0: logistic regression); '
                        'a hidden layer reads interactions of two concatenated features')
    p.add_argument('--classes', nargs='+', default=[], metavar='GROUP',
                   help='also a per-class table (validation AP) of these capability groups\' '
                        'classes, e.g. relation')
    return p


def data_root_of(config: str) -> str:
    """The synthetic benchmark folder a (step) config's test loader reads:
    ``<data>/ava/rawframes`` is its frame folder."""
    from mmengine.config import Config

    frames = Config.fromfile(config).test_dataloader.dataset.data_prefix.img
    return osp.dirname(osp.dirname(osp.abspath(frames)))


def _features(name: str, config: str, ckpt: str, split: str, work_dir: str,
              context_scales: list[float], partner: bool = False) -> Any:
    """:class:`PersonFeatures` of ``split`` (the config's own files for it, exclusions kept),
    from ``work_dir`` when newer than ``ckpt``."""
    import numpy as np

    from mmaction_plugins.analysis.feature_probe import PersonFeatures, extract_person_features
    from mmaction_plugins.engine.dump_features import split_dataset_cfg
    from mmaction_plugins.engine.runs import Progress
    from mmaction_plugins.utils.atomic_io import atomic_write_bytes

    path = osp.join(work_dir, f'{name}_{split}_features.npz')
    want = {f'f_context{sc:g}x' for sc in context_scales} | ({'f_partner'} if partner else set())
    if osp.isfile(path) and osp.getmtime(path) > osp.getmtime(ckpt):
        with np.load(path, allow_pickle=False) as z:
            if want <= set(z.files):
                return PersonFeatures({k[2:]: z[k] for k in z.files if k.startswith('f_')},
                                      z['labels'])
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmaction_plugins.apis import init_stad_model

    cfg = Config.fromfile(config)
    model = init_stad_model(cfg, ckpt)
    init_default_scope('mmaction')
    ds = split_dataset_cfg(cfg, split)
    ds['exclude_file'] = (cfg.train_dataloader if split == 'train'
                          else cfg.test_dataloader).dataset.get('exclude_file')
    dataset = DATASETS.build(ds)
    bar = Progress(f'{name} {split}: features', len(dataset))
    feats = extract_person_features(model, dataset, context_scales=context_scales,
                                    partner=partner, progress=lambda n: bar.update(step=n))
    bar.close()
    import io

    buf = io.BytesIO()
    np.savez(buf, labels=feats.labels, **{f'f_{k}': v for k, v in feats.features.items()})
    atomic_write_bytes(path, buf.getvalue())
    return feats


def main(argv: list[str] | None = None) -> int:
    import mmaction_plugins  # noqa: F401  (compat repairs and registrations)
    from mmaction_plugins.analysis import (
        CHANCE_ROW,
        class_groups,
        groups_line,
        markdown_table,
        overall_and_group_means,
        val_prevalence,
    )
    from mmaction_plugins.analysis.feature_probe import fit_probe, probe_ap
    from mmaction_plugins.evaluation.label_map import read_label_map
    from mmaction_plugins.utils.atomic_io import atomic_write_json, atomic_write_text

    args = build_parser().parse_args(argv)
    roots = {data_root_of(config) for _, config, _ in args.model}
    if len(roots) != 1:
        raise SystemExit(f'the models read different data: {sorted(roots)}')
    data = roots.pop()
    anno = osp.join(data, 'ava', 'annotations')
    with open(osp.join(data, 'manifest.json'), encoding='utf-8') as f:
        groups = class_groups(json.load(f))
    names = read_label_map(osp.join(anno, 'ava_action_list.pbtxt'))
    columns = ['overall', *dict.fromkeys(groups.values())]
    unknown = sorted(set(args.classes) - set(groups.values()))
    if unknown:
        raise SystemExit(f'--classes: no group {unknown} in {data}/manifest.json '
                         f'(groups: {sorted(set(groups.values()))})')
    per_class_names = [c for c, g in groups.items() if g in args.classes]
    os.makedirs(args.work_dir, exist_ok=True)

    results: dict[str, Any] = {}
    for name, config, ckpt in args.model:
        train = _features(name, config, ckpt, 'train', args.work_dir, args.context_scales,
                          args.partner)
        val = _features(name, config, ckpt, 'val', args.work_dir, args.context_scales,
                        args.partner)
        for feat in train.features:
            fit_scores, val_scores = fit_probe(train.features[feat], train.labels,
                                               train.features[feat], val.features[feat],
                                               epochs=args.epochs, hidden=args.hidden)
            val_ap = probe_ap(val_scores, val.labels, names)
            results[f'{name} {feat}'] = {
                'dims': int(train.features[feat].shape[1]),
                'val': overall_and_group_means(val_ap, groups),
                'val_classes': {c: val_ap[c] for c in per_class_names},
                'fit': overall_and_group_means(probe_ap(fit_scores, train.labels, names),
                                               groups)}
    prevalence = val_prevalence(anno)
    chance = overall_and_group_means(prevalence, groups)
    body = [[row, str(r['dims']), part, *(f'{r[part][c]:.2f}' for c in columns)]
            for row, r in results.items() for part in ('val', 'fit')]
    body.append([CHANCE_ROW, '', 'val', *(f'{chance[c]:.2f}' for c in columns)])
    kind = f'One-hidden-layer ({args.hidden} ReLU units)' if args.hidden else 'Linear'
    md = '\n'.join([f'{kind} probes on `{data}` (AP over ground-truth persons, %; probe '
                    f'fitted on the training persons, {args.epochs} full-batch AdamW steps).',
                    '', markdown_table(['model feature', 'dims', 'split', *columns], body), '',
                    groups_line(groups), ''])
    if per_class_names:
        body = [[row, *(f'{r["val_classes"][c]:.2f}' for c in per_class_names)]
                for row, r in results.items()]
        body.append([CHANCE_ROW, *(f'{prevalence[c]:.2f}' for c in per_class_names)])
        md += '\n'.join(['', f'Per class ({", ".join(args.classes)}; validation AP, %):', '',
                          markdown_table(['model feature', *per_class_names], body), ''])
    atomic_write_text(osp.join(args.work_dir, 'feature_probe.md'), md)
    atomic_write_json(osp.join(args.work_dir, 'feature_probe.json'),
                      {'args': vars(args), 'results': results, 'chance': chance})
    print(md)
    return 0


if __name__ == '__main__':
    sys.exit(main())
