"""ClassBalancedSampler: balanced draws on skewed multi-label data, determinism, rank split."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mmaction_plugins.datasets import class_balanced_sampler as cbs
from mmaction_plugins.datasets.class_balanced_sampler import ClassBalancedSampler, keyframe_classes

NUM_CLASSES = 6  # AVA-style multi-hot columns; column 0 never set


class ToyKeyframes:
    """Keyframes with several persons; ``gt_labels`` multi-hot ``(persons, NUM_CLASSES)``."""

    def __init__(self, label_sets: list[list[set[int]]]) -> None:
        self.label_sets = label_sets

    def __len__(self) -> int:
        return len(self.label_sets)

    def get_data_info(self, idx: int) -> dict:
        persons = self.label_sets[idx]
        labels = np.zeros((len(persons), NUM_CLASSES), np.float32)
        for p, classes in enumerate(persons):
            labels[p, sorted(classes)] = 1.0
        return dict(gt_labels=labels, img_key=f'v,{idx:04d}')


def _skewed() -> ToyKeyframes:
    """Single-label keyframes, 900 / 90 / 9 / 1 of classes 1..4, plus 5 without any label."""
    frames = ([[{1}, {1}]] * 900 + [[{2}]] * 90 + [[{3}, set()]] * 9 + [[{4}]] * 1
              + [[set()]] * 5)
    return ToyKeyframes(frames)


def _label_counts(dataset: ToyKeyframes, indices) -> Counter:
    counts: Counter = Counter()
    for i in indices:
        counts.update(keyframe_classes(dataset, i))
    return counts


def test_registered_and_built_with_runner_defaults():
    from mmaction.registry import DATA_SAMPLERS as MMACTION_SAMPLERS
    from mmengine.registry import DATA_SAMPLERS

    assert DATA_SAMPLERS.get('ClassBalancedSampler') is ClassBalancedSampler
    ds = _skewed()
    # as mmengine's Runner builds it, from the mmaction scope of our configs
    sampler = MMACTION_SAMPLERS.build(dict(type='ClassBalancedSampler'),
                                      default_args=dict(dataset=ds, seed=3))
    assert isinstance(sampler, ClassBalancedSampler) and len(sampler) == len(ds)
    assert sampler.class_counts == {1: 900, 2: 90, 3: 9, 4: 1}


def test_balanced_class_frequencies_on_skewed_data():
    ds = _skewed()
    sampler = ClassBalancedSampler(ds, seed=0, num_samples=20000)
    indices = list(sampler)
    assert len(indices) == 20000
    counts = _label_counts(ds, indices)
    assert set(counts) == {1, 2, 3, 4}  # the 5 unlabelled keyframes are never drawn
    for c in (1, 2, 3, 4):
        assert abs(counts[c] / 20000 - 0.25) < 0.02, counts
    # the original frequencies are 900 : 90 : 9 : 1
    # square-root sampling sits in between: p_c ∝ sqrt(n_c)
    sqrt_counts = _label_counts(ds, ClassBalancedSampler(ds, seed=0, num_samples=20000,
                                                         class_power=0.5))
    expected = np.sqrt([900, 90, 9, 1]) / np.sqrt([900, 90, 9, 1]).sum()
    np.testing.assert_allclose([sqrt_counts[c] / 20000 for c in (1, 2, 3, 4)], expected,
                               atol=0.02)


def test_multilabel_keyframes_balance_as_far_as_cooccurrence_allows():
    # class 2 only ever appears with class 1 (another person of the same keyframe)
    ds = ToyKeyframes([[{1}]] * 500 + [[{1}, {2}]] * 100 + [[{3, 5}]] * 10)
    sampler = ClassBalancedSampler(ds, seed=1, num_samples=9000)
    counts = _label_counts(ds, sampler)
    # drawn class uniform over {1, 2, 3, 5}: 1 is present when 1 or 2 is drawn, 2 when drawn or
    # when a class-1 draw picks one of the 100 of 600 class-1 keyframes having it; 3 and 5 together
    for c, share in {1: 0.5, 2: 0.25 + 0.25 * 100 / 600, 3: 0.5, 5: 0.5}.items():
        assert abs(counts[c] / 9000 - share) < 0.03, counts
    original = _label_counts(ds, range(len(ds)))
    assert max(original.values()) / min(original.values()) == 60
    assert max(counts.values()) / min(counts.values()) < 2.5


def test_deterministic_given_seed_and_epoch():
    ds = _skewed()
    a, b = ClassBalancedSampler(ds, seed=7), ClassBalancedSampler(ds, seed=7)
    assert list(a) == list(b)
    first = list(a)
    a.set_epoch(1)
    second = list(a)
    assert second != first
    b.set_epoch(1)
    assert list(b) == second
    a.set_epoch(0)
    assert list(a) == first
    assert list(ClassBalancedSampler(ds, seed=8)) != first


@pytest.mark.parametrize('world_size', [1, 2, 3])
def test_distributed_split_like_default_sampler(monkeypatch, world_size):
    ds = _skewed()  # 1005 keyframes
    per_rank = []
    for rank in range(world_size):
        monkeypatch.setattr(cbs, 'get_dist_info', lambda r=rank: (r, world_size))
        sampler = ClassBalancedSampler(ds, seed=5)
        sampler.set_epoch(2)
        assert len(sampler) == -(-len(ds) // world_size)
        per_rank.append(list(sampler))
    total = len(per_rank[0]) * world_size
    assert total >= len(ds) and all(len(p) == len(per_rank[0]) for p in per_rank)
    # interleaving the ranks gives back the one global sequence every rank drew
    merged = [per_rank[i % world_size][i // world_size] for i in range(total)]
    assert merged == sampler.global_indices(epoch=2).tolist()


def test_reads_stad_dataset_labels(tmp_path):
    """The labels of a real STADDataset (AVA CSV, no frames needed)."""
    from mmaction_plugins.datasets import STADDataset

    rows = ['v1,0902,0.1,0.1,0.5,0.9,3,0', 'v1,0902,0.1,0.1,0.5,0.9,4,0',
            'v1,0902,0.5,0.1,0.9,0.9,3,1', 'v1,0903,0.1,0.1,0.5,0.9,1,0',
            'v2,0902,0.2,0.2,0.6,0.6,1,0']
    ann = tmp_path / 'ava_train.csv'
    ann.write_text('\n'.join(rows) + '\n')
    ds = STADDataset(ann_file=str(ann), pipeline=[], num_classes=5,
                     data_prefix=dict(img=str(tmp_path)))
    classes = sorted(tuple(sorted(keyframe_classes(ds, i))) for i in range(len(ds)))
    assert classes == [(1,), (1,), (3, 4)]
    sampler = ClassBalancedSampler(ds, seed=0)
    assert sampler.class_counts == {1: 2, 3: 1, 4: 1}


def test_errors():
    with pytest.raises(ValueError, match='no sample has a label'):
        ClassBalancedSampler(ToyKeyframes([[set()]] * 3), seed=0)
    with pytest.raises(ValueError, match='num_samples'):
        ClassBalancedSampler(_skewed(), seed=0, num_samples=0)
