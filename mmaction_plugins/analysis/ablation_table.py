"""Seed statistics and the markdown tables of the ablation scripts.

Every ablation trains each row once per data seed (a fresh synthetic dataset *and* a fresh
initialisation), so rows are compared *paired by seed*: :func:`paired_difference` gives the mean
and spread of ``row_b - row_a`` over the seeds, which is what "beats by more than the seed spread"
means in the project's issues. Spread is the sample standard deviation (``ddof = 1``; 0 for one
seed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ['SeedStats', 'chance_line', 'claims_table', 'groups_line', 'markdown_table',
           'paired_difference', 'seed_stats', 'seed_table']


@dataclass(frozen=True)
class SeedStats:
    """Mean and spread of one number over seeds.

    Attributes:
        mean: Mean over the seeds with a value (NaN when none).
        std: Sample standard deviation (0 for one value, NaN for none).
        n: Seeds with a value.
    """

    mean: float
    std: float
    n: int

    def format(self, digits: int = 2) -> str:
        """``mean ± std`` (``-`` when there is no value)."""
        if self.n == 0:
            return '-'
        return f'{self.mean:.{digits}f} ± {self.std:.{digits}f}'

    @property
    def beyond_spread(self) -> bool:
        """Whether the mean exceeds its own spread (for a paired difference: a win of more
        than the seed spread). Needs two values at least: one seed has no spread to beat."""
        return self.n > 1 and self.mean > self.std


def seed_stats(values: Sequence[float]) -> SeedStats:
    """:class:`SeedStats` of ``values`` (NaNs ignored)."""
    vals = [float(v) for v in values if not math.isnan(float(v))]
    if not vals:
        return SeedStats(math.nan, math.nan, 0)
    mean = sum(vals) / len(vals)
    if len(vals) == 1:
        return SeedStats(mean, 0.0, 1)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)
    return SeedStats(mean, math.sqrt(var), len(vals))


def paired_difference(a: Mapping[int, float], b: Mapping[int, float]) -> SeedStats:
    """Statistics of ``b[seed] - a[seed]`` over the seeds both have."""
    seeds = sorted(set(a) & set(b))
    return seed_stats([b[s] - a[s] for s in seeds])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub markdown table (first column left-aligned, the others right-aligned)."""
    if any(len(r) != len(header) for r in rows):
        raise ValueError('every row needs one cell per header column')
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join([':---'] + ['---:'] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines) + '\n'


#: ``{seed: {row: {column: value}}}``: one number per seed, row and column (e.g. a class group)
SeedValues = Mapping[int, Mapping[str, Mapping[str, float]]]


def seed_table(values: SeedValues, rows: Sequence[str], columns: Sequence[str],
               digits: int = 2) -> str:
    """A markdown table of ``mean ± std`` over the seeds for every row and column."""
    seeds = sorted(values)
    body = [[row, *(seed_stats([values[s][row][c] for s in seeds]).format(digits)
                    for c in columns)] for row in rows]
    return markdown_table(['row', *columns], body)


def claims_table(values: SeedValues, claims: Sequence[tuple[str, str, str, str]],
                 digits: int = 2,
                 noise: Mapping[int, Mapping[str, Mapping[str, float]]] | None = None) -> str:
    """A markdown table of paired differences for ``(row, baseline, column, claim)`` tuples:
    ``row - baseline`` on ``column``, mean ± std over the seeds, and whether the mean win
    exceeds the spread (:attr:`SeedStats.beyond_spread`).

    With ``noise`` (``{seed: {claim key: {'std': ...}}}``, :func:`~mmaction_plugins.analysis.
    claim_noise.claim_noise`) a column gives each claim's evaluation-noise std — the video
    bootstrap std of one seed's difference, averaged over the seeds — beside the seed spread.
    """
    from mmaction_plugins.analysis.claim_noise import claim_key, mean_noise_std

    header = ['claim', 'difference', 'group', 'mean ± std', 'win > spread']
    if noise is not None:
        header.append('eval noise (video bootstrap std)')
    body = []
    for row, base, col, text in claims:
        d = paired_difference({s: v[base][col] for s, v in values.items()},
                              {s: v[row][col] for s, v in values.items()})
        line = [text, f'{row} − {base}', col, d.format(digits),
                'yes' if d.beyond_spread else 'no']
        if noise is not None:
            line.append(mean_noise_std(noise, claim_key(row, base, col), digits))
        body.append(line)
    return markdown_table(header, body)


def groups_line(groups: Mapping[str, str]) -> str:
    """The sentence under an ablation table that names the classes of each group
    (``class -> group``, in the groups' first-seen order): ``Groups — pose: stand, crouch; ...``.
    """
    order = list(dict.fromkeys(groups.values()))
    return 'Groups — ' + '; '.join(
        f'{g}: {", ".join(c for c, gg in groups.items() if gg == g)}' for g in order) + '.'


def chance_line(chance: Mapping[int, Mapping[str, float]], columns: Sequence[str],
                label: str) -> str:
    """The sentence that gives the chance row (``{seed: {column: AP}}``) of a table that does
    not carry it as a row, per column as ``mean ± std`` over the seeds."""
    seeds = sorted(chance)
    return (f'{label} per group (the expected AP of a random ranking of the ground-truth persons, '
            'the level a row must clear before its group says anything): ' + ', '.join(
                f'{c} ' + seed_stats([chance[s][c] for s in seeds]).format() for c in columns)
            + '.')
