"""The ablation scripts' shared CLI: common arguments, the README block writer."""

from __future__ import annotations

import glob
import json
import os.path as osp
import re
import shlex

import pytest
import torch

from mmaction_plugins.analysis.ablation_cli import (
    README_END,
    README_START,
    ablation_main,
    ablation_parser,
    check_readme_block,
    readme_markers,
    report_json,
    update_readme,
)
from tests.conftest import REPO


def test_common_arguments():
    args = ablation_parser('Doc line.\n\nMore.', 'work_dirs/x').parse_args([])
    assert (args.preset, args.seeds, args.data_root, args.work_dir, args.train_cache,
            args.readme, args.readme_block) == ('full', [0, 1, 2], 'data/synthetic',
                                                'work_dirs/x', 'work_dirs/train_cache', None, None)


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
    data = json.loads((tmp_path / 'work' / 'ablation.json').read_text())
    assert list(data['per_seed']) == ['1', '2'] and data['args']['rows'] == ['a', 'b']
    assert data['seconds']['seed2'] == {'train': 1.0} and 'total' in data['seconds']
    assert data['env'] == {'torch': torch.__version__, 'torch_num_threads': torch.get_num_threads()}
    assert (tmp_path / 'work' / 'ablation.md').read_text() == 'seeds [1, 2]'
    assert '--seeds 2 1' in readme.read_text() and 'seeds [1, 2]' in readme.read_text()


def test_named_blocks_are_filled_independently(tmp_path):
    path = tmp_path / 'README.md'
    a_start, a_end = readme_markers('e12')
    b_start, b_end = readme_markers('shared-backbone')
    assert (a_start, a_end) == ('<!-- ablation:e12:start -->', '<!-- ablation:e12:end -->')
    assert readme_markers() == (README_START, README_END)
    path.write_text(f'top\n{a_start}\nold a\n{a_end}\nmid\n{b_start}\nold b\n{b_end}\nend\n'
                    f'{README_START}\nold c\n{README_END}\n')
    update_readme(str(path), 'new b\n', 'cmd b', 'shared-backbone')
    text = path.read_text()
    assert 'old a' in text and 'old c' in text and 'old b' not in text
    assert f'{b_start}\nWritten by `cmd b`.\n\nnew b\n{b_end}\nend\n' in text
    update_readme(str(path), 'new a\n', 'cmd a', 'e12')
    update_readme(str(path), 'new c\n', 'cmd c')
    text = path.read_text()
    assert text.startswith('top\n') and '\nmid\n' in text
    assert [w in text for w in ('new a', 'new b', 'new c')] == [True] * 3
    assert not any(w in text for w in ('old a', 'old b', 'old c'))
    assert text.index('new a') < text.index('mid') < text.index('new b') < text.index('new c')


@pytest.mark.parametrize('body, match', [
    ('no block\n', r'bad.md: no <!-- ablation:x:start --> \.\.\. .*\(<!-- ablation:x:start '
                    r'--> and <!-- ablation:x:end --> missing\)'),
    ('<!-- ablation:x:start -->\n', r'bad.md: .*\(<!-- ablation:x:end --> missing\)'),
    ('<!-- ablation:x:end -->\n<!-- ablation:x:start -->\n', 'bad.md: .*end --> comes before'),
    ('<!-- ablation:x:start -->\n<!-- ablation:x:end -->\n' * 2, 'bad.md: .* 2 / 2 times'),
])
def test_bad_blocks_name_the_file_and_the_markers(tmp_path, body, match):
    path = tmp_path / 'bad.md'
    path.write_text(body)
    with pytest.raises(ValueError, match=match):
        check_readme_block(str(path), 'x')
    with pytest.raises(ValueError, match=match):
        update_readme(str(path), 'md', 'cmd', 'x')
    assert path.read_text() == body  # nothing written


@pytest.mark.parametrize('name', ['', 'a b', 'a-->', '-x', 'a:b'])
def test_block_names_that_would_break_the_marker_are_refused(name):
    with pytest.raises(ValueError, match='README block name'):
        readme_markers(name)


def test_a_missing_block_fails_before_any_seed_runs(tmp_path):
    readme = tmp_path / 'README.md'
    readme.write_text(f'{README_START}\n{README_END}\n')  # unnamed only
    ran = []

    def run_seed(args, seed, log):
        ran.append(seed)
        return {}

    def report(per_seed, args, log):
        return 'md', report_json(args, per_seed, log)

    def parser():
        return ablation_parser('Doc.', str(tmp_path / 'work'))

    argv = ['--seeds', '0', '--readme', str(readme), '--readme-block', 'shared']
    with pytest.raises(ValueError, match='README.md: no <!-- ablation:shared:start -->'):
        ablation_main(parser, run_seed, report, argv)
    with pytest.raises(FileNotFoundError):
        ablation_main(parser, run_seed, report,
                      ['--seeds', '0', '--readme', str(tmp_path / 'absent.md')])
    with pytest.raises(ValueError, match='give --readme too'):
        ablation_main(parser, run_seed, report, ['--seeds', '0', '--readme-block', 'shared'])
    assert ran == [] and not (tmp_path / 'work').exists()
    # the named block is filled, the unnamed one kept
    readme.write_text(f'{README_START}\nkeep\n{README_END}\n<!-- ablation:shared:start -->\n'
                      '<!-- ablation:shared:end -->\n')
    assert ablation_main(parser, run_seed, report, argv) == 0
    text = readme.read_text()
    assert ran == [0] and 'keep' in text
    assert text.endswith('--readme-block shared`.\n\nmd\n<!-- ablation:shared:end -->\n')


def _documented_commands(text: str) -> list[list[str]]:
    """The ``python tools/analysis/...`` commands of a README: fenced/indented lines (with
    ``\\`` continuations) and inline code spans (which may wrap)."""
    text = re.sub(r'\\\n\s*', ' ', text)
    spans = re.findall(r'`(python tools/analysis/[^`]+)`', text)
    spans += re.findall(r'^\s{4}(python tools/analysis/.+)$', text, flags=re.M)
    return [shlex.split(' '.join(s.split())) for s in spans]


def test_readme_commands_name_blocks_that_exist():
    """Every documented ablation command that writes into a README names a block that README
    holds (else the run would stop before its first seed)."""
    checked = set()
    for md in sorted(glob.glob(osp.join(REPO, 'configs', '**', 'README.md'), recursive=True)):
        with open(md, encoding='utf-8') as f:
            commands = _documented_commands(f.read())
        for argv in commands:
            if '--readme' not in argv:
                continue
            target = argv[argv.index('--readme') + 1]
            name = argv[argv.index('--readme-block') + 1] if '--readme-block' in argv else None
            check_readme_block(osp.join(REPO, target), name)
            checked.add((target, name))
    # the ones this suite relies on being found at all
    assert {('configs/acar/README.md', 'shared-backbone'), ('configs/baseline/README.md', 'e12'),
            ('configs/pcca/README.md', None)} <= checked
