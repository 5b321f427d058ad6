"""State-balanced resampling of persons for part-state training (seed 002, Kinetics-TPS).

The report: "due to the large imbalance of human body parts data, resampling strategy is used to
balance the various states of each part". A person carries a state for *every* part at once, so
the class-then-sample scheme of :class:`~.class_balanced_sampler.ClassBalancedSampler` (draw a
``(part, state)`` pair, then a person that has it) balances little here: the other nine parts of
the drawn person come along at their natural skew (with a 90 / 10 part next to nine others, the
rare state ends up in ~13 % of the draws, not 50 %).

:class:`StateBalancedSampler` instead gives every person a weight such that, for every part ``p``
at the same time, the weighted distribution of its states approaches the target
``t_ps ∝ n_ps ** q`` (``q = 0``: uniform over the states the part shows; ``q = 1``: unchanged).
The weights are found by generalized iterative scaling (Darroch & Ratcliff 1972): every step
multiplies each person's weight by the geometric mean, over its parts, of ``t_ps / m_ps``
(``m_ps`` the current weighted share of its state ``s`` of part ``p``). When the targets can be met
(e.g. independent parts) this converges to the weights closest to uniform (in KL) that meet them;
when the parts' states are tied together — on the synthetic data a raised arm comes with a hand
above the shoulder, so "uniform arm" and "uniform hand" contradict each other — it settles on a
compromise (all parts at once, unlike cycling over the parts, which leaves the last one exact and
the others drifting), and the remaining error is logged. Persons are then drawn with replacement
with probability ∝ weight; persons without any known state get weight 0. Draws, seeding, epochs
and distributed splitting are :class:`ClassBalancedSampler`'s (this class only replaces how an
epoch's indices are drawn).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mmengine.logging import MMLogger
from mmengine.registry import DATA_SAMPLERS

from mmaction_plugins.datasets.class_balanced_sampler import ClassBalancedSampler

__all__ = ['StateBalancedSampler', 'state_balance_weights', 'state_shares']


def state_shares(states: np.ndarray, weights: np.ndarray) -> list[dict[int, float]]:
    """Weighted share of each state, per part.

    Args:
        states: ``(N, P)`` int state ids, -1 unknown.
        weights: ``(N,)`` non-negative weights.

    Returns:
        list of ``P`` dicts ``state -> share`` (shares of a part sum to 1 over the persons whose
        state of that part is known; empty when none is).
    """
    out = []
    for p in range(states.shape[1]):
        known = states[:, p] >= 0
        total = weights[known].sum()
        vals, inv = np.unique(states[known, p], return_inverse=True)
        sums = np.bincount(inv, weights=weights[known], minlength=len(vals))
        out.append({int(v): float(s / total) for v, s in zip(vals, sums)} if total > 0 else {})
    return out


def _max_error(states: np.ndarray, w: np.ndarray, targets: list[dict[int, float]]) -> float:
    shares = state_shares(states, w)
    return max((abs(shares[p].get(s, 0.0) - t) for p in range(states.shape[1])
                for s, t in targets[p].items()), default=0.0)


def state_balance_weights(states: np.ndarray, state_power: float = 0.0, max_iters: int = 2000,
                          tol: float = 1e-3, max_weight_ratio: float | None = None
                          ) -> tuple[np.ndarray, float, int]:
    """Weights that give every part its target state distribution (generalized iterative
    scaling; see the module docstring).

    Args:
        states: ``(N, P)`` int state ids, -1 where unknown.
        state_power: ``q`` of the targets ``t_ps ∝ n_ps ** q``.
        max_iters: Scaling steps at most.
        tol: Stop when every share is within ``tol`` of its target.
        max_weight_ratio: Cap each weight at this multiple of the mean weight afterwards (limits
            how often one rare person is repeated; breaks exact balance). None: no cap.

    Returns:
        ``(weights (N,) float64 summing to 1, remaining max |share - target|, steps done)``.
    """
    states = np.asarray(states)
    if states.ndim != 2 or not np.issubdtype(states.dtype, np.integer):
        raise ValueError(f'states must be an (N, P) integer array, got {states.dtype} '
                         f'{states.shape}')
    if max_weight_ratio is not None and not max_weight_ratio >= 1:
        raise ValueError(f'max_weight_ratio must be >= 1, got {max_weight_ratio}')
    n, n_parts = states.shape
    known = states >= 0
    w = known.any(axis=1).astype(np.float64)
    if not w.any():
        raise ValueError('no sample has a known part state')
    w /= w.sum()
    # per part: the states it shows, their targets, and each person's position among them
    targets: list[dict[int, float]] = []
    slots, log_t = [], []
    for p in range(n_parts):
        vals, inv, counts = np.unique(states[known[:, p], p], return_inverse=True,
                                      return_counts=True)
        t = counts.astype(np.float64) ** state_power
        t /= max(t.sum(), 1e-300)
        targets.append(dict(zip(vals.tolist(), t.tolist())))
        slot = np.full(n, -1, np.int64)
        slot[known[:, p]] = inv
        slots.append(slot)
        log_t.append(np.log(np.maximum(t, 1e-300)))
    c = max(int(known.sum(axis=1).max()), 1)  # GIS constant: the most parts a person has
    err, steps = _max_error(states, w, targets), 0
    while steps < max_iters and err > tol:
        steps += 1
        log_f = np.zeros(n)
        for p in range(n_parts):
            has = slots[p] >= 0
            if not has.any():
                continue
            m = np.bincount(slots[p][has], weights=w[has], minlength=len(log_t[p]))
            m = m / m.sum()
            log_f[has] += log_t[p][slots[p][has]] - np.log(np.maximum(m, 1e-300))[slots[p][has]]
        w = w * np.exp(log_f / c)
        w /= w.sum()
        err = _max_error(states, w, targets)
        if np.abs(log_f).max() / c < 1e-9:  # a fixed point: the targets cannot all be met
            break
    if max_weight_ratio is not None:
        # water-filling: the largest weights are cut to `cap`, the rest scaled up by the same
        # factor so that the weights still sum to 1 (bisection on that factor)
        cap = max_weight_ratio / np.count_nonzero(w)
        lo, hi = 1.0, cap / w[w > 0].min()
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if np.minimum(w * mid, cap).sum() < 1 else (lo, mid)
        w = np.minimum(w * hi, cap)
        w /= w.sum()
        err = _max_error(states, w, targets)
    return w, float(err), steps


@DATA_SAMPLERS.register_module()
class StateBalancedSampler(ClassBalancedSampler):
    """Draw persons with weights that balance every part's states (module docstring).

    The dataset needs ``state_matrix()`` (``(N, P)`` state ids, -1 unknown) and
    ``get_cat_ids(idx)`` (as :class:`~mmaction_plugins.datasets.tps.TPSPartStateDataset` has).

    Args:
        dataset: The dataset.
        seed: Random seed; None draws one and syncs it across ranks. Defaults to None.
        num_samples: Draws per epoch over all ranks. Defaults to ``len(dataset)``.
        state_power: ``q`` of the per-part targets ``t_ps ∝ n_ps ** q``: 0 balanced, 1 the
            natural distribution. Defaults to 0.
        max_iters: Scaling steps at most. Defaults to 2000.
        tol: Tolerance on the shares. Defaults to 1e-3.
        max_weight_ratio: Optional cap on a weight, in multiples of the mean. Defaults to None.
    """

    def __init__(self, dataset: Any, seed: int | None = None, num_samples: int | None = None,
                 state_power: float = 0.0, max_iters: int = 2000, tol: float = 1e-3,
                 max_weight_ratio: float | None = None) -> None:
        super().__init__(dataset, seed=seed, num_samples=num_samples, class_power=0.0)
        if not hasattr(dataset, 'state_matrix'):
            raise TypeError(f'StateBalancedSampler needs a dataset with state_matrix(), got '
                            f'{type(dataset).__name__}')
        states = np.asarray(dataset.state_matrix())
        self.state_power = float(state_power)
        self.weights, self.balance_error, sweeps = state_balance_weights(
            states, self.state_power, max_iters, tol, max_weight_ratio)
        self.state_shares = state_shares(states, self.weights)
        logger = MMLogger.get_current_instance()
        level = 'info' if self.balance_error <= tol else 'warning'
        getattr(logger, level)(
            f'StateBalancedSampler: {len(states)} persons, {sweeps} scaling steps, largest '
            f'share error {self.balance_error:.4f}; a person is drawn up to '
            f'{self.weights.max() * np.count_nonzero(self.weights):.1f}x its uniform rate')

    def global_indices(self, epoch: int | None = None) -> np.ndarray:
        """The ``(total_size,)`` indices of an epoch, drawn with probability ∝ weight."""
        rng = np.random.default_rng([self.seed, self.epoch if epoch is None else epoch])
        return rng.choice(len(self.weights), size=self.total_size, p=self.weights)
