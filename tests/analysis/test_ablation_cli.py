"""The ablation scripts' shared CLI: common arguments, the README block writer."""

from __future__ import annotations

import pytest

from mmaction_plugins.analysis.ablation_cli import (
    README_END,
    README_START,
    ablation_main,
    ablation_parser,
    report_json,
    update_readme,
)


def test_common_arguments():
    args = ablation_parser('Doc line.\n\nMore.', 'work_dirs/x').parse_args([])
    assert (args.preset, args.seeds, args.data_root, args.work_dir, args.train_cache,
            args.readme) == ('full', [0, 1, 2], 'data/synthetic', 'work_dirs/x',
                             'work_dirs/train_cache', None)


def test_update_readme_replaces_only_the_block(tmp_path):
    path = tmp_path / 'README.md'
    path.write_text(f'# T\n\nintro\n{README_START}\nold\n{README_END}\n\nafter\n')
    update_readme(str(path), '| a | b |\n', 'python tools/analysis/x.py --seeds 0')
    text = path.read_text()
    assert text.startswith('# T\n\nintro\n') and text.endswith('\n\nafter\n')
    assert 'old' not in text and '| a | b |' in text
    assert 'Written by `python tools/analysis/x.py --seeds 0`.' in text
    update_readme(str(path), 'new\n', 'cmd')  # again: still one block
    assert path.read_text().count(README_START) == 1 and 'new' in path.read_text()
    (tmp_path / 'none.md').write_text('no block\n')
    with pytest.raises(ValueError, match='none.md: no'):
        update_readme(str(tmp_path / 'none.md'), 'x', 'cmd')


def test_ablation_main_completes_args_runs_seeds_and_writes_reports(tmp_path):
    readme = tmp_path / 'README.md'
    readme.write_text(f'{README_START}\n{README_END}\n')
    seen = []

    def parser():
        p = ablation_parser('Doc.', str(tmp_path / 'work'))
        p.add_argument('--rows', nargs='+', default=['b'])
        return p

    def complete(args):
        args.rows = ['a', *args.rows]  # e.g. a row the chosen ones are built from

    def run_seed(args, seed, log):
        seen.append((seed, list(args.rows)))
        log.setdefault(f'seed{seed}', {})['train'] = 1.0
        return {'a': {'overall': float(seed)}}

    def report(per_seed, args, log):
        return f'seeds {sorted(per_seed)}', report_json(args, per_seed, log)

    argv = ['--seeds', '2', '1', '--readme', str(readme)]
    assert ablation_main(parser, run_seed, report, argv, complete) == 0
    assert seen == [(2, ['a', 'b']), (1, ['a', 'b'])]
    import json

    data = json.loads((tmp_path / 'work' / 'ablation.json').read_text())
    assert list(data['per_seed']) == ['1', '2'] and data['args']['rows'] == ['a', 'b']
    assert data['seconds']['seed2'] == {'train': 1.0} and 'total' in data['seconds']
    assert (tmp_path / 'work' / 'ablation.md').read_text() == 'seeds [1, 2]'
    assert '--seeds 2 1' in readme.read_text() and 'seeds [1, 2]' in readme.read_text()
