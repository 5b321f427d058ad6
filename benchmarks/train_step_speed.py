"""Time a training step of the tiny STAD chain with contiguous and channels-last 3D convolutions.

Usage::

    .venv/bin/python benchmarks/train_step_speed.py [--config CONFIG ...] [--steps 12]
        [--rounds 3] [--batch 8] [--persons 3] [--seed 0]

For every config (default: the tiny baseline, PCCA and ACAR synthetic configs) it builds the
model twice from one initialisation — one left as built, one with
:func:`mmaction_plugins.engine.memory_format_hook.conv3d_channels_last` applied (what
``MemoryFormatHook`` does in a run) — and one batch of random clips at the synthetic configs'
training shape (``(B, 3, 16, 64, 64)``, ``--persons`` boxes per clip with random multi-hot
labels). It then alternates the two models for ``--rounds`` rounds of ``--steps`` AdamW steps
(``model.train_step``, the runner's call) and prints each layout's median step time and the ratio
(contiguous / channels-last; > 1 means the hook speeds training up). Alternating rounds in one run
keeps the comparison fair on a shared machine; the absolute times are not meaningful across
machines, the ratio is.

Checks (exit status 1 if one fails), on the first step: the two layouts give the same loss (up to
float summation order: relative difference <= 1e-4), and the channels-last gradients are within
1e-2 (relative norm) of the same step computed in float64. Both layouts' gradient errors against
float64 are printed: they are float32 rounding, ~2e-4 contiguous and ~6e-4 channels-last on the
baseline chain here (oneDNN sums in another order), far below the gradient noise of a batch;
a layout bug (a weight read transposed) gives errors of order 1. Parameters are not compared
after the timed steps: AdamW's normalised updates turn float-order differences of near-zero
gradients into lr-sized steps (~1 % relative norm after 9 steps), as a different thread count
does.
"""

from __future__ import annotations

import argparse
import copy
import os.path as osp
import statistics
import sys
import time
from typing import Any

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIGS = (
    'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'configs/pcca/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
    'configs/acar/acar_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py',
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', nargs='+', default=list(DEFAULT_CONFIGS))
    p.add_argument('--steps', type=int, default=12, help='timed steps per round and layout')
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--persons', type=int, default=3, help='boxes per clip')
    p.add_argument('--seed', type=int, default=0)
    return p


def make_batch(batch: int, persons: int, num_classes: int, seed: int) -> dict[str, Any]:
    """A packed, collated batch of random clips ``(3, 16, 64, 64)`` with ``persons`` boxes each."""
    from mmaction.registry import TRANSFORMS
    from mmengine.dataset import pseudo_collate

    rng = np.random.default_rng(seed)
    pack = TRANSFORMS.build(dict(type='PackActionInputs'))
    samples = []
    for i in range(batch):
        x1 = rng.uniform(0, 40, persons)
        y1 = rng.uniform(0, 20, persons)
        boxes = np.stack([x1, y1, x1 + rng.uniform(10, 24, persons),
                          y1 + rng.uniform(24, 44, persons)], 1).clip(0, 64).astype(np.float32)
        labels = (rng.uniform(size=(persons, num_classes)) < 0.15).astype(np.float32)
        labels[:, 0] = 0
        samples.append(pack(dict(
            imgs=rng.uniform(0, 255, (3, 16, 64, 64)).astype(np.float32), proposals=boxes,
            gt_bboxes=boxes, gt_labels=labels, img_shape=(64, 64), img_key=f'v{i},0902',
            video_id=f'v{i}', timestamp=902)))
    return pseudo_collate(samples)


def first_step(model: torch.nn.Module, batch: dict[str, Any], seed: int, double: bool = False
               ) -> tuple[float, torch.Tensor]:
    """One forward + backward (dropout seeded); ``(loss, all gradients flattened, float32)``.

    ``double=True`` runs it in float64 (model, clips and boxes): the reference both float32
    layouts are measured against. The model's gradients are cleared again afterwards.
    """
    if double:
        model.double()
    data = model.data_preprocessor(batch, True)
    if double:
        data['inputs'] = data['inputs'].double()
        for sample in data['data_samples']:
            sample.proposals.bboxes = sample.proposals.bboxes.double()
            sample.gt_instances.bboxes = sample.gt_instances.bboxes.double()
    torch.manual_seed(seed)
    model.zero_grad()
    loss = model(**data, mode='loss')['loss_action_cls']
    loss.backward()
    grads = torch.cat([p.grad.reshape(-1).float() for p in model.parameters()
                       if p.grad is not None])
    model.zero_grad()
    return loss.item(), grads


def _step(model: torch.nn.Module, optim: Any, batch: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    model.train_step(batch, optim)
    return time.perf_counter() - t0


def bench_config(path: str, args: argparse.Namespace) -> tuple[str, bool]:
    """One config's line and whether its checks passed."""
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    from mmaction_plugins.engine.memory_format_hook import conv3d_channels_last

    cfg = Config.fromfile(osp.join(REPO, path))
    init_default_scope('mmaction')
    torch.manual_seed(args.seed)
    plain = MODELS.build(cfg.model).train()
    fast = copy.deepcopy(plain)
    n = conv3d_channels_last(fast)
    num_classes = cfg.model.roi_head.bbox_head.num_classes
    batch = make_batch(args.batch, args.persons, num_classes, args.seed)
    optims = [build_optim_wrapper(m, copy.deepcopy(cfg.optim_wrapper)) for m in (plain, fast)]

    ok = True
    (loss_ref, g_ref), (loss_plain, g_plain), (loss_fast, g_fast) = (
        first_step(m, batch, args.seed, double)
        for m, double in ((copy.deepcopy(plain), True), (plain, False), (fast, False)))
    rel = abs(loss_plain - loss_fast) / max(abs(loss_plain), 1e-12)
    err_plain = float((g_plain - g_ref).norm() / g_ref.norm())
    err_fast = float((g_fast - g_ref).norm() / g_ref.norm())
    if rel > 1e-4 or err_fast > 1e-2:
        ok = False
        print(f'FAIL {path}: first step: loss {loss_plain:.6g} (contiguous) vs {loss_fast:.6g} '
              f'(channels-last), relative difference {rel:.2e}; gradient error against float64 '
              f'{err_plain:.2e} (contiguous), {err_fast:.2e} (channels-last)')

    times: list[list[float]] = [[], []]
    for m, o in zip((plain, fast), optims):  # warm-up: oneDNN primitive creation
        torch.manual_seed(args.seed)
        _step(m, o, batch)
    for _ in range(args.rounds):
        for k, (m, o) in enumerate(zip((plain, fast), optims)):
            torch.manual_seed(args.seed)
            times[k] += [_step(m, o, batch) for _ in range(args.steps)]
    t_plain, t_fast = statistics.median(times[0]), statistics.median(times[1])
    line = (f'{osp.basename(path)}: {n} Conv3d weights; median step {t_plain * 1e3:.0f} ms '
            f'contiguous, {t_fast * 1e3:.0f} ms channels_last_3d; ratio {t_plain / t_fast:.2f}x; '
            f'first step: loss rel. diff {rel:.1e}; gradient error vs float64 {err_plain:.1e} '
            f'contiguous, {err_fast:.1e} channels-last')
    return line, ok


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sys.path.insert(0, REPO)
    import mmaction_plugins  # noqa: F401  (compat repairs and registrations)

    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads; batch {args.batch} x '
          f'{args.persons} persons; {args.rounds} rounds x {args.steps} steps per layout',
          flush=True)
    ok = True
    for path in args.config:
        line, good = bench_config(path, args)
        print(line, flush=True)
        ok &= good
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
