"""Class-balanced sampling of multi-label keyframes (the second phase of decoupled learning).

The PCCA report (seed 000) re-trains its classifier with "class-balanced data sampling", the
decoupling recipe of Kang et al., "Decoupling Representation and Classifier for Long-Tailed
Recognition" (ICLR 2020, https://arxiv.org/abs/1910.09217): draw a class with probability
``p_c ∝ n_c ** q`` (``q = 0``: uniform over classes, *class-balanced*; ``q = 0.5``: square-root
sampling), then draw uniformly one sample that contains it.

For AVA-style data a sample is a keyframe with several persons, each with several labels; a
keyframe *contains* class ``c`` if any of its persons has label ``c``, and ``n_c`` counts such
keyframes. We chose this class-then-sample scheme over LVIS repeat-factor sampling because it
balances the draws exactly (each class is the drawn class of ``1/C`` of the samples at ``q = 0``)
whatever the skew, while repeat factors only damp the skew above a threshold. Co-occurring labels
of a drawn keyframe still come along, so label counts of the sampled keyframes are balanced only as
far as the co-occurrence allows. Keyframes without any label are never drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.dist import get_dist_info, sync_random_seed
from mmengine.logging import MMLogger
from mmengine.registry import DATA_SAMPLERS
from torch.utils.data import Sampler

__all__ = ['ClassBalancedSampler', 'keyframe_classes']


def keyframe_classes(dataset: BaseDataset, idx: int, label_key: str = 'gt_labels'
                     ) -> set[int]:
    """Class ids present in sample ``idx``.

    Uses ``dataset.get_cat_ids(idx)`` when the dataset has it, else ``get_data_info(idx)``'s
    ``label_key`` (or ``ann[label_key]``, mmaction2's ``AVADataset`` before ``get_data_info``):
    a multi-hot ``(num_persons, num_classes)`` float or bool array (AVA, ``multilabel=True``) gives
    its non-zero columns, an integer array (label ids) its values.
    """
    if hasattr(dataset, 'get_cat_ids'):
        try:
            return {int(c) for c in dataset.get_cat_ids(idx)}
        except NotImplementedError:  # mmengine's BaseDataset declares it without implementing it
            pass
    info = dataset.get_data_info(idx)
    labels = info.get(label_key)
    if labels is None and isinstance(info.get('ann'), dict):
        labels = info['ann'].get(label_key)
    if labels is None:
        raise KeyError(f'sample {idx} has no {label_key!r} (nor ann.{label_key})')
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.dtype.kind in 'fb':  # multi-hot
        return {int(c) for c in np.flatnonzero(labels.any(axis=0))}
    return {int(c) for c in labels.reshape(-1)}


@DATA_SAMPLERS.register_module()
class ClassBalancedSampler(Sampler):
    """Pick a class (``p_c ∝ n_c ** class_power``), then a keyframe containing it.

    Deterministic given ``seed`` and the epoch (:meth:`set_epoch`, called by mmengine's
    ``DistSamplerSeedHook``). Distributed like mmengine's ``DefaultSampler``: every rank draws the
    same global sequence of ``ceil(num_samples / world_size) * world_size`` indices and keeps
    every ``world_size``-th one from ``rank``; draws are with replacement.

    Args:
        dataset: The dataset (labels read once, here; see :func:`keyframe_classes`).
        seed: Random seed; None draws one and syncs it across ranks. Defaults to None.
        num_samples: Samples per epoch over all ranks. Defaults to ``len(dataset)``.
        class_power: ``q`` in ``p_c ∝ n_c ** q``: 0 class-balanced, 0.5 square-root sampling.
            Defaults to 0.
        ignore_labels: Class ids that are not classes (e.g. a background column). Defaults to
            ``()`` (AVA's multi-hot column 0 is never set, so nothing to ignore).
        label_key: The labels' key in ``get_data_info``. Defaults to ``'gt_labels'``.
    """

    def __init__(self, dataset: BaseDataset, seed: int | None = None,
                 num_samples: int | None = None, class_power: float = 0.0,
                 ignore_labels: Sequence[int] = (), label_key: str = 'gt_labels') -> None:
        rank, world_size = get_dist_info()
        self.rank, self.world_size = rank, world_size
        self.dataset = dataset
        if hasattr(dataset, 'full_init'):
            dataset.full_init()  # no-op unless built with lazy_init=True
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        total = len(dataset) if num_samples is None else int(num_samples)
        if total <= 0:
            raise ValueError(f'num_samples must be positive, got {total}')
        self.num_samples = math.ceil(total / world_size)
        self.total_size = self.num_samples * world_size
        self.class_power = float(class_power)

        ignore = set(ignore_labels)
        members: dict[int, list[int]] = {}
        unlabelled = 0
        for idx in range(len(dataset)):
            classes = keyframe_classes(dataset, idx, label_key) - ignore
            unlabelled += not classes
            for c in classes:
                members.setdefault(c, []).append(idx)
        if not members:
            raise ValueError('ClassBalancedSampler: no sample has a label')
        self.classes = np.array(sorted(members), dtype=np.int64)
        counts = np.array([len(members[c]) for c in self.classes], dtype=np.int64)
        self.class_counts = dict(zip(self.classes.tolist(), counts.tolist()))
        # members of every class, concatenated in class order; offsets into it
        self._members = np.concatenate([np.asarray(members[c], np.int64) for c in self.classes])
        self._offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self._counts = counts
        weights = counts.astype(np.float64) ** self.class_power
        self.class_probs = weights / weights.sum()
        if unlabelled:
            MMLogger.get_current_instance().info(
                f'ClassBalancedSampler: {unlabelled} of {len(dataset)} samples have no label '
                'and are never drawn')

    def global_indices(self, epoch: int | None = None) -> np.ndarray:
        """The ``(total_size,)`` indices of an epoch, all ranks together (rank ``r`` takes
        ``[r::world_size]``)."""
        rng = np.random.default_rng([self.seed, self.epoch if epoch is None else epoch])
        cls = rng.choice(len(self.classes), size=self.total_size, p=self.class_probs)
        pos = np.floor(rng.random(self.total_size) * self._counts[cls]).astype(np.int64)
        pos = np.minimum(pos, self._counts[cls] - 1)
        return self._members[self._offsets[cls] + pos]

    def __iter__(self) -> Iterator[int]:
        return iter(self.global_indices()[self.rank:self.total_size:self.world_size].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which (with the seed) determines the draws."""
        self.epoch = epoch
