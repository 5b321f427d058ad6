"""Seed statistics, paired differences, class groups and the markdown table of the ablations."""

from __future__ import annotations

import math

import pytest

from mmaction_plugins.analysis import (
    chance_line,
    claims_table,
    class_groups,
    class_prevalence,
    frequency_groups,
    group_means,
    groups_line,
    markdown_table,
    overall_and_group_means,
    paired_difference,
    seed_stats,
)


def test_seed_stats_and_paired_difference():
    s = seed_stats([1.0, 2.0, 3.0])
    assert (s.mean, s.std, s.n) == (2.0, 1.0, 3)
    assert s.format() == '2.00 ± 1.00'
    assert seed_stats([4.0]).std == 0.0
    assert not seed_stats([4.0]).beyond_spread  # one seed: no spread to beat
    assert seed_stats([math.nan, 5.0]).n == 1
    assert seed_stats([]).format() == '-' and not seed_stats([]).beyond_spread
    # paired: a constant gain is beyond any spread even when the rows themselves vary a lot
    a = {0: 10.0, 1: 30.0, 2: 50.0}
    b = {0: 11.0, 1: 31.5, 2: 50.5}
    d = paired_difference(a, b)
    assert d.mean == pytest.approx(1.0) and d.std == pytest.approx(0.5)
    assert d.beyond_spread
    assert not paired_difference(a, {0: 12.0, 1: 28.0, 2: 51.0}).beyond_spread  # +2, -2, +1
    assert paired_difference(a, {5: 1.0}).n == 0


def test_claims_table_with_and_without_evaluation_noise():
    values = {s: {'a': {'g': 10.0 + s}, 'b': {'g': 12.0 + s * 1.5}} for s in (0, 1, 2)}
    claims = [('b', 'a', 'g', 'b beats a')]
    plain = claims_table(values, claims)
    assert 'eval noise' not in plain
    assert '| b beats a | b − a | g | 2.50 ± 0.50 | yes |' in plain
    noise = {0: {'b − a @ g': {'std': 1.0}}, 1: {'b − a @ g': {'std': 2.0}}, 2: {}}
    text = claims_table(values, claims, noise=noise)
    assert text.splitlines()[0].endswith('| win > spread | eval noise (video bootstrap std) |')
    assert '| b beats a | b − a | g | 2.50 ± 0.50 | yes | 1.50 |' in text  # mean of 2 seeds
    assert '| - |' in claims_table(values, claims, noise={0: {}})


def test_groups(tmp_path):
    manifest = {'classes': [{'name': 'stand', 'group': 'pose'},
                            {'name': 'kick ball', 'group': 'context'},
                            {'name': 'open door', 'group': 'context'}]}
    groups = class_groups(manifest)
    assert groups == {'stand': 'pose', 'kick ball': 'context', 'open door': 'context'}
    with pytest.raises(ValueError, match='classes'):
        class_groups({})
    means = group_means({'stand': 0.5, 'kick ball': 0.2, 'open door': math.nan}, groups)
    assert means == {'pose': 0.5, 'context': 0.2}
    assert math.isnan(group_means({'stand': 0.5}, groups)['context'])
    row = overall_and_group_means({'stand': 0.6, 'kick ball': 0.2, 'open door': math.nan},
                                  groups, {'stand': 'head', 'kick ball': 'tail'})
    assert list(row) == ['overall', 'pose', 'context', 'head', 'tail']
    assert row['overall'] == pytest.approx(0.4)  # the NaN class is left out
    assert (row['pose'], row['context'], row['head'], row['tail']) == (0.6, 0.2, 0.6, 0.2)
    assert math.isnan(overall_and_group_means({'open door': math.nan}, groups)['overall'])

    csv = tmp_path / 'ava_train.csv'
    rows = ['v,902,0.1,0.1,0.5,0.9,1,0'] * 5 + ['v,903,0.1,0.1,0.5,0.9,2,0'] * 3 + \
        ['v,904,0.1,0.1,0.5,0.9,3,0']
    csv.write_text('\n'.join(rows) + '\n')
    label_map = {1: 'stand', 2: 'kick ball', 3: 'open door', 4: 'never'}
    freq = frequency_groups(str(csv), label_map, tail_fraction=0.25)
    assert freq == {'stand': 'head', 'kick ball': 'mid', 'open door': 'mid', 'never': 'tail'}
    csv.write_text('v,902,0.1,0.1,0.5,0.9,1,0\nv,902,0.1,0.1,0.5,0.9,x,0\n')
    with pytest.raises(ValueError, match=r'ava_train\.csv:2'):
        frequency_groups(str(csv), label_map)


def test_class_prevalence(tmp_path):
    csv = tmp_path / 'ava_val.csv'
    # three persons (two at second 902, one at 903); the first carries two classes, and a
    # repeated row of the same person and class counts once
    csv.write_text('v,902,0.1,0.1,0.5,0.9,1,0\nv,902,0.1,0.1,0.5,0.9,2,0\n'
                   'v,902,0.1,0.1,0.5,0.9,2,0\nv,902,0.5,0.1,0.9,0.9,1,1\n'
                   'v,903,0.1,0.1,0.5,0.9,3,0\n')
    label_map = {1: 'stand', 2: 'kick ball', 3: 'open door', 4: 'never'}
    prev = class_prevalence(str(csv), label_map)
    assert prev == pytest.approx({'stand': 2 / 3, 'kick ball': 1 / 3, 'open door': 1 / 3,
                                  'never': 0.0})
    csv.write_text('')
    with pytest.raises(ValueError, match='no labelled person'):
        class_prevalence(str(csv), label_map)
    csv.write_text('v,902,0.1,0.1,0.5,0.9,one,0\n')
    with pytest.raises(ValueError, match=r'ava_val\.csv:1'):
        class_prevalence(str(csv), label_map)


def test_markdown_table():
    md = markdown_table(['row', 'a'], [['x', '1.00 ± 0.10']])
    assert md.splitlines() == ['| row | a |', '|:---|---:|', '| x | 1.00 ± 0.10 |']
    with pytest.raises(ValueError, match='one cell per header'):
        markdown_table(['row', 'a'], [['x']])


def test_groups_line_and_chance_line():
    groups = {'stand': 'pose', 'walk': 'motion', 'crouch': 'pose'}
    assert groups_line(groups) == 'Groups — pose: stand, crouch; motion: walk.'
    line = chance_line({0: {'overall': 10.0, 'pose': 30.0}, 1: {'overall': 12.0, 'pose': 34.0}},
                       ['overall', 'pose'], 'chance')
    assert line.startswith('chance per group (') and line.endswith(
        'overall 11.00 ± 1.41, pose 32.00 ± 2.83.')
