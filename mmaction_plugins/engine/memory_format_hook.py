"""Train and test 3D convolutions in the ``channels_last_3d`` memory format.

On CPU, oneDNN runs a 3D convolution whose weight is laid out channels-last (``(O, I, T, H, W)``
values stored as ``O, T, H, W, I``) much faster than the default contiguous layout, above all for
layers with few channels: the tiny SlowFast's fast-pathway stem (3 → 4 channels, kernel 5×7×7 at
full input resolution) takes 137 ms per forward + backward of a batch of 8 contiguous and 75 ms
channels-last on 2 cores, and is the largest single cost of a training step.
``benchmarks/train_step_speed.py`` measures the whole step both ways in one run.

Only the weights are converted: PyTorch gives a convolution with a channels-last weight a
channels-last output, and the layers after it follow; the input clip stays as the data
preprocessor makes it (converting it as well measured no faster). Parameters keep their identity
(``param.data`` is replaced), so optimizer state, ``state_dict`` names and checkpoints are
unchanged; a checkpoint written by a converted model loads into an unconverted one and vice
versa (``load_state_dict`` copies values into the existing layout). Results agree with the
contiguous layout up to float summation order (not bit-identical).

Enabled in a config as a default hook (a dict key, so leaf configs that set ``custom_hooks`` keep
it)::

    default_hooks = dict(memory_format=dict(type='MemoryFormatHook'))

and turned off in a child config with ``default_hooks = dict(memory_format=dict(enabled=False))``
(mmengine refuses ``None`` for a default hook key of its own making).
"""

from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from torch import nn

__all__ = ['MemoryFormatHook', 'conv3d_channels_last']


def conv3d_channels_last(model: nn.Module) -> int:
    """Lay every :class:`torch.nn.Conv3d` weight of ``model`` out as ``channels_last_3d``.

    Idempotent. The parameter objects stay the same (their ``.data`` is replaced), so an optimizer
    built before the call keeps working.

    Args:
        model: Any module (a model wrapper's submodules are reached through ``modules()``).

    Returns:
        int: How many weights were converted by this call (0 when all already were).
    """
    converted = 0
    for module in model.modules():
        if isinstance(module, nn.Conv3d):
            weight = module.weight
            if not weight.is_contiguous(memory_format=torch.channels_last_3d):
                weight.data = weight.data.contiguous(memory_format=torch.channels_last_3d)
                converted += 1
    return converted


@HOOKS.register_module()
class MemoryFormatHook(Hook):
    """Convert the model's Conv3d weights to ``channels_last_3d`` before training, validation and
    testing (after the checkpoint is loaded or the run resumed; see the module docstring).

    Args:
        enabled: Convert (default). False leaves the model as built: the off switch for a child
            config.
    """

    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = bool(enabled)

    def _convert(self, runner) -> None:
        if not self.enabled:
            return
        n = conv3d_channels_last(runner.model)
        if n:
            runner.logger.info(f'MemoryFormatHook: {n} Conv3d weights now channels_last_3d')

    def before_train(self, runner) -> None:
        """Convert before the first training iteration."""
        self._convert(runner)

    def before_val(self, runner) -> None:
        """Convert before validation (a no-op after ``before_train``)."""
        self._convert(runner)

    def before_test(self, runner) -> None:
        """Convert before testing."""
        self._convert(runner)
