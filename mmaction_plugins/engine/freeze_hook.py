"""Freeze every parameter except the named ones, exactly (decoupled learning, phase 2).

The PCCA report (seed 000) re-trains only the final classifier in its second phase, "freezing the
parameters of the model except the final classifier". :class:`FreezeExceptHook` does it in a
config::

    custom_hooks = [dict(type='FreezeExceptHook', trainable=['roi_head.bbox_head.fc_cls'])]

Why a hook that sets ``requires_grad=False`` rather than ``paramwise_cfg`` multipliers:

* ``lr_mult=0`` keeps the frozen parameters in the backward pass: their gradients still enter
  ``clip_grad``'s total norm (so the classifier's clipping differs from a real freeze), the backward
  costs the whole network, and an ``inf``/``nan`` gradient turns ``0 * grad`` into ``nan`` updates.
* BatchNorm running statistics are buffers, not parameters: no optimizer setting stops them from
  moving in train mode, and dropout stays active.

A parameter with ``requires_grad=False`` gets no gradient (``None``); torch optimizers skip such
parameters entirely (no weight decay, no momentum step), so frozen weights stay bit-identical even
though mmengine puts them in the optimizer's parameter groups. Frozen modules are switched to eval
mode before every training iteration (mmengine's loop calls ``model.train()`` at every epoch
start), so BatchNorm statistics and dropout of frozen parts do not change either.

Patterns are :mod:`fnmatch` globs over the *unwrapped* model's names: a name ``n`` matches pattern
``p`` if ``fnmatch(n, p)`` or ``fnmatch(n, p + '.*')`` — ``'roi_head.bbox_head.fc_cls'`` covers
that module's ``weight`` and ``bias``, ``'*.fc_cls'`` any ``fc_cls``. A module matched by a pattern
(with its whole subtree) stays trainable and in train mode — name a parameter-free module (e.g.
``'roi_head.bbox_head.dropout'``) to keep it in train mode; modules that contain a matched module
keep their own mode; every other module is frozen and put in eval mode.

Distributed training: DDP is built before hooks run, so it must be told that frozen parameters get
no gradient: ``model_wrapper_cfg = dict(type='MMDistributedDataParallel',
find_unused_parameters=True)``; the hook raises otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from mmengine.hooks import Hook
from mmengine.logging import MMLogger
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS
from torch import nn

__all__ = ['FreezeExceptHook', 'freeze_except', 'frozen_modules_eval', 'matches']


def matches(name: str, patterns: Sequence[str]) -> bool:
    """Whether the dotted ``name`` is, or lies under, a name matched by one of ``patterns``."""
    return any(fnmatchcase(name, p) or fnmatchcase(name, p + '.*') for p in patterns)


def freeze_except(model: nn.Module, trainable: Sequence[str]) -> tuple[list[str], list[str]]:
    """Set ``requires_grad=False`` on every parameter not matched by ``trainable``.

    Matched parameters are left as they are (a parameter frozen by its own module stays frozen).

    Args:
        model: The (unwrapped) model.
        trainable: Name patterns of the parameters to keep trainable.

    Returns:
        ``(trainable_names, frozen_names)``.

    Raises:
        ValueError: If no parameter matches (a typo would otherwise freeze everything).
    """
    kept, frozen = [], []
    for name, param in model.named_parameters():
        if matches(name, trainable):
            kept.append(name)
        else:
            param.requires_grad_(False)
            frozen.append(name)
    if not kept:
        raise ValueError(f'no parameter matches {list(trainable)}; e.g. '
                         f'{[n for n, _ in model.named_parameters()][-3:]}')
    return kept, frozen


def frozen_modules_eval(model: nn.Module, trainable: Sequence[str]) -> list[str]:
    """Put every module that neither matches ``trainable`` nor contains a matching module in eval
    mode (with its subtree); return their names (outermost ones only)."""
    keep = [name for name, _ in model.named_modules() if name and matches(name, trainable)]
    switched: list[str] = []
    for name, module in model.named_modules():
        if not name or matches(name, trainable):
            continue
        if any(k.startswith(name + '.') for k in keep):  # an ancestor of a trainable module
            continue
        if any(name.startswith(s + '.') for s in switched):  # inside a module already switched
            continue
        module.eval()
        switched.append(name)
    return switched


@HOOKS.register_module()
class FreezeExceptHook(Hook):
    """Train only the parameters matched by ``trainable``; freeze and eval everything else.

    Args:
        trainable: Name patterns (see the module docstring) of the parameters that train.
            Defaults to ``('roi_head.bbox_head.fc_cls',)``, the classifier of ``BBoxHeadAVA``.
        frozen_eval: Keep frozen modules in eval mode during training (BatchNorm statistics,
            dropout). Defaults to True.
    """

    priority = 'VERY_HIGH'

    def __init__(self, trainable: Sequence[str] = ('roi_head.bbox_head.fc_cls',),
                 frozen_eval: bool = True) -> None:
        if isinstance(trainable, str):
            trainable = [trainable]
        if not trainable:
            raise ValueError('trainable must name at least one parameter pattern')
        self.trainable = list(trainable)
        self.frozen_eval = frozen_eval

    @staticmethod
    def _unwrap(runner) -> nn.Module:
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_run(self, runner) -> None:
        """Freeze (idempotent); refuse a DDP wrapper that expects every gradient."""
        model = runner.model
        if is_model_wrapper(model) and hasattr(model, 'find_unused_parameters') \
                and not model.find_unused_parameters:
            raise RuntimeError(
                'FreezeExceptHook: frozen parameters get no gradient; set model_wrapper_cfg = '
                "dict(type='MMDistributedDataParallel', find_unused_parameters=True)")
        kept, frozen = freeze_except(self._unwrap(runner), self.trainable)
        n_kept = sum(p.numel() for n, p in self._unwrap(runner).named_parameters() if n in kept)
        MMLogger.get_current_instance().info(
            f'FreezeExceptHook: training {len(kept)} parameter tensors ({n_kept} values): '
            f'{kept}; {len(frozen)} frozen')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        """Frozen modules back to eval mode (the loop's ``model.train()`` undoes it)."""
        if self.frozen_eval:
            frozen_modules_eval(self._unwrap(runner), self.trainable)
