"""State-balanced resampling: every part's states come out balanced at once (where
class-then-sample does not), deterministically, and the natural distribution at power 1."""

from __future__ import annotations

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets.class_balanced_sampler import ClassBalancedSampler
from mmaction_plugins.datasets.state_balanced_sampler import (
    StateBalancedSampler,
    state_balance_weights,
    state_shares,
)


class _Persons:
    """A stand-in dataset: ``state_matrix()`` and ``get_cat_ids`` like TPSPartStateDataset."""

    def __init__(self, states: np.ndarray, num_states: tuple[int, ...]) -> None:
        self.states = states
        self.offsets = np.concatenate([[0], np.cumsum(num_states)[:-1]])

    def __len__(self) -> int:
        return len(self.states)

    def state_matrix(self) -> np.ndarray:
        return self.states

    def get_cat_ids(self, idx: int) -> list[int]:
        s = self.states[idx]
        return (self.offsets[s >= 0] + s[s >= 0]).tolist()


def _skewed(n: int = 4000, seed: int = 0) -> np.ndarray:
    """Three independent parts: 90/10, 70/20/10, 95/5; some states unknown (-1)."""
    rng = np.random.default_rng(seed)
    cols = [rng.choice(2, n, p=[0.9, 0.1]), rng.choice(3, n, p=[0.7, 0.2, 0.1]),
            rng.choice(2, n, p=[0.95, 0.05])]
    states = np.stack(cols, axis=1)
    states[rng.random((n, 3)) < 0.05] = -1
    return states


def _drawn_shares(sampler: StateBalancedSampler | ClassBalancedSampler, states: np.ndarray
                  ) -> list[dict[int, float]]:
    idx = np.asarray(list(iter(sampler)))
    return state_shares(states[idx], np.ones(len(idx)))


def test_every_part_is_balanced_at_once():
    states = _skewed()
    ds = _Persons(states, (2, 3, 2))
    sampler = StateBalancedSampler(ds, seed=0, num_samples=20000)
    assert sampler.balance_error < 1e-3
    for part, shares in enumerate(_drawn_shares(sampler, states)):
        expected = 1 / len(shares)
        for s, share in shares.items():
            assert abs(share - expected) < 0.02, (part, s, share)
    # the class-then-sample scheme balances the pairs it draws, not every part
    cbs = ClassBalancedSampler(ds, seed=0, num_samples=20000)
    rare = _drawn_shares(cbs, states)[2][1]
    assert rare < 0.25  # far from 0.5: the other parts' draws bring the skew back


def test_power_one_keeps_the_natural_distribution():
    states = _skewed()
    w, err, _ = state_balance_weights(states, state_power=1.0)
    np.testing.assert_allclose(w[(states >= 0).any(1)], 1 / (states >= 0).any(1).sum(),
                               rtol=1e-9)
    assert err < 1e-9


def test_correlated_parts_are_balanced_where_possible():
    rng = np.random.default_rng(1)
    a = rng.choice(2, 3000, p=[0.8, 0.2])
    b = np.where(rng.random(3000) < 0.9, a, 1 - a)  # b mostly follows a
    states = np.stack([a, b], 1)
    w, err, _ = state_balance_weights(states)
    assert err < 1e-3
    for shares in state_shares(states, w):
        assert all(abs(v - 0.5) < 1e-3 for v in shares.values())


def test_draws_are_deterministic_per_seed_and_epoch():
    states = _skewed(500)
    ds = _Persons(states, (2, 3, 2))
    a, b = StateBalancedSampler(ds, seed=3), StateBalancedSampler(ds, seed=3)
    np.testing.assert_array_equal(list(a), list(b))
    first = list(a)
    a.set_epoch(1)
    assert list(a) != first
    assert len(a) == len(first) == 500
    # persons without any known state are never drawn
    states[:50] = -1
    idx = list(StateBalancedSampler(_Persons(states, (2, 3, 2)), seed=0, num_samples=5000))
    assert min(idx) >= 50


def test_bad_input():
    with pytest.raises(ValueError, match='no sample has a known part state'):
        state_balance_weights(np.full((4, 2), -1))
    with pytest.raises(ValueError, match='integer'):
        state_balance_weights(np.zeros((4, 2)))
    with pytest.raises(ValueError, match='max_weight_ratio'):
        state_balance_weights(_skewed(100), max_weight_ratio=0.5)


def test_weight_cap_limits_repeats():
    states = _skewed()
    w, err, _ = state_balance_weights(states, max_weight_ratio=3.0)
    assert w.max() <= 3.0 * w[w > 0].mean() * (1 + 1e-9)
    assert err > 1e-3  # the cap trades exact balance for fewer repeats


def _mean_gap(shares: list[dict[int, float]]) -> float:
    """Mean distance of the shares from uniform, over every part and state."""
    return float(np.mean([abs(v - 1 / len(s)) for s in shares for v in s.values()]))


def test_on_the_synthetic_tps_dataset(synthetic_tiny):
    """Synthetic part states are tied together (a raised arm has its hand above the shoulder),
    so not every part can be uniform at once: the sampler must still get much closer."""
    from mmaction.registry import DATASETS

    root, _ = synthetic_tiny
    ds = DATASETS.build(dict(type='TPSPartStateDataset', data_root=root,
                             ann_file='tps/train_list.txt',
                             data_prefix=dict(ann='tps/annotations/train', img=''),
                             pipeline=[]))
    states = ds.state_matrix()
    natural = state_shares(states, np.ones(len(states)))
    assert min(min(s.values()) for s in natural) < 0.1  # some part state is rare
    sampler = StateBalancedSampler(ds, seed=0, num_samples=20000)
    drawn = _drawn_shares(sampler, states)
    assert _mean_gap(drawn) < 0.4 * _mean_gap(natural)
    assert min(min(s.values()) for s in drawn) > 2 * min(min(s.values()) for s in natural)
