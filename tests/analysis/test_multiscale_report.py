"""The multi-scale ablation's report header names what each run compared: the ``+lfb`` config
always, the arm merge (and the arm model's start) only when the merge row ran."""

from __future__ import annotations

import pytest

from tests.conftest import load_tool


@pytest.fixture(scope='module')
def tool():
    return load_tool('multiscale_ablation')


GROUPS = {'wait': 'long-term', 'wave': 'arm', 'open door': 'context'}


def _seed(rows: dict[str, float], merged: bool) -> dict:
    out = {row: {'overall': v, 'long-term': v, 'arm': v, 'context': v}
           for row, v in rows.items()}
    out['_groups'] = GROUPS
    out['_merge'] = {'merged_into': '+lfb', 'selected': [['wave'], []]} if merged else {}
    return out


def test_header_without_the_merge_row_names_the_lfb_config_only(tool):
    args = tool.build_parser().parse_args(
        ['--seeds', '0', '1', '--rows', 'short-term', '+global', '+lfb', '--epochs', '12'])
    per_seed = {s: _seed({'short-term': 10.0 + s, '+global': 11.0 + s, '+lfb': 9.0 + s}, False)
                for s in (0, 1)}
    md, js = tool.report(per_seed, args, {})
    header = md.splitlines()[0]
    assert '12 epochs per model.' in header and 'Arm merge' not in header
    assert '`+lfb`: `global-lfb_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py`.' in header
    assert '+lfb − +global' in md and '+arm merge' not in md
    assert js['per_seed']['1']['+lfb']['long-term'] == 10.0


def test_header_with_the_merge_row_names_the_arm_model_and_its_start(tool):
    args = tool.build_parser().parse_args(['--seeds', '0', '--arm-init', 'short-term'])
    rows = {'short-term': 10.0, '+global': 11.0, '+lfb': 9.0, '+arm merge': 9.5,
            'arm model': 6.0}
    md, _ = tool.report({0: _seed(rows, True)}, args, {})
    header = md.splitlines()[0]
    assert 'Arm merge: mean (weight 0.5) into `+lfb`' in header
    assert 'started from the `short-term` model of its seed.' in header
    assert '+arm merge − +lfb' in md


def test_claims_carry_the_evaluation_noise_column_when_every_seed_has_it(tool):
    args = tool.build_parser().parse_args(['--seeds', '0', '1', '--rows', 'short-term',
                                           '+global', '+lfb'])
    per_seed = {s: _seed({'short-term': 10.0 + s, '+global': 11.0 + s, '+lfb': 9.0 + s}, False)
                for s in (0, 1)}
    for s in per_seed:
        per_seed[s]['_noise'] = {'+global − short-term @ context': {'std': 0.5 + s},
                                 '+lfb − +global @ long-term': {'std': 2.0}}
    md, _ = tool.report(per_seed, args, {})
    assert '| the global feature helps context classes | +global − short-term | context | ' \
           '1.00 ± 0.00 | yes | 1.00 |' in md
    assert '| +lfb − +global | long-term | -2.00 ± 0.00 | no | 2.00 |' in md
    assert 'resamples of the validation videos' in md
    del per_seed[1]['_noise']  # a seed scored before the column existed: no column
    md, _ = tool.report(per_seed, args, {})
    assert 'eval noise' not in md and 'resamples' not in md


def test_resolved_claims(tool):
    rows = ['short-term', '+global', '+lfb', '+arm merge']
    assert [c[:2] for c in tool.resolved_claims(rows, '+lfb', 'x.py')] == [
        ('+global', 'short-term'), ('+lfb', '+global'), ('+arm merge', '+lfb'),
        ('+arm merge', 'short-term')]
    assert [c[:2] for c in tool.resolved_claims(rows[:3], None, '')] == [
        ('+global', 'short-term')]
