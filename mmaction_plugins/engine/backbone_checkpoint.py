"""A checkpoint's backbone alone: the "pre-trained backbone" every head of an ablation starts from.

The seed reports fine-tune every head from one Kinetics-pre-trained SlowFast; the synthetic
benchmark's tiny chain has no such weights, so an ablation can train one model of the chain for a
few epochs and start every row from its backbone (:func:`extract_backbone`), its RoI head
dropped. mmengine's ``load_from`` loads the file non-strictly: the rows' heads keep their own
initialisation and only the backbone's weights are shared.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

__all__ = ['extract_backbone']


def extract_backbone(checkpoint: str, out: str, prefixes: Sequence[str] = ('backbone.',)) -> int:
    """Write ``out``: the ``state_dict`` entries of ``checkpoint`` whose names start with one of
    ``prefixes``, as an mmengine checkpoint (``{'state_dict': ..., 'meta': ...}``), atomically.

    The checkpoint is read with ``torch.load(weights_only=True)`` (mmengine's types allow-listed,
    :func:`mmaction_plugins.compat.allow_mmengine_checkpoints`); no optimizer or message hub is
    kept.

    Args:
        checkpoint: An mmengine checkpoint (``state_dict`` under ``'state_dict'``) or a bare
            state dict.
        out: Destination file.
        prefixes: Parameter-name prefixes to keep.

    Returns:
        int: The number of tensors written.

    Raises:
        ValueError: ``checkpoint`` holds no entry with any of ``prefixes`` (named in the message).
    """
    import torch

    from mmaction_plugins.compat import allow_mmengine_checkpoints
    from mmaction_plugins.utils.atomic_io import atomic_write_bytes

    allow_mmengine_checkpoints()
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{checkpoint}: not a checkpoint with a state_dict')
    kept = {k: v for k, v in state.items() if k.startswith(tuple(prefixes))}
    if not kept:
        raise ValueError(f'{checkpoint}: no state_dict entry starts with {list(prefixes)} '
                         f'(first keys: {list(state)[:3]})')
    buf = io.BytesIO()
    torch.save({'state_dict': kept,
                'meta': {'source': str(checkpoint), 'prefixes': list(prefixes)}}, buf)
    atomic_write_bytes(out, buf.getvalue())
    return len(kept)
